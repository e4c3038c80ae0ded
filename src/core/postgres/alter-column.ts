/**
 * The SQL of a column's change (ALTER COLUMN and what depends on it: keys, indexes, sequences, the
 * foreign keys of other tables that take its type), and which type changes Postgres casts by itself.
 */

import { generatedName } from '../state/naming.js'
import type {
  ArrayBase,
  ColumnClassName,
  ColumnSnapshot,
  ConstraintSnapshot,
  IndexSnapshot,
  SchemaState,
  TableSnapshot,
} from '../state/snapshot.js'
import { declarationSql, declaredColumns, sameValue } from '../state/snapshot.js'
import {
  addConstraintSql,
  collateSql,
  columnCommentSql,
  columnDefinitionSql,
  columnIndexSql,
  columnType,
  createIndexSql,
  defaultSql,
  deferrableSql,
  derivedName,
  foreignKeyTarget,
  referencesSql,
  tableName,
  uniqueOf,
} from './ddl.js'
import { qualifiedName, quoteIdent, quoteLiteral } from './quote.js'
import { sqlMentions } from '../state/sql-text.js'

const TEXT_FAMILY = new Set<ColumnClassName>(['Varchar', 'Char', 'Text', 'Citext'])
const NUMBER_FAMILY = new Set<ColumnClassName>([
  'SmallInt',
  'Integer',
  'BigInt',
  'Serial',
  'BigSerial',
  'Real',
  'DoublePrecision',
  'Numeric',
])
const NUMBER_RANK: Partial<Record<ColumnClassName, number>> = {
  SmallInt: 1,
  Integer: 2,
  Serial: 2,
  BigInt: 3,
  BigSerial: 3,
  Numeric: 4,
  Real: 4,
  DoublePrecision: 5,
}

/** Whether Postgres converts between the two classes without `USING` (an assignment cast exists). */
export function castsImplicitly(from: ColumnClassName, to: ColumnClassName): boolean {
  if (from === to) return true
  if (TEXT_FAMILY.has(from) && TEXT_FAMILY.has(to)) return true
  if (NUMBER_FAMILY.has(from) && NUMBER_FAMILY.has(to)) return true
  if (
    (from === 'Timestamp' || from === 'Timestamptz' || from === 'Date') &&
    (to === 'Timestamp' || to === 'Timestamptz')
  )
    return true
  // Everything converts to text through its output function (an assignment cast).
  return TEXT_FAMILY.has(to) && from !== 'Array' && from !== 'Bytea'
}

/** Whether changing a column's type can lose data or reject values it accepted before. */
export function narrowsType(before: ColumnSnapshot, after: ColumnSnapshot): boolean {
  const a = before.params
  const b = after.params
  if (before.columnClass === after.columnClass) {
    if (a.length !== undefined && b.length !== undefined && b.length < a.length) return true
    if (a.digits && b.digits && (b.digits[0] < a.digits[0] || b.digits[1] < a.digits[1])) return true
    if (!a.digits && b.digits) return true
    if (a.dimensions !== b.dimensions || a.type !== b.type) return true
    return false
  }
  if (TEXT_FAMILY.has(after.columnClass)) {
    if (after.columnClass === 'Text' || after.columnClass === 'Citext') return false
    if (!TEXT_FAMILY.has(before.columnClass)) return true
    return before.columnClass === 'Text' || (b.length ?? 0) < (a.length ?? Number.POSITIVE_INFINITY)
  }
  const from = NUMBER_RANK[before.columnClass]
  const to = NUMBER_RANK[after.columnClass]
  if (from !== undefined && to !== undefined) return to < from
  return true
}

const identitySql = (identity: 'always' | 'byDefault') => (identity === 'always' ? 'ALWAYS' : 'BY DEFAULT')

/** The stored type: `serial` and `bigserial` are integer and bigint with an owned sequence. */
const storageType = (type: string): string => (type === 'serial' ? 'integer' : type === 'bigserial' ? 'bigint' : type)
const isSerial = (column: ColumnSnapshot): boolean =>
  column.columnClass === 'Serial' || column.columnClass === 'BigSerial'

/**
 * A statement on the sequence a serial column owns. Its name is Postgres' choice (suffixed on a
 * clash, not renamed with the table), so it is looked up with pg_get_serial_sequence.
 */
function ownedSequenceSql(table: TableSnapshot, column: ColumnSnapshot, before: string, after = ''): string {
  const sequence = `pg_get_serial_sequence(${quoteLiteral(tableName(table))}, ${quoteLiteral(column.dbColumnName)})`
  return `DO $am$ BEGIN EXECUTE ${quoteLiteral(before)} || ${sequence}${after ? ` || ${quoteLiteral(after)}` : ''}; END $am$`
}

/** Columns of the state whose foreign key targets `column` of `table`. */
function referencingColumns(
  state: SchemaState,
  table: TableSnapshot,
  column: ColumnSnapshot,
): { table: TableSnapshot; column: ColumnSnapshot }[] {
  const out: { table: TableSnapshot; column: ColumnSnapshot }[] = []
  for (const other of state.tables.values()) {
    for (const c of other.columns) {
      const ref = c.params.references
      if (
        c.columnClass === 'ForeignKey' &&
        ref &&
        ref.app === table.app &&
        ref.table === table.className &&
        ref.column === column.name
      )
        out.push({ table: other, column: c })
    }
  }
  return out
}

/**
 * A column that becomes generated, or whose expression changes, is dropped and added again: Postgres
 * (before 17) can neither add nor change a generation expression. What the drop takes with it (its
 * keys, its indexes, the table's declarations that name it) is created again after it.
 */
function rebuildColumnSql(afterTable: TableSnapshot, after: ColumnSnapshot, state: SchemaState): string[] {
  const t = tableName(afterTable)
  const uses = (x: ConstraintSnapshot | IndexSnapshot) =>
    declaredColumns(x).includes(after.name) || declarationSql(x).some((sql) => sqlMentions(sql, after.dbColumnName))
  const out = [
    `ALTER TABLE ${t} DROP COLUMN ${quoteIdent(after.dbColumnName)}`,
    `ALTER TABLE ${t} ADD COLUMN ${columnDefinitionSql(afterTable, after, state)}`,
  ]
  if (after.params.index) out.push(columnIndexSql(afterTable, after))
  for (const c of afterTable.constraints) if (uses(c)) out.push(addConstraintSql(afterTable, c))
  for (const i of afterTable.indexes) if (uses(i)) out.push(createIndexSql(afterTable, { ...i, concurrently: false }))
  if (after.params.comment !== undefined) out.push(columnCommentSql(afterTable, after, after.params.comment))
  return out
}

export function alterColumnSql(
  table: TableSnapshot,
  before: ColumnSnapshot,
  afterTable: TableSnapshot,
  after: ColumnSnapshot,
  state: SchemaState,
): string[] {
  const t = tableName(table)
  const col = quoteIdent(after.dbColumnName)
  const a = before.params
  const b = after.params
  const same = sameValue
  if (b.generated !== undefined && a.generated !== b.generated) return rebuildColumnSql(afterTable, after, state)
  const out: string[] = []
  const oldType = columnType(before, state, table.app)
  const newType = columnType(after, state, table.app)
  const typeChanged = oldType !== newType
  // serial -> integer keeps the stored type: only the sequence changes.
  const storageChanged = storageType(oldType) !== storageType(newType)
  const fkChanged =
    before.columnClass === 'ForeignKey' &&
    after.columnClass === 'ForeignKey' &&
    (!same(a.references, b.references) || a.onDelete !== b.onDelete || a.onUpdate !== b.onUpdate)
  const defaultChanged = !same(a.default, b.default) || before.columnClass !== after.columnClass
  const target = storageType(newType)
  // Compared as stored: a foreign key as its target column, an array by its elements.
  const stored = (c: ColumnSnapshot): { columnClass: ColumnClassName; base?: ArrayBase } =>
    c.columnClass === 'ForeignKey'
      ? foreignKeyTarget(c.params, state).column
      : { columnClass: c.columnClass, base: c.params.base }
  const elements = (c: { columnClass: ColumnClassName; base?: ArrayBase }): ColumnClassName =>
    c.columnClass === 'Array' && c.base ? elements(c.base) : c.columnClass
  const from = stored(before)
  const to = stored(after)
  const arrays = from.columnClass === 'Array' && to.columnClass === 'Array'
  // An enum, or a type the model knows only by name, converts through its text form.
  const viaText =
    elements(from) === 'Enum' ||
    elements(to) === 'Enum' ||
    before.columnClass === 'Custom' ||
    after.columnClass === 'Custom'
  const implicit = arrays
    ? castsImplicitly(elements(from), elements(to))
    : castsImplicitly(from.columnClass, to.columnClass)
  const using = (column: string) =>
    implicit && !viaText
      ? ''
      : viaText
        ? ` USING ${column}::text${arrays ? '[]' : ''}::${target}`
        : ` USING ${column}::${target}`
  // Foreign keys that point at this column take its type: they are dropped, converted and re-added.
  const referencing = storageChanged ? referencingColumns(state, table, before) : []
  const collationChanged = a.collation !== b.collation
  const isFk = before.columnClass === 'ForeignKey' && after.columnClass === 'ForeignKey'
  const fkRenamed =
    isFk && !fkChanged && derivedName.foreignKey(table, before) !== derivedName.foreignKey(afterTable, after)
  const fkDeferChanged = isFk && !fkChanged && a.deferrable !== b.deferrable
  const uniqueChanged = a.unique && b.unique && uniqueOf(before) !== uniqueOf(after)

  // Dependent objects go first: a type change may be refused while they exist.
  for (const r of referencing)
    out.push(
      `ALTER TABLE ${tableName(r.table)} DROP CONSTRAINT ${quoteIdent(derivedName.foreignKey(r.table, r.column))}`,
    )
  if (before.columnClass === 'ForeignKey' && (after.columnClass !== 'ForeignKey' || fkChanged)) {
    out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${quoteIdent(derivedName.foreignKey(table, before))}`)
  }
  if (a.index && (!b.index || a.indexMethod !== b.indexMethod || typeChanged)) {
    out.push(`DROP INDEX ${qualifiedName(table.schema, derivedName.columnIndex(table, before))}`)
  }
  if (a.unique && !a.primaryKey && (!b.unique || b.primaryKey || uniqueChanged)) {
    out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${quoteIdent(derivedName.columnUnique(table, before))}`)
  }
  if (a.primaryKey && !b.primaryKey)
    out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${quoteIdent(derivedName.primaryKey(table))}`)
  if (a.generated !== undefined && b.generated === undefined)
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} DROP EXPRESSION`)
  if (a.identity && !b.identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} DROP IDENTITY`)
  const hadDefault = a.default !== null && !isSerial(before)
  if ((hadDefault && (defaultChanged || typeChanged)) || (isSerial(before) && !isSerial(after))) {
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} DROP DEFAULT`)
  }

  // Without COLLATE, a column takes its (new) type's default collation: a collation given goes with
  // every type change, and removing one is a type "change" to the same type.
  if (storageChanged || collationChanged)
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} TYPE ${target}${collateSql(b)}${storageChanged ? using(col) : ''}`)
  for (const r of referencing) {
    const fk = quoteIdent(r.column.dbColumnName)
    out.push(`ALTER TABLE ${tableName(r.table)} ALTER COLUMN ${fk} TYPE ${target}${using(fk)}`)
  }
  if (isSerial(before) && !isSerial(after)) out.push(ownedSequenceSql(table, before, 'DROP SEQUENCE '))
  else if (isSerial(before) && isSerial(after) && storageChanged)
    out.push(ownedSequenceSql(table, before, 'ALTER SEQUENCE ', ` AS ${target}`))
  else if (!isSerial(before) && isSerial(after)) {
    // What `serial` does: a sequence owned by the column, as its default, started after the rows.
    const sequence = qualifiedName(table.schema, generatedName(table.tablename, [after.dbColumnName], 'seq'))
    out.push(`CREATE SEQUENCE ${sequence} AS ${target} OWNED BY ${t}.${col}`)
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT nextval(${quoteLiteral(sequence)}::regclass)`)
    out.push(`SELECT setval(${quoteLiteral(sequence)}::regclass, coalesce(max(${col}), 0) + 1, false) FROM ${t}`)
  }
  const def = defaultSql(after, b.default, state, table.app)
  if (def !== null && (defaultChanged || typeChanged) && !isSerial(after)) {
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${def}`)
  }
  const wasNotNull = !a.null || a.primaryKey
  const isNotNull = !b.null || b.primaryKey
  if (wasNotNull !== isNotNull) {
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} ${isNotNull ? 'SET' : 'DROP'} NOT NULL`)
  }
  if (b.identity && !a.identity) {
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} ADD GENERATED ${identitySql(b.identity)} AS IDENTITY`)
    // As for a new serial: the sequence continues after the rows already there.
    const sequence = `pg_get_serial_sequence(${quoteLiteral(t)}, ${quoteLiteral(after.dbColumnName)})`
    out.push(`SELECT setval(${sequence}, coalesce(max(${col}), 0) + 1, false) FROM ${t}`)
  } else if (a.identity && b.identity && a.identity !== b.identity) {
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${col} SET GENERATED ${identitySql(b.identity)}`)
  }
  if (b.primaryKey && !a.primaryKey) {
    out.push(`ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(derivedName.primaryKey(afterTable))} PRIMARY KEY (${col})`)
  }
  if (b.unique && !b.primaryKey && (!a.unique || a.primaryKey || uniqueChanged)) {
    out.push(
      `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(derivedName.columnUnique(afterTable, after))} ${uniqueOf(after, col)}`,
    )
  }
  if (b.index && (!a.index || a.indexMethod !== b.indexMethod || typeChanged))
    out.push(columnIndexSql(afterTable, after))
  if (after.columnClass === 'ForeignKey' && (before.columnClass !== 'ForeignKey' || fkChanged)) {
    out.push(
      `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(derivedName.foreignKey(afterTable, after))} FOREIGN KEY (${col}) ${referencesSql(b, state)}${deferrableSql(b.deferrable)}`,
    )
  }
  const fkName = quoteIdent(derivedName.foreignKey(afterTable, after))
  if (fkRenamed)
    out.push(`ALTER TABLE ${t} RENAME CONSTRAINT ${quoteIdent(derivedName.foreignKey(table, before))} TO ${fkName}`)
  // Both settings spelled out: what ALTER CONSTRAINT keeps when one is left out is not the same everywhere.
  if (fkDeferChanged) {
    const mode =
      b.deferrable === undefined
        ? ' NOT DEFERRABLE INITIALLY IMMEDIATE'
        : b.deferrable === true
          ? ' DEFERRABLE INITIALLY IMMEDIATE'
          : ' DEFERRABLE INITIALLY DEFERRED'
    out.push(`ALTER TABLE ${t} ALTER CONSTRAINT ${fkName}${mode}`)
  }
  if (a.comment !== b.comment) out.push(columnCommentSql(afterTable, after, b.comment))
  for (const r of referencing) {
    out.push(
      `ALTER TABLE ${tableName(r.table)} ADD CONSTRAINT ${quoteIdent(derivedName.foreignKey(r.table, r.column))} FOREIGN KEY (${quoteIdent(r.column.dbColumnName)}) ${referencesSql(r.column.params, state)}`,
    )
  }
  return out
}
