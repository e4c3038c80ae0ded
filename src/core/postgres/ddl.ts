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
  params: ColumnParams,
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

/** `"name" type NOT NULL DEFAULT … CONSTRAINT … PRIMARY KEY/UNIQUE/REFERENCES …` for CREATE/ADD COLUMN. */
export function columnDefinitionSql(table: TableSnapshot, column: ColumnSnapshot, state: SchemaState): string {
  const p = column.params
  const parts = [quoteIdent(column.dbColumnName), columnType(column, state, table.app)]
  if (!p.null && !p.primaryKey) parts.push('NOT NULL')
  const def = defaultSql(column, p.default, state, table.app)
  if (def !== null && column.columnClass !== 'Serial' && column.columnClass !== 'BigSerial')
    parts.push(`DEFAULT ${def}`)
  if (p.primaryKey) parts.push(`CONSTRAINT ${quoteIdent(derivedName.primaryKey(table))} PRIMARY KEY`)
  if (p.unique && !p.primaryKey) parts.push(`CONSTRAINT ${quoteIdent(derivedName.columnUnique(table, column))} UNIQUE`)
  if (column.columnClass === 'ForeignKey')
    parts.push(`CONSTRAINT ${quoteIdent(derivedName.foreignKey(table, column))} ${referencesSql(p, state)}`)
  return parts.join(' ')
}

export function referencesSql(params: ColumnParams, state: SchemaState): string {
  const target = foreignKeyTarget(params, state)
  return `REFERENCES ${tableName(target.table)} (${quoteIdent(target.column.dbColumnName)})${referentialSql(params)}`
}

export function columnIndexSql(table: TableSnapshot, column: ColumnSnapshot): string {
  const method = column.params.indexMethod ?? 'btree'
  return `CREATE INDEX ${quoteIdent(derivedName.columnIndex(table, column))} ON ${tableName(table)} USING ${method} (${quoteIdent(column.dbColumnName)})`
}

export function constraintBodySql(table: TableSnapshot, constraint: ConstraintSnapshot): string {
  switch (constraint.kind) {
    case 'primaryKey':
      return `PRIMARY KEY (${constraint.columns.map((c) => quoteIdent(dbName(table, c))).join(', ')})`
    case 'unique':
      return `UNIQUE${constraint.nullsDistinct ? '' : ' NULLS NOT DISTINCT'} (${constraint.columns.map((c) => quoteIdent(dbName(table, c))).join(', ')})`
    case 'check':
      return `CHECK (${constraint.expression})`
  }
}

export function addConstraintSql(table: TableSnapshot, constraint: ConstraintSnapshot): string {
  return `ALTER TABLE ${tableName(table)} ADD CONSTRAINT ${quoteIdent(derivedName.constraint(table, constraint))} ${constraintBodySql(table, constraint)}`
}

export function dropConstraintSql(table: TableSnapshot, name: string): string {
  return `ALTER TABLE ${tableName(table)} DROP CONSTRAINT ${quoteIdent(name)}`
}

export function createIndexSql(table: TableSnapshot, index: IndexSnapshot): string {
  const keys = index.keys.map((k) => {
    const target = k.column !== undefined ? quoteIdent(dbName(table, k.column)) : `(${k.expression})`
    return [target, k.opclass, k.order?.toUpperCase(), k.nulls ? `NULLS ${k.nulls.toUpperCase()}` : undefined]
      .filter(Boolean)
      .join(' ')
  })
  return [
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${index.concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(derivedName.index(table, index))}`,
    `ON ${tableName(table)} USING ${index.method} (${keys.join(', ')})`,
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
