/**
 * The snapshot: the schema that migrations describe, as plain data. Replaying migrations produces it,
 * the table model is converted into it, and the differ compares two of them. It knows nothing of SQL.
 *
 * Identity: a table is `app` + `className` (as in Piccolo); a column is its property `name` within
 * its table. Physical names (`tablename`, `dbColumnName`, `schema`) are attributes, so renames are
 * explicit operations rather than drop + add.
 */
import { isSqlExpression, type SqlExpression } from './sql.js'

export const COLUMN_CLASSES = [
  'Varchar',
  'Char',
  'Text',
  'SmallInt',
  'Integer',
  'BigInt',
  'Serial',
  'BigSerial',
  'Boolean',
  'Real',
  'DoublePrecision',
  'Numeric',
  'UUID',
  'Date',
  'Time',
  'Timestamp',
  'Timestamptz',
  'Interval',
  'JSON',
  'JSONB',
  'Bytea',
  'Array',
  'ForeignKey',
  'Enum',
  'Inet',
  'Cidr',
  'MacAddr',
  'Citext',
  'TsVector',
  'Hstore',
  'Ltree',
  'Vector',
  'Custom',
] as const
export type ColumnClassName = (typeof COLUMN_CLASSES)[number]

export type IndexMethod = 'btree' | 'hash' | 'gin' | 'gist' | 'brin'
export type ReferentialAction = 'cascade' | 'restrict' | 'no action' | 'set null' | 'set default'
/** A constraint checked at the end of the transaction: `true` (DEFERRABLE, checked at once unless deferred) or initially deferred. */
export type Deferrable = true | 'initiallyDeferred'
export type IdentityGeneration = 'always' | 'byDefault'

export type JsonValue = null | string | number | boolean | JsonValue[] | { [key: string]: JsonValue }
/** A literal of the column's type (JSON-compatible) or a SQL expression. */
export type DefaultValue = JsonValue | SqlExpression

/** What a foreign key points at: a table by its app and class name, a column by its property name. */
export interface ForeignKeyTarget {
  app: string
  table: string
  column: string
}

/** The type of an Array column's elements. */
export interface ArrayBase {
  columnClass: ColumnClassName
  length?: number
  digits?: [number, number] | null
  enum?: string
  base?: ArrayBase
  dimensions?: number
  type?: string
}

export interface ColumnParams {
  null: boolean
  default: DefaultValue
  primaryKey: boolean
  unique: boolean
  index: boolean
  /** Only present when not btree. */
  indexMethod?: IndexMethod
  /** Varchar, Char. */
  length?: number
  /** Numeric: [precision, scale]; absent for unconstrained numeric. */
  digits?: [number, number] | null
  /** Enum: the enum's name (an enum of the same app). */
  enum?: string
  /** Array: the element type. */
  base?: ArrayBase
  /** ForeignKey. */
  references?: ForeignKeyTarget
  onDelete?: ReferentialAction
  onUpdate?: ReferentialAction
  /** ForeignKey: the constraint's name when given (else generated). */
  constraintName?: string
  /** The foreign key (ForeignKey) or the column's unique constraint (other classes) is deferrable. */
  deferrable?: Deferrable
  /** Vector: its number of dimensions. */
  dimensions?: number
  /** Custom: the SQL type, as written in DDL (`int4range`). */
  type?: string
  /** Integer types: GENERATED ALWAYS / BY DEFAULT AS IDENTITY. */
  identity?: IdentityGeneration
  /** GENERATED ALWAYS AS (expression) STORED: the expression's SQL. */
  generated?: string
  collation?: string
  comment?: string
}

export interface ColumnSnapshot {
  /** Property name on the table class. */
  name: string
  dbColumnName: string
  columnClass: ColumnClassName
  params: ColumnParams
}

export interface IndexKey {
  /** Property name of a column, or… */
  column?: string
  /** …a SQL expression (`lower(email)`). Exactly one of the two is set. */
  expression?: string
  order?: 'asc' | 'desc'
  nulls?: 'first' | 'last'
  opclass?: string
}

export interface IndexSnapshot {
  /** Explicit name, or null: generated from the table and keys (and renamed with them). */
  name: string | null
  keys: IndexKey[]
  unique: boolean
  method: IndexMethod
  /** Partial index predicate, SQL. */
  where: string | null
  /** Unique indexes only: false writes NULLS NOT DISTINCT. */
  nullsDistinct: boolean
  /** Build with CREATE INDEX CONCURRENTLY (runs outside the migration's transaction). */
  concurrently: boolean
  /** Non-key columns stored in the index (INCLUDE), by property name; absent when none. */
  include?: string[]
}

/** One element of an exclusion constraint: a key and the operator two rows must not both satisfy. */
export interface ExcludeElement extends IndexKey {
  operator: string
}

/** Table-level constraints. `name` null: generated from the table and columns (and renamed with them). */
export type ConstraintSnapshot =
  | { kind: 'primaryKey'; name: string | null; columns: string[] }
  | {
      kind: 'unique'
      name: string | null
      columns: string[]
      nullsDistinct: boolean
      include?: string[]
      deferrable?: Deferrable
    }
  | { kind: 'check'; name: string | null; expression: string }
  | {
      kind: 'exclude'
      name: string | null
      method: IndexMethod
      elements: ExcludeElement[]
      where: string | null
      include?: string[]
      deferrable?: Deferrable
    }

export interface TableSnapshot {
  app: string
  className: string
  tablename: string
  schema: string
  columns: ColumnSnapshot[]
  /** Table-level constraints, including a composite primary key. */
  constraints: ConstraintSnapshot[]
  indexes: IndexSnapshot[]
  /** COMMENT ON TABLE; absent when none. */
  comment?: string
}

export interface EnumSnapshot {
  app: string
  name: string
  schema: string
  values: string[]
}

/** A Postgres extension an app declares (`extensions: ['citext']`). */
export interface ExtensionSnapshot {
  kind: 'extension'
  app: string
  name: string
}

/** A view or materialized view; its identity is `app` + `className`, as a table's. */
export interface ViewSnapshot {
  kind: 'view'
  app: string
  className: string
  viewname: string
  schema: string
  materialized: boolean
  /** The SELECT, as written. */
  query: string
  /** Materialized views only; keys name output columns of the query. */
  indexes: IndexSnapshot[]
}

/** A function, by name, with the whole `CREATE [OR REPLACE] FUNCTION` statement that makes it. */
export interface FunctionSnapshot {
  kind: 'function'
  app: string
  name: string
  sql: string
}

export type TriggerEvent = 'insert' | 'update' | 'delete' | 'truncate'

/** A trigger on a table of the same app (`table` is the table's class name). */
export interface TriggerSnapshot {
  kind: 'trigger'
  app: string
  table: string
  name: string
  timing: 'before' | 'after' | 'instead of'
  events: TriggerEvent[]
  function: string
  forEach: 'row' | 'statement'
  /** The WHEN condition, SQL. */
  when: string | null
}

/** What a schema holds besides tables and enums. */
export type SchemaObjectSnapshot = ExtensionSnapshot | ViewSnapshot | FunctionSnapshot | TriggerSnapshot

/** The plain, serialisable form of a snapshot (sorted, so equal schemas give equal JSON). */
export interface SnapshotData {
  tables: TableSnapshot[]
  enums: EnumSnapshot[]
  /**
   * Extensions, views, functions and triggers. Left out when there are none, so that the snapshot
   * of a schema of tables only is the same as before these existed.
   */
  objects?: SchemaObjectSnapshot[]
}

/** The identity of an object within the whole schema state. */
export function objectKey(o: SchemaObjectSnapshot): string {
  const name = o.kind === 'view' ? o.className : o.kind === 'trigger' ? `${o.table}.${o.name}` : o.name
  return `${o.kind} ${o.app}.${name}`
}

export const tableKey = (app: string, className: string): string => `${app}.${className}`

/**
 * The constraint that makes column `name` of `table` a key a foreign key can point at: the primary
 * key or a unique constraint on that column alone (declared on the column or on the table). A
 * foreign key depends on that constraint's index.
 */
export function keyOf(table: TableSnapshot, name: string): 'primaryKey' | 'unique' | undefined {
  const column = table.columns.find((c) => c.name === name)
  if (!column) return undefined
  if (column.params.primaryKey) return 'primaryKey'
  if (column.params.unique) return 'unique'
  const constraint = table.constraints.find(
    (c) => (c.kind === 'primaryKey' || c.kind === 'unique') && c.columns.length === 1 && c.columns[0] === name,
  )
  return constraint?.kind === 'primaryKey' || constraint?.kind === 'unique' ? constraint.kind : undefined
}

/** The columns (by property name) a constraint or index names: keys, INCLUDE columns, elements. */
export function declaredColumns(x: ConstraintSnapshot | IndexSnapshot): string[] {
  const keys = (list: IndexKey[]) => list.flatMap((k) => (k.column !== undefined ? [k.column] : []))
  if ('keys' in x) return [...keys(x.keys), ...(x.include ?? [])]
  switch (x.kind) {
    case 'check':
      return []
    case 'exclude':
      return [...keys(x.elements), ...(x.include ?? [])]
    case 'unique':
      return [...x.columns, ...(x.include ?? [])]
    case 'primaryKey':
      return x.columns
  }
}

/** The SQL text of a declaration (a check, expressions, predicates), which may name columns. */
export function declarationSql(x: ConstraintSnapshot | IndexSnapshot): string[] {
  const keys = (list: IndexKey[]) => list.flatMap((k) => (k.expression !== undefined ? [k.expression] : []))
  if ('keys' in x) return [...keys(x.keys), ...(x.where ? [x.where] : [])]
  if (x.kind === 'check') return [x.expression]
  if (x.kind === 'exclude') return [...keys(x.elements), ...(x.where ? [x.where] : [])]
  return []
}

/** A copy of a constraint or index whose column names (property names) go through `rename`. */
export function renameDeclaredColumns<T extends ConstraintSnapshot | IndexSnapshot>(
  x: T,
  rename: (name: string) => string,
): T {
  const keys = <K extends IndexKey>(list: K[]): K[] =>
    list.map((k) => (k.column !== undefined ? { ...k, column: rename(k.column) } : k))
  const include = 'include' in x && x.include ? { include: x.include.map(rename) } : {}
  if ('keys' in x) return { ...x, keys: keys(x.keys), ...include }
  switch (x.kind) {
    case 'check':
      return x
    case 'exclude':
      return { ...x, elements: keys(x.elements), ...include }
    default:
      return { ...x, columns: x.columns.map(rename), ...include }
  }
}

/**
 * The mutable schema state that operations apply to during replay. Replay mutates one state in
 * place (fast for thousands of operations); `toData()` gives the canonical plain form.
 */
export class SchemaState {
  readonly tables = new Map<string, TableSnapshot>()
  readonly enums = new Map<string, EnumSnapshot>()
  /** Extensions, views, functions and triggers, by `objectKey`. */
  readonly objects = new Map<string, SchemaObjectSnapshot>()

  static from(data: SnapshotData): SchemaState {
    const state = new SchemaState()
    for (const table of data.tables) state.tables.set(tableKey(table.app, table.className), cloneTable(table))
    for (const e of data.enums) state.enums.set(tableKey(e.app, e.name), { ...e, values: [...e.values] })
    for (const o of data.objects ?? []) state.objects.set(objectKey(o), cloneData(o))
    return state
  }

  clone(): SchemaState {
    return SchemaState.from(this.toData())
  }

  findTable(app: string, className: string): TableSnapshot | undefined {
    return this.tables.get(tableKey(app, className))
  }

  findEnum(app: string, name: string): EnumSnapshot | undefined {
    return this.enums.get(tableKey(app, name))
  }

  tablesOf(app: string): TableSnapshot[] {
    return [...this.tables.values()].filter((t) => t.app === app)
  }

  /** Plain form (a deep copy); columns stay in the order they were added (the physical order). */
  toData(): SnapshotData {
    return canonicalSnapshot(
      { tables: [...this.tables.values()], enums: [...this.enums.values()], objects: [...this.objects.values()] },
      { sortColumns: false },
    )
  }

  /**
   * The canonical plain form without copying what is already in order: tables and enums sorted,
   * but their contents shared with the state. For reading only (the differ), and only until the
   * state changes: ~10× cheaper than `toData()` on a large schema.
   */
  view(): SnapshotData {
    return canonicalSnapshot(
      { tables: [...this.tables.values()], enums: [...this.enums.values()], objects: [...this.objects.values()] },
      { sortColumns: false, copy: false },
    )
  }
}

export function cloneTable(table: TableSnapshot): TableSnapshot {
  return cloneData(table)
}

/**
 * A deep copy of snapshot data, as `structuredClone` makes it (SQL expressions become plain
 * `{ kind, text }` objects, keys whose value is undefined are kept), several times faster for the
 * many small objects a schema is made of. Anything other than plain objects, arrays and SQL
 * expressions goes through `structuredClone` itself.
 */
export function cloneData<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = cloneData(value[i])
    return out as T
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null && !isSqlExpression(value)) return structuredClone(value)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = cloneData((value as Record<string, unknown>)[key])
  return out as T
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
const byStableForm = <T>(items: T[]): T[] => {
  if (items.length < 2) return items
  const keyed = items.map((item) => [stableStringify(item), item] as const)
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return keyed.map(([, item]) => item)
}

/**
 * Sorts tables, enums, columns, constraints and indexes, and deep-copies (unless `copy` is false:
 * then only the lists are new and the objects in them are shared). Column order is not part of the
 * schema: ADD COLUMN always appends, so a column declared in the middle can't be placed there.
 */
export function canonicalSnapshot(
  data: SnapshotData,
  options: { sortColumns?: boolean; copy?: boolean } = {},
): SnapshotData {
  const copy = options.copy !== false
  const tables = data.tables
    .map((table) => {
      const out: TableSnapshot = copy ? cloneTable(table) : { ...table }
      if (options.sortColumns !== false)
        out.columns = (copy ? out.columns : [...out.columns]).sort(byKey((c) => c.name))
      out.constraints = byStableForm(copy ? out.constraints : [...out.constraints])
      out.indexes = byStableForm(copy ? out.indexes : [...out.indexes])
      return out
    })
    .sort(byKey((t) => tableKey(t.app, t.className)))
  const enums = data.enums
    .map((e) => (copy ? { ...e, values: [...e.values] } : e))
    .sort(byKey((e) => tableKey(e.app, e.name)))
  if (!data.objects?.length) return { tables, enums }
  const objects = data.objects.map((o) => (copy ? cloneData(o) : o)).sort(byKey(objectKey))
  return { tables, enums, objects }
}

/** A stable JSON form: object keys sorted, SQL expressions tagged. Equal schemas give equal strings. */
export function stableStringify(value: unknown): string {
  if (isSqlExpression(value)) return JSON.stringify({ $sql: value.text })
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * `stableStringify(a) === stableStringify(b)`, without building the strings: the differ and replay
 * compare thousands of params and declarations. Same answers: key order and keys whose value is
 * undefined don't count, a SQL expression equals `{ $sql: text }`, primitives compare as JSON does
 * (for the JSON data snapshots hold: an array holding undefined or a function may differ).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return stableStringify(a) === stableStringify(b)
  const x = isSqlExpression(a) ? { $sql: a.text } : a
  const y = isSqlExpression(b) ? { $sql: b.text } : b
  const xArray = Array.isArray(x)
  if (xArray !== Array.isArray(y)) return false
  if (xArray) {
    const ys = y as unknown[]
    if (x.length !== ys.length) return false
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], ys[i])) return false
    return true
  }
  const xo = x as Record<string, unknown>
  const yo = y as Record<string, unknown>
  let count = 0
  for (const key of Object.keys(xo)) {
    const v = xo[key]
    if (v === undefined) continue
    count++
    const w = yo[key]
    if (w === undefined || !sameValue(v, w)) return false
  }
  for (const key of Object.keys(yo)) if (yo[key] !== undefined) count--
  return count === 0
}
