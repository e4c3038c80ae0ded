/**
 * Pure SQL generation for the pieces of a schema: column types, defaults, column definitions,
 * constraints and indexes, and the deterministic names of generated objects. Operations compose these;
 * nothing here touches a database.
 */
import { AutoMigrationsError } from '../../errors.js'
import { dbName, derivedName } from '../state/naming.js'
import type {
  ArrayBase,
  ColumnClassName,
  ColumnParams,
  ColumnSnapshot,
  ConstraintSnapshot,
  DefaultValue,
  Deferrable,
  IndexKey,
  IndexSnapshot,
  SchemaState,
  TableSnapshot,
} from '../state/snapshot.js'
import { isSqlExpression } from '../state/sql.js'
import { qualifiedName, quoteIdent, quoteLiteral } from './quote.js'

const SIMPLE_TYPES: Partial<Record<ColumnClassName, string>> = {
  Text: 'text',
  SmallInt: 'smallint',
  Integer: 'integer',
  BigInt: 'bigint',
  Serial: 'serial',
  BigSerial: 'bigserial',
  Boolean: 'boolean',
  Real: 'real',
  DoublePrecision: 'double precision',
  UUID: 'uuid',
  Date: 'date',
  Time: 'time',
  Timestamp: 'timestamp',
  Timestamptz: 'timestamptz',
  Interval: 'interval',
  JSON: 'json',
  JSONB: 'jsonb',
  Bytea: 'bytea',
  Inet: 'inet',
  Cidr: 'cidr',
  MacAddr: 'macaddr',
  Citext: 'citext',
  TsVector: 'tsvector',
  Hstore: 'hstore',
  Ltree: 'ltree',
}

export function tableName(table: Pick<TableSnapshot, 'schema' | 'tablename'>): string {
  return qualifiedName(table.schema, table.tablename)
}

export function enumTypeName(state: SchemaState, app: string, name: string): string {
  const found = state.findEnum(app, name)
  if (!found) {
    throw new AutoMigrationsError('REPLAY_FAILED', `Enum "${name}" of app "${app}" is used before it is created.`, {
      app,
    })
  }
  return qualifiedName(found.schema, found.name)
}

type TypeSpec = {
  columnClass: ColumnClassName
  length?: number
  digits?: [number, number] | null
  enum?: string
  base?: ArrayBase
  dimensions?: number
  type?: string
}

/** The SQL type of a column (foreign keys take their target column's type; serials become integers). */
export function columnType(
  column: { columnClass: ColumnClassName; params: ColumnParams },
  state: SchemaState,
  app: string,
): string {
  if (column.columnClass === 'ForeignKey') {
    const target = foreignKeyTarget(column.params, state)
    const type = typeOf(target.column, state, target.table.app)
    return type === 'serial' ? 'integer' : type === 'bigserial' ? 'bigint' : type
  }
  return typeOf({ columnClass: column.columnClass, ...column.params }, state, app)
}

function typeOf(spec: TypeSpec | ColumnSnapshot, state: SchemaState, app: string): string {
  const s: TypeSpec = 'params' in spec ? { columnClass: spec.columnClass, ...spec.params } : spec
  if ('params' in spec && spec.columnClass === 'ForeignKey') return columnType(spec, state, app)
  switch (s.columnClass) {
    case 'Varchar':
      return s.length === undefined ? 'varchar' : `varchar(${s.length})`
    case 'Char':
      return `char(${s.length ?? 1})`
    case 'Numeric':
      return s.digits ? `numeric(${s.digits[0]}, ${s.digits[1]})` : 'numeric'
    case 'Enum':
      return enumTypeName(state, app, s.enum ?? '')
    case 'Vector':
      return s.dimensions === undefined ? 'vector' : `vector(${s.dimensions})`
    case 'Custom':
      if (!s.type) throw new AutoMigrationsError('INVALID_COLUMN', 'A Custom column needs its SQL `type`.')
      return s.type
    case 'Array':
      if (!s.base) throw new AutoMigrationsError('INVALID_COLUMN', 'An Array column needs a base column.')
      return `${typeOf(s.base, state, app)
        .replace(/^serial$/, 'integer')
        .replace(/^bigserial$/, 'bigint')}[]`
    default: {
      const simple = SIMPLE_TYPES[s.columnClass]
      if (!simple)
        throw new AutoMigrationsError('INVALID_COLUMN', `Column class ${s.columnClass} has no SQL type here.`)
      return simple
    }
  }
}

export function foreignKeyTarget(
  params: Pick<ColumnParams, 'references'>,
  state: SchemaState,
): { table: TableSnapshot; column: ColumnSnapshot } {
  const ref = params.references
  if (!ref) throw new AutoMigrationsError('INVALID_COLUMN', 'A ForeignKey column needs `references`.')
  const table = state.findTable(ref.app, ref.table)
  const column = table?.columns.find((c) => c.name === ref.column)
  if (!table || !column) {
    throw new AutoMigrationsError(
      'REPLAY_FAILED',
      `Foreign key target ${ref.app}.${ref.table}.${ref.column} does not exist at this point of the history. ` +
        `Check that app "${ref.app}" is a dependency and that its migration creating the table comes first.`,
      { app: ref.app, table: ref.table, column: ref.column },
    )
  }
  return { table, column }
}

/** A literal default as SQL, for the column's type. */
export function defaultSql(
  column: { columnClass: ColumnClassName; params: ColumnParams },
  value: DefaultValue,
  state: SchemaState,
  app: string,
): string | null {
  if (value === null) return null
  if (isSqlExpression(value)) return value.text
  const cls = column.columnClass
  if (cls === 'JSON' || cls === 'JSONB') return `${quoteLiteral(JSON.stringify(value))}::${cls.toLowerCase()}`
  if (cls === 'Array') {
    if (!Array.isArray(value)) return quoteLiteral(String(value))
    const type = columnType(column, state, app)
    const base = column.params.base
    const items = value.map((v) =>
      base
        ? (defaultSql(
            { columnClass: base.columnClass, params: { ...emptyParams(), ...base } as ColumnParams },
            v,
            state,
            app,
          ) ?? 'NULL')
        : String(v),
    )
    return items.length ? `ARRAY[${items.join(', ')}]::${type}` : `'{}'::${type}`
  }
  if (typeof value === 'string') return quoteLiteral(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return quoteLiteral(JSON.stringify(value))
}

function emptyParams(): ColumnParams {
  return { null: true, default: null, primaryKey: false, unique: false, index: false }
}

// The names of generated objects live with the model's naming rules (the model validates clashes).
export { dbName, derivedName } from '../state/naming.js'

export function referentialSql(params: ColumnParams): string {
  const on = (what: string, action: string | undefined) =>
    action && action !== 'no action' ? ` ON ${what} ${action.toUpperCase()}` : ''
  return on('DELETE', params.onDelete) + on('UPDATE', params.onUpdate)
}

/** ` DEFERRABLE` / ` DEFERRABLE INITIALLY DEFERRED`, or nothing. */
export function deferrableSql(deferrable: Deferrable | undefined): string {
  return deferrable === undefined ? '' : deferrable === true ? ' DEFERRABLE' : ' DEFERRABLE INITIALLY DEFERRED'
}

/** ` COLLATE "C"` when the column has a collation. */
export function collateSql(params: ColumnParams): string {
  return params.collation === undefined ? '' : ` COLLATE ${quoteIdent(params.collation)}`
}

/** `GENERATED … AS IDENTITY` or `GENERATED ALWAYS AS (…) STORED`, or undefined. */
export function generatedSql(params: ColumnParams): string | undefined {
  if (params.identity) return `GENERATED ${params.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`
  if (params.generated !== undefined) return `GENERATED ALWAYS AS (${params.generated}) STORED`
  return undefined
}

/** `"name" type NOT NULL DEFAULT … CONSTRAINT … PRIMARY KEY/UNIQUE/REFERENCES …` for CREATE/ADD COLUMN. */
export function columnDefinitionSql(table: TableSnapshot, column: ColumnSnapshot, state: SchemaState): string {
  const p = column.params
  const parts = [quoteIdent(column.dbColumnName), columnType(column, state, table.app) + collateSql(p)]
  if (!p.null && !p.primaryKey) parts.push('NOT NULL')
  const def = defaultSql(column, p.default, state, table.app)
  if (def !== null && column.columnClass !== 'Serial' && column.columnClass !== 'BigSerial')
    parts.push(`DEFAULT ${def}`)
  const generated = generatedSql(p)
  if (generated) parts.push(generated)
  if (p.primaryKey) parts.push(`CONSTRAINT ${quoteIdent(derivedName.primaryKey(table))} PRIMARY KEY`)
  if (p.unique && !p.primaryKey)
    parts.push(`CONSTRAINT ${quoteIdent(derivedName.columnUnique(table, column))} ${uniqueOf(column)}`)
  if (column.columnClass === 'ForeignKey')
    parts.push(
      `CONSTRAINT ${quoteIdent(derivedName.foreignKey(table, column))} ${referencesSql(p, state)}${deferrableSql(p.deferrable)}`,
    )
  return parts.join(' ')
}

/**
 * The body of a column's own unique constraint (`UNIQUE`, with the column when `columnSql` is
 * given). `deferrable` on a ForeignKey column is the foreign key's, not the unique constraint's.
 */
export function uniqueOf(column: ColumnSnapshot, columnSql?: string): string {
  const deferrable = column.columnClass === 'ForeignKey' ? '' : deferrableSql(column.params.deferrable)
  return `UNIQUE${columnSql ? ` (${columnSql})` : ''}${deferrable}`
}

/** `COMMENT ON COLUMN … IS …` (NULL removes it). */
export function columnCommentSql(table: TableSnapshot, column: ColumnSnapshot, comment: string | undefined): string {
  return `COMMENT ON COLUMN ${tableName(table)}.${quoteIdent(column.dbColumnName)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`
}

/** `COMMENT ON TABLE … IS …` (NULL removes it). */
export function tableCommentSql(table: TableSnapshot, comment: string | undefined): string {
  return `COMMENT ON TABLE ${tableName(table)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`
}

export function referencesSql(params: ColumnParams, state: SchemaState): string {
  const target = foreignKeyTarget(params, state)
  return `REFERENCES ${tableName(target.table)} (${quoteIdent(target.column.dbColumnName)})${referentialSql(params)}`
}

export function columnIndexSql(table: TableSnapshot, column: ColumnSnapshot): string {
  const method = column.params.indexMethod ?? 'btree'
  return `CREATE INDEX ${quoteIdent(derivedName.columnIndex(table, column))} ON ${tableName(table)} USING ${method} (${quoteIdent(column.dbColumnName)})`
}

const columnList = (table: TableSnapshot, columns: string[]) =>
  columns.map((c) => quoteIdent(dbName(table, c))).join(', ')
const includeSql = (table: TableSnapshot, include: string[] | undefined) =>
  include?.length ? ` INCLUDE (${columnList(table, include)})` : ''

/** A key of an index or an exclusion element: `"col" opclass DESC NULLS LAST` or `(expr) …`. */
function keySql(table: TableSnapshot, k: IndexKey): string {
  const target = k.column !== undefined ? quoteIdent(dbName(table, k.column)) : `(${k.expression})`
  return [target, k.opclass, k.order?.toUpperCase(), k.nulls ? `NULLS ${k.nulls.toUpperCase()}` : undefined]
    .filter(Boolean)
    .join(' ')
}

export function constraintBodySql(table: TableSnapshot, constraint: ConstraintSnapshot): string {
  switch (constraint.kind) {
    case 'primaryKey':
      return `PRIMARY KEY (${columnList(table, constraint.columns)})`
    case 'unique':
      return `UNIQUE${constraint.nullsDistinct ? '' : ' NULLS NOT DISTINCT'} (${columnList(table, constraint.columns)})${includeSql(table, constraint.include)}${deferrableSql(constraint.deferrable)}`
    case 'check':
      return `CHECK (${constraint.expression})`
    case 'exclude': {
      const elements = constraint.elements.map((e) => `${keySql(table, e)} WITH ${e.operator}`)
      return `EXCLUDE USING ${constraint.method} (${elements.join(', ')})${includeSql(table, constraint.include)}${constraint.where ? ` WHERE (${constraint.where})` : ''}${deferrableSql(constraint.deferrable)}`
    }
  }
}

export function addConstraintSql(table: TableSnapshot, constraint: ConstraintSnapshot): string {
  return `ALTER TABLE ${tableName(table)} ADD CONSTRAINT ${quoteIdent(derivedName.constraint(table, constraint))} ${constraintBodySql(table, constraint)}`
}

export function dropConstraintSql(table: TableSnapshot, name: string): string {
  return `ALTER TABLE ${tableName(table)} DROP CONSTRAINT ${quoteIdent(name)}`
}

export function createIndexSql(table: TableSnapshot, index: IndexSnapshot): string {
  const keys = index.keys.map((k) => keySql(table, k))
  return [
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${index.concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(derivedName.index(table, index))}`,
    `ON ${tableName(table)} USING ${index.method} (${keys.join(', ')})${includeSql(table, index.include)}`,
    index.unique && !index.nullsDistinct ? 'NULLS NOT DISTINCT' : '',
    index.where ? `WHERE ${index.where}` : '',
  ]
    .filter(Boolean)
    .join(' ')
}

/**
 * Whether an index is there and usable: one row, `done` true (valid), false (INVALID, as a killed
 * CREATE INDEX CONCURRENTLY leaves it) or null (absent).
 */
export function indexValidSql(table: TableSnapshot, name: string): string {
  return `SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(${quoteLiteral(qualifiedName(table.schema, name))})) AS done`
}

export function dropIndexSql(table: TableSnapshot, name: string, concurrently = false, ifExists = false): string {
  return `DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${ifExists ? 'IF EXISTS ' : ''}${qualifiedName(table.schema, name)}`
}

/**
 * Every named object a table generates, keyed by what it is (not by its name). Renames compare the
 * map before and after to rename exactly the objects whose generated name changed.
 */
export function namedObjects(table: TableSnapshot): Map<string, { name: string; kind: 'constraint' | 'index' }> {
  const out = new Map<string, { name: string; kind: 'constraint' | 'index' }>()
  // Keys are positions, not names: a rename changes names but keeps every object's position.
  table.columns.forEach((column, at) => {
    const p = column.params
    if (p.primaryKey) out.set('pkey', { name: derivedName.primaryKey(table), kind: 'constraint' })
    if (p.unique && !p.primaryKey)
      out.set(`key:${at}`, { name: derivedName.columnUnique(table, column), kind: 'constraint' })
    if (p.index) out.set(`idx:${at}`, { name: derivedName.columnIndex(table, column), kind: 'index' })
    if (column.columnClass === 'ForeignKey')
      out.set(`fkey:${at}`, { name: derivedName.foreignKey(table, column), kind: 'constraint' })
  })
  table.constraints.forEach((c, at) => {
    out.set(`c:${at}`, { name: derivedName.constraint(table, c), kind: 'constraint' })
  })
  table.indexes.forEach((i, at) => {
    out.set(`i:${at}`, { name: derivedName.index(table, i), kind: 'index' })
  })
  return out
}

/** Statements that rename generated objects whose names changed between two versions of a table. */
export function renameGeneratedObjectsSql(before: TableSnapshot, after: TableSnapshot): string[] {
  const old = namedObjects(before)
  const statements: string[] = []
  for (const [key, now] of namedObjects(after)) {
    const was = old.get(key)
    if (!was || was.name === now.name) continue
    statements.push(
      now.kind === 'index'
        ? `ALTER INDEX ${qualifiedName(after.schema, was.name)} RENAME TO ${quoteIdent(now.name)}`
        : `ALTER TABLE ${tableName(after)} RENAME CONSTRAINT ${quoteIdent(was.name)} TO ${quoteIdent(now.name)}`,
    )
  }
  return statements
}
