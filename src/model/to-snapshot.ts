/**
 * The table model → snapshot: reads table classes, fills defaults, generates nothing yet (names are
 * derived by the SQL layer), and validates. Every error names the app, the table and the column.
 */
import { type Registry, dependsOn } from './registry.js'
import { AutoMigrationsError } from '../errors.js'
import type {
  ArrayBase,
  ColumnClassName,
  ColumnParams,
  ColumnSnapshot,
  ConstraintSnapshot,
  DefaultValue,
  EnumSnapshot,
  ForeignKeyTarget,
  IndexKey,
  IndexSnapshot,
  SchemaObjectSnapshot,
  SnapshotData,
  TableSnapshot,
} from '../core/state/snapshot.js'
import { canonicalSnapshot, tableKey } from '../core/state/snapshot.js'
import type { ArrayColumn, Column, Enum, ForeignKey, TableClass } from './columns.js'
import { isColumn } from './columns.js'
import type { ExcludeDeclaration, IndexKeyInput, TableConstraint } from './constraints.js'
import { MAX_IDENTIFIER_BYTES, byteLength, derivedName, snakeCase } from '../core/state/naming.js'
import { isSqlExpression } from '../core/state/sql.js'
import type { Table } from './table.js'
import { readAppObjects } from './objects-to-snapshot.js'
import type { RenameHints } from '../core/differ/hints.js'

type TableStatics = typeof Table

export interface ModelSnapshot {
  snapshot: SnapshotData
  hints: RenameHints
  /**
   * Primary key columns (`app.Class.property`) declared without `default`: they get no implicit
   * default, and take the one an older history recorded (`withRecordedKeyDefaults`).
   */
  keysWithoutDefault?: ReadonlySet<string>
}

const TEXT: ColumnClassName[] = ['Varchar', 'Char', 'Text', 'Citext']
const NUMBERS: ColumnClassName[] = ['SmallInt', 'Integer', 'BigInt', 'Real', 'DoublePrecision', 'Numeric']

/**
 * Piccolo's defaults when none is given and the column is NOT NULL: '' for text, 0 for numbers, false.
 * Never for a primary key column (a key value nobody gives is a bug, not a 0).
 */
function implicitDefault(columnClass: ColumnClassName): DefaultValue {
  if (TEXT.includes(columnClass)) return ''
  if (NUMBERS.includes(columnClass)) return 0
  if (columnClass === 'Boolean') return false
  return null
}

function fail(
  code:
    | 'INVALID_TABLE'
    | 'INVALID_COLUMN'
    | 'IDENTIFIER_TOO_LONG'
    | 'INVALID_DEFAULT'
    | 'UNKNOWN_COLUMN'
    | 'UNKNOWN_FK_TARGET'
    | 'DUPLICATE_COLUMN'
    | 'ENUM_CONFLICT'
    | 'FK_APP_NOT_DEPENDENCY',
  message: string,
  where: { app: string; table?: string; column?: string; option?: string },
): never {
  throw new AutoMigrationsError(code, message, where)
}

/** Params every column takes, and those of some classes only. */
const COLUMN_PARAMS = [
  'null',
  'default',
  'primaryKey',
  'unique',
  'index',
  'indexMethod',
  'dbColumnName',
  'renamedFrom',
  'generated',
  'comment',
  'deferrable',
]
const INTEGER_PARAMS = ['identity']
const CLASS_PARAMS: Partial<Record<ColumnClassName, string[]>> = {
  Varchar: ['length', 'collation'],
  Char: ['length', 'collation'],
  Text: ['collation'],
  Citext: ['collation'],
  SmallInt: INTEGER_PARAMS,
  Integer: INTEGER_PARAMS,
  BigInt: INTEGER_PARAMS,
  Numeric: ['digits'],
  Enum: ['enumSchema'],
  Vector: ['dimensions'],
  Custom: ['type', 'collation'],
  ForeignKey: ['onDelete', 'onUpdate', 'targetColumn', 'name'],
}
/** Why a param another class takes is refused here. */
const MISPLACED_PARAMS: Record<string, string> = {
  identity: 'identity columns are SmallInt, Integer or BigInt',
  collation: 'a collation applies to Varchar, Char, Text, Citext and Custom columns',
  name: 'only a ForeignKey names its constraint',
}
const KEY_OPTIONS = ['order', 'nulls', 'opclass']
const INDEX_OPTIONS = ['name', 'method', 'where', 'concurrently', 'include']
const UNIQUE_OPTIONS = [...INDEX_OPTIONS, 'nullsDistinct', 'deferrable']
const EXCLUDE_OPTIONS = ['name', 'method', 'where', 'include', 'deferrable']
const CHECK_OPTIONS = ['name']

/**
 * Every option of `given` must be one the declaration takes: an unknown one (a typo, or an option
 * of something else, like `order` given to a whole index) is an error that names the declaration,
 * the option and what it takes.
 */
function checkOptions(
  given: object,
  accepted: readonly string[],
  what: string,
  code: 'INVALID_TABLE' | 'INVALID_COLUMN',
  where: { app: string; table: string; column?: string },
  misplaced?: (option: string) => string | undefined,
): void {
  for (const option of Object.keys(given)) {
    if (accepted.includes(option)) continue
    const hint = misplaced?.(option)
    fail(
      code,
      `${what} has option "${option}", which it does not take${hint ? `: ${hint}` : ''}. It takes: ${accepted.join(', ')}.`,
      { ...where, option },
    )
  }
}

function checkIdentifier(name: string, what: string, where: { app: string; table?: string; column?: string }): void {
  if (!name) fail('INVALID_TABLE', `${what} is empty.`, where)
  if (byteLength(name) > MAX_IDENTIFIER_BYTES) {
    fail(
      'IDENTIFIER_TOO_LONG',
      `${what} "${name}" is ${byteLength(name)} bytes; Postgres allows ${MAX_IDENTIFIER_BYTES} and would silently truncate it. Choose a shorter name.`,
      where,
    )
  }
}

function checkDefault(
  columnClass: ColumnClassName,
  value: unknown,
  where: { app: string; table: string; column: string },
  enumValues?: readonly string[],
): void {
  if (value === null || value === undefined || isSqlExpression(value)) return
  const bad = (expected: string): never =>
    fail(
      'INVALID_DEFAULT',
      `Default of ${where.table}.${where.column} (${columnClass}) must be ${expected} or a sql\`...\` expression; got ${JSON.stringify(value)}.`,
      where,
    )
  if (
    TEXT.includes(columnClass) ||
    [
      'UUID',
      'Date',
      'Time',
      'Timestamp',
      'Timestamptz',
      'Interval',
      'Inet',
      'Cidr',
      'MacAddr',
      'Bytea',
      'TsVector',
      'Hstore',
      'Ltree',
      'Vector',
    ].includes(columnClass)
  ) {
    if (typeof value !== 'string') bad('a string')
    return
  }
  if (['SmallInt', 'Integer', 'BigInt', 'Serial', 'BigSerial'].includes(columnClass)) {
    if (
      !(typeof value === 'number' && Number.isInteger(value)) &&
      !(typeof value === 'string' && /^-?\d+$/.test(value))
    )
      bad('an integer')
    return
  }
  if (['Real', 'DoublePrecision', 'Numeric'].includes(columnClass)) {
    if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))) bad('a number')
    return
  }
  if (columnClass === 'Boolean' && typeof value !== 'boolean') bad('true or false')
  if (columnClass === 'Custom' && typeof value === 'object') bad('a string, number or boolean')
  if (columnClass === 'Array' && !Array.isArray(value)) bad('an array')
  if (columnClass === 'Enum' && (typeof value !== 'string' || !enumValues?.includes(value)))
    bad(`one of ${JSON.stringify(enumValues)}`)
  if (columnClass === 'ForeignKey' && typeof value !== 'number' && typeof value !== 'string') bad('a key value')
}

/**
 * Whether the column is an identity or generated column, after checking what Postgres refuses with
 * one: a default, NULL (identity), a primary key (generated), or both at once.
 */
function checkComputed(
  column: Column<unknown, boolean>,
  where: { app: string; table: string; column: string },
): boolean {
  const o = column.options
  const what = `Column ${where.table}.${where.column}`
  const refuse = (option: string, message: string): never =>
    fail('INVALID_COLUMN', `${what} ${message}`, { ...where, option })
  if (o.identity !== undefined) {
    if (o.identity !== 'always' && o.identity !== 'byDefault')
      refuse('identity', `has identity ${JSON.stringify(o.identity)}: write 'always' or 'byDefault'.`)
    if (o.generated !== undefined) refuse('generated', 'is both an identity and a generated column: keep one.')
    if (o.default !== undefined && o.default !== null)
      refuse('default', 'is an identity column and has a default: Postgres gives its values; remove the default.')
    if (o.null === true) refuse('null', 'is an identity column, which is NOT NULL: remove null: true.')
    return true
  }
  if (o.generated !== undefined) {
    if (!isSqlExpression(o.generated))
      refuse('generated', 'has generated that is not a sql`...` expression: write generated: sql`...`.')
    if (o.default !== undefined && o.default !== null)
      refuse('default', 'is a generated column and has a default: Postgres computes it; remove the default.')
    if (o.primaryKey) refuse('primaryKey', 'is a generated column and a primary key, which Postgres refuses.')
    return true
  }
  return false
}

/** Params of the classes that carry their type's details: Vector's dimensions, Custom's SQL type. */
function typeParams(
  column: Column<unknown, boolean>,
  where: { app: string; table: string; column: string },
): Partial<ColumnParams> {
  const o = column.options
  if (column.columnClass === 'Vector') {
    if (!Number.isInteger(o.dimensions) || (o.dimensions ?? 0) < 1 || (o.dimensions ?? 0) > 16000)
      fail(
        'INVALID_COLUMN',
        `Vector column ${where.table}.${where.column} needs dimensions, an integer from 1 to 16000 (pgvector's limit).`,
        { ...where, option: 'dimensions' },
      )
    return { dimensions: o.dimensions }
  }
  if (column.columnClass === 'Custom') {
    if (typeof o.type !== 'string' || !o.type.trim())
      fail(
        'INVALID_COLUMN',
        `Custom column ${where.table}.${where.column} needs its SQL type: new Custom({ type: 'int4range' }).`,
        { ...where, option: 'type' },
      )
    return { type: o.type.trim() }
  }
  return {}
}

/** identity, generated, collation, comment and deferrable, each present only when given. */
function extraParams(
  column: Column<unknown, boolean>,
  where: { app: string; table: string; column: string },
): Partial<ColumnParams> {
  const o = column.options
  const out: Partial<ColumnParams> = {}
  if (o.identity !== undefined) out.identity = o.identity
  if (o.generated !== undefined) out.generated = o.generated.text
  if (o.collation !== undefined) {
    if (typeof o.collation !== 'string' || !o.collation)
      fail('INVALID_COLUMN', `Column ${where.table}.${where.column} has an empty collation.`, {
        ...where,
        option: 'collation',
      })
    out.collation = o.collation
  }
  if (o.comment !== undefined) {
    if (typeof o.comment !== 'string')
      fail('INVALID_COLUMN', `Column ${where.table}.${where.column} has a comment that is not a string.`, {
        ...where,
        option: 'comment',
      })
    out.comment = o.comment
  }
  if (o.deferrable !== undefined) {
    if (o.deferrable !== true && o.deferrable !== 'initiallyDeferred')
      fail(
        'INVALID_COLUMN',
        `Column ${where.table}.${where.column} has deferrable ${JSON.stringify(o.deferrable)}: write true or 'initiallyDeferred'.`,
        { ...where, option: 'deferrable' },
      )
    if (column.columnClass !== 'ForeignKey' && (!o.unique || o.primaryKey))
      fail(
        'INVALID_COLUMN',
        `Column ${where.table}.${where.column} is deferrable but has no unique constraint to defer: deferrable applies to unique: true (not a primary key) or to a ForeignKey.`,
        { ...where, option: 'deferrable' },
      )
    out.deferrable = o.deferrable
  }
  if (column.columnClass === 'ForeignKey' && o.name !== undefined) {
    checkIdentifier(o.name, `Foreign key name of ${where.table}.${where.column}`, where)
    out.constraintName = o.name
  }
  return out
}

function arrayBase(column: Column<unknown, boolean>): ArrayBase {
  const base: ArrayBase = { columnClass: column.columnClass }
  if (column.options.length !== undefined && (column.columnClass === 'Varchar' || column.columnClass === 'Char'))
    base.length = column.options.length
  if (column.columnClass === 'Numeric' && column.options.digits) base.digits = column.options.digits
  if (column.columnClass === 'Enum') base.enum = (column as Enum).enumName
  if (column.columnClass === 'Array') base.base = arrayBase((column as ArrayColumn).baseColumn)
  if (column.columnClass === 'Vector' && column.options.dimensions !== undefined)
    base.dimensions = column.options.dimensions
  if (column.columnClass === 'Custom' && column.options.type) base.type = column.options.type.trim()
  return base
}

/** The params each column class takes, as a set (every column of a model is checked). */
const ACCEPTED = new Map<string, ReadonlySet<string>>()
const acceptedParams = (columnClass: ColumnClassName): ReadonlySet<string> => {
  const known = ACCEPTED.get(columnClass)
  if (known) return known
  const set = new Set([...COLUMN_PARAMS, ...(CLASS_PARAMS[columnClass] ?? [])])
  ACCEPTED.set(columnClass, set)
  return set
}

function checkColumnParams(
  column: Column<unknown, boolean>,
  what: string,
  where: { app: string; table: string; column: string },
): void {
  const accepted = acceptedParams(column.columnClass)
  if (column.columnClass !== 'Array' && Object.keys(column.options).every((o) => accepted.has(o))) return
  checkOptions(column.options, [...accepted], what, 'INVALID_COLUMN', where, (option) => MISPLACED_PARAMS[option])
  if (column.columnClass === 'Array') {
    const base = (column as ArrayColumn).baseColumn
    checkColumnParams(base, `The base column (${base.columnClass}) of ${what}`, where)
    // These describe a whole column: on the elements they would mean nothing, so they are refused.
    const whole = BASE_REFUSED.find((option) => base.options[option as keyof typeof base.options] !== undefined)
    if (whole)
      fail(
        'INVALID_COLUMN',
        `The base column (${base.columnClass}) of ${what} has option "${whole}", which applies to a whole column, not to the elements of an array.`,
        { ...where, option: whole },
      )
  }
}

/** Params of SPEC §2b that an Array's base column cannot take. */
const BASE_REFUSED = ['identity', 'generated', 'collation', 'comment', 'deferrable']

interface ReadContext {
  registry: Registry
  app: string
  enums: Map<string, EnumSnapshot>
  hints: RenameHints
  keysWithoutDefault: Set<string>
  /** FK targets resolved after every table is read (the target's primary key may be implicit). */
  pendingForeignKeys: { table: TableSnapshot; column: ColumnSnapshot; fk: ForeignKey<boolean> }[]
}

function readColumn(
  name: string,
  column: Column<unknown, boolean>,
  table: TableSnapshot,
  inCompositeKey: boolean,
  ctx: ReadContext,
): ColumnSnapshot {
  const o = column.options
  const where = { app: ctx.app, table: table.className, column: name }
  checkColumnParams(column, `Column ${table.className}.${name} (${column.columnClass})`, where)
  const dbColumnName = o.dbColumnName ?? snakeCase(name)
  checkIdentifier(dbColumnName, `Column name of ${table.className}.${name}`, where)
  const isFk = column.columnClass === 'ForeignKey'
  const nullable = o.null ?? isFk
  const explicitDefault = o.default !== undefined
  const key = inCompositeKey || o.primaryKey === true
  if (key && !explicitDefault) ctx.keysWithoutDefault.add(`${ctx.app}.${table.className}.${name}`)
  // Identity and generated columns compute their values: no default, implicit or given.
  const computed = checkComputed(column, where)
  const params: ColumnParams = {
    null: nullable,
    default: (explicitDefault
      ? o.default
      : nullable || key || computed
        ? null
        : implicitDefault(column.columnClass)) as DefaultValue,
    primaryKey: o.primaryKey ?? false,
    unique: o.unique ?? false,
    index: o.index ?? false,
  }
  if (o.indexMethod && o.indexMethod !== 'btree') params.indexMethod = o.indexMethod
  if (column.columnClass === 'Varchar' || column.columnClass === 'Char') params.length = o.length
  // Unconstrained numeric has no `digits` key at all: a removed key is written as null in alterColumn.
  if (column.columnClass === 'Numeric' && o.digits) params.digits = o.digits
  if (column.columnClass === 'Array') params.base = arrayBase((column as ArrayColumn).baseColumn)
  Object.assign(params, typeParams(column, where), extraParams(column, where))
  const enumColumn =
    column.columnClass === 'Enum'
      ? (column as Enum)
      : column.columnClass === 'Array' && (column as ArrayColumn).baseColumn.columnClass === 'Enum'
        ? ((column as ArrayColumn).baseColumn as Enum)
        : undefined
  if (enumColumn) {
    checkIdentifier(enumColumn.enumName, `Enum name of ${table.className}.${name}`, where)
    const declared: EnumSnapshot = {
      app: ctx.app,
      name: enumColumn.enumName,
      schema: enumColumn.enumSchema ?? 'public',
      values: [...enumColumn.values],
    }
    const seen = ctx.enums.get(declared.name)
    if (seen && (seen.schema !== declared.schema || seen.values.join('\u0000') !== declared.values.join('\u0000'))) {
      fail(
        'ENUM_CONFLICT',
        `Enum "${declared.name}" is declared twice in app "${ctx.app}" with different values (${seen.values.join(', ')} / ${declared.values.join(', ')}). Declare it once and reuse the column definition.`,
        where,
      )
    }
    ctx.enums.set(declared.name, declared)
    if (column.columnClass === 'Enum') params.enum = enumColumn.enumName
  }
  checkDefault(column.columnClass, params.default, where, enumColumn?.values)
  if (column.columnClass === 'Array' && Array.isArray(params.default)) {
    const base = (column as ArrayColumn).baseColumn
    for (const item of params.default) checkDefault(base.columnClass, item, where, enumColumn?.values)
  }
  const snapshot: ColumnSnapshot = { name, dbColumnName, columnClass: column.columnClass, params }
  if (isFk) ctx.pendingForeignKeys.push({ table, column: snapshot, fk: column as ForeignKey<boolean> })
  if (o.renamedFrom) ctx.hints.columns.set(`${ctx.app}.${table.className}.${name}`, o.renamedFrom)
  return snapshot
}

function keyOf(
  input: IndexKeyInput,
  table: TableSnapshot,
  where: { app: string; table: string },
  extra: readonly string[] = [],
): IndexKey {
  const known = (property: string) => {
    if (!table.columns.some((c) => c.name === property)) {
      fail(
        'UNKNOWN_COLUMN',
        `A constraint of table ${table.className} names column "${property}", which the table does not have. Use a property name of ${table.className}.`,
        { ...where, column: property },
      )
    }
    return property
  }
  if (typeof input === 'string') return { column: known(input) }
  if (isSqlExpression(input)) return { expression: input.text }
  const kind = input.column !== undefined ? 'column' : 'expression'
  checkOptions(
    input,
    [kind, ...KEY_OPTIONS, ...extra],
    `A key of a constraint on table ${table.className}`,
    'INVALID_TABLE',
    where,
  )
  const key: IndexKey =
    input.column !== undefined ? { column: known(input.column) } : { expression: input.expression.text }
  if (input.order) key.order = input.order
  if (input.nulls) key.nulls = input.nulls
  if (input.opclass) key.opclass = input.opclass
  return key
}

function readConstraint(
  declaration: TableConstraint,
  table: TableSnapshot,
  where: { app: string; table: string },
): { constraint?: ConstraintSnapshot; index?: IndexSnapshot } {
  const what = `${declaration.kind}() on table ${table.className}`
  if (declaration.kind === 'check') {
    checkOptions(declaration.options ?? {}, CHECK_OPTIONS, what, 'INVALID_TABLE', where)
    if (declaration.name) checkIdentifier(declaration.name, `Constraint name on ${table.className}`, where)
    return { constraint: { kind: 'check', name: declaration.name ?? null, expression: declaration.expression } }
  }
  if (declaration.kind === 'exclude') return { constraint: readExclude(declaration, table, where) }
  checkOptions(
    declaration.options,
    declaration.kind === 'unique' ? UNIQUE_OPTIONS : INDEX_OPTIONS,
    what,
    'INVALID_TABLE',
    where,
    (option) =>
      KEY_OPTIONS.includes(option)
        ? `${option} belongs on a key, as in ${declaration.kind}({ column: '...', ${option}: ... })` +
          (declaration.kind === 'unique' && option === 'nulls' ? ' (NULLS NOT DISTINCT is nullsDistinct: false)' : '')
        : undefined,
  )
  const keys = declaration.keys.map((k) => keyOf(k, table, where))
  if (keys.length === 0)
    fail('INVALID_TABLE', `A ${declaration.kind}() on table ${table.className} names no column.`, where)
  const o = declaration.options
  if (o.name) checkIdentifier(o.name, `Constraint name on ${table.className}`, where)
  const nullsDistinct = declaration.kind === 'unique' ? (declaration.options.nullsDistinct ?? true) : true
  const include = readInclude(o.include, table, where)
  const deferrable = declaration.kind === 'unique' ? declaration.options.deferrable : undefined
  const plain = keys.every((k) => k.column !== undefined && !k.order && !k.nulls && !k.opclass)
  if (declaration.kind === 'unique' && plain && !o.where && (!o.method || o.method === 'btree') && !o.concurrently) {
    return {
      constraint: {
        kind: 'unique',
        name: o.name ?? null,
        columns: keys.map((k) => k.column!),
        nullsDistinct,
        ...include,
        ...(deferrable ? { deferrable } : {}),
      },
    }
  }
  if (deferrable)
    fail(
      'INVALID_TABLE',
      `A unique() on table ${table.className} is deferrable but has expressions, ordered keys, a where, a method or concurrently: Postgres defers only a plain unique constraint. Remove deferrable or those options.`,
      { ...where, option: 'deferrable' },
    )
  // What Postgres' index methods refuse, said before a migration is written.
  const method = o.method ?? 'btree'
  if (method !== 'btree') {
    const refuse = (what: string) =>
      fail(
        'INVALID_TABLE',
        `A ${declaration.kind}() on table ${table.className} uses method ${method}, which ${what}. Use btree, or change the declaration.`,
        where,
      )
    if (declaration.kind === 'unique') refuse('cannot enforce uniqueness (only btree can)')
    if (keys.some((k) => k.order || k.nulls)) refuse('does not support ordered keys (order, nulls)')
    if (method === 'hash' && keys.length > 1) refuse('takes a single key')
  }
  // Partial, expression, ordered or non-btree uniqueness is a unique index in Postgres.
  return {
    index: {
      name: o.name ?? null,
      keys,
      unique: declaration.kind === 'unique',
      method: o.method ?? 'btree',
      where: o.where ? o.where.text : null,
      nullsDistinct,
      concurrently: o.concurrently ?? false,
      ...include,
    },
  }
}

/** `include` as a snapshot key: property names the table has; absent when empty. */
function readInclude(
  include: string[] | undefined,
  table: TableSnapshot,
  where: { app: string; table: string },
): { include?: string[] } {
  if (!include?.length) return {}
  for (const name of include) keyOf(name, table, where)
  return { include: [...include] }
}

function readExclude(
  declaration: ExcludeDeclaration,
  table: TableSnapshot,
  where: { app: string; table: string },
): ConstraintSnapshot {
  const what = `exclude() on table ${table.className}`
  checkOptions(declaration.options, EXCLUDE_OPTIONS, what, 'INVALID_TABLE', where)
  if (declaration.elements.length === 0) fail('INVALID_TABLE', `An ${what} has no element.`, where)
  const elements = declaration.elements.map((element) => {
    if (
      typeof element !== 'object' ||
      isSqlExpression(element) ||
      typeof element.operator !== 'string' ||
      !element.operator
    )
      fail(
        'INVALID_TABLE',
        `An element of ${what} has no operator: write { column: 'room', operator: '=' } or { expression: sql\`...\`, operator: '&&' }.`,
        where,
      )
    return { ...keyOf(element, table, where, ['operator']), operator: element.operator }
  })
  const o = declaration.options
  if (o.name) checkIdentifier(o.name, `Constraint name on ${table.className}`, where)
  return {
    kind: 'exclude',
    name: o.name ?? null,
    method: o.method ?? 'gist',
    elements,
    where: o.where ? o.where.text : null,
    ...readInclude(o.include, table, where),
    ...(o.deferrable ? { deferrable: o.deferrable } : {}),
  }
}

function readTable(cls: TableClass, ctx: ReadContext): TableSnapshot {
  const statics = cls as unknown as TableStatics
  const className = cls.name
  const where = { app: ctx.app, table: className }
  const tablename = Object.hasOwn(cls, 'tablename') && statics.tablename ? statics.tablename : snakeCase(className)
  checkIdentifier(tablename, `Table name of ${className}`, where)
  const schema = statics.schema ?? 'public'
  checkIdentifier(schema, `Schema of ${className}`, where)
  const table: TableSnapshot = { app: ctx.app, className, tablename, schema, columns: [], constraints: [], indexes: [] }
  let instance: Record<string, unknown>
  try {
    instance = new (cls as unknown as new () => Record<string, unknown>)()
  } catch (error) {
    throw new AutoMigrationsError(
      'INVALID_TABLE',
      `Table ${className} of app "${ctx.app}" could not be constructed: ${error instanceof Error ? error.message : String(error)}`,
      where,
      { cause: error },
    )
  }
  const composite = Object.hasOwn(cls, 'primaryKey') ? statics.primaryKey : undefined
  const comment = Object.hasOwn(cls, 'comment') ? statics.comment : undefined
  if (comment !== undefined) {
    if (typeof comment !== 'string')
      fail('INVALID_TABLE', `Table ${className} has a static comment that is not a string.`, where)
    table.comment = comment
  }
  const seenDb = new Map<string, string>()
  for (const [name, value] of Object.entries(instance)) {
    if (!isColumn(value)) continue
    const column = readColumn(name, value, table, composite?.includes(name) ?? false, ctx)
    const other = seenDb.get(column.dbColumnName)
    if (other) {
      fail(
        'DUPLICATE_COLUMN',
        `Table ${className} has two columns named "${column.dbColumnName}" in the database (${other} and ${name}). Rename one or set dbColumnName.`,
        { ...where, column: name },
      )
    }
    seenDb.set(column.dbColumnName, name)
    table.columns.push(column)
  }
  const columnPk = table.columns.filter((c) => c.params.primaryKey)
  if (composite === null && columnPk.length)
    fail(
      'INVALID_TABLE',
      `Table ${className} has static primaryKey = null (no primary key) and a column with primaryKey: keep one.`,
      where,
    )
  if (composite && columnPk.length)
    fail(
      'INVALID_TABLE',
      `Table ${className} declares both static primaryKey and a column with primaryKey: keep one.`,
      where,
    )
  if (columnPk.length > 1)
    fail(
      'INVALID_TABLE',
      `Table ${className} has ${columnPk.length} columns with primaryKey; declare a composite key with static primaryKey = [...] instead.`,
      where,
    )
  if (composite) {
    for (const c of composite) keyOf(c, table, where)
    // Postgres makes key columns NOT NULL (and keeps them so when the key goes): say so.
    for (const c of table.columns) if (composite.includes(c.name)) c.params.null = false
    table.constraints.push({ kind: 'primaryKey', name: null, columns: [...composite] })
  } else if (!columnPk.length && composite !== null) {
    if (table.columns.some((c) => c.dbColumnName === 'id')) {
      fail(
        'INVALID_TABLE',
        `Table ${className} has a column "id" but no primary key. Mark it primaryKey: true, or rename it.`,
        { ...where, column: 'id' },
      )
    }
    // Piccolo's rule: a table without a primary key gets `id serial primary key`.
    table.columns.unshift({
      name: 'id',
      dbColumnName: 'id',
      columnClass: 'Serial',
      params: { null: false, default: null, primaryKey: true, unique: false, index: false },
    })
  }
  const declarations = Object.hasOwn(cls, 'constraints') ? (statics.constraints ?? []) : []
  for (const declaration of declarations) {
    const { constraint, index } = readConstraint(declaration, table, where)
    if (constraint) table.constraints.push(constraint)
    if (index) table.indexes.push(index)
  }
  if (Object.hasOwn(cls, 'renamedFrom') && statics.renamedFrom)
    ctx.hints.tables.set(`${ctx.app}.${className}`, statics.renamedFrom)
  return table
}

/** Reads every registered app's tables into one snapshot (apps in dependency order). */
export function modelSnapshot(registry: Registry): ModelSnapshot {
  const hints: RenameHints = { tables: new Map(), columns: new Map() }
  const keysWithoutDefault = new Set<string>()
  const tables: TableSnapshot[] = []
  const enums: EnumSnapshot[] = []
  const objects: SchemaObjectSnapshot[] = []
  const pending: ReadContext['pendingForeignKeys'] = []
  const byClass = new Map<TableClass, TableSnapshot>()
  const byKey = new Map<string, TableSnapshot>()
  /** Physical name → class name of the first table that has it (any app). */
  const physicalNames = new Map<string, string>()
  for (const app of registry.apps) {
    const ctx: ReadContext = {
      registry,
      app: app.name,
      enums: new Map(),
      hints,
      keysWithoutDefault,
      pendingForeignKeys: pending,
    }
    const appTables: TableSnapshot[] = []
    for (const cls of app.tables) {
      const table = readTable(cls, ctx)
      appTables.push(table)
      const physical = `${table.schema}.${table.tablename}`
      const clash = physicalNames.get(physical)
      if (clash)
        fail(
          'INVALID_TABLE',
          `Tables ${clash} and ${table.className} both map to ${physical}. Set a different static tablename on one.`,
          { app: app.name, table: table.className },
        )
      physicalNames.set(physical, table.className)
      tables.push(table)
      byClass.set(cls, table)
      if (!byKey.has(tableKey(table.app, table.className))) byKey.set(tableKey(table.app, table.className), table)
    }
    enums.push(...ctx.enums.values())
    for (const object of readAppObjects(app, app.tables, appTables)) {
      if (object.kind === 'view') {
        // A view is a relation too: it can't share a name with a table or another view.
        const physical = `${object.schema}.${object.viewname}`
        const clash = physicalNames.get(physical)
        if (clash)
          throw new AutoMigrationsError(
            'INVALID_VIEW',
            `${clash} and view ${object.className} both map to ${physical}. Set a different static tablename on one.`,
            { app: app.name, table: object.className },
          )
        physicalNames.set(physical, object.className)
      }
      objects.push(object)
    }
  }
  for (const { table, column, fk } of pending) {
    const where = { app: table.app, table: table.className, column: column.name }
    let targetClass: TableClass
    try {
      targetClass = fk.target()
    } catch (error) {
      throw new AutoMigrationsError(
        'UNKNOWN_FK_TARGET',
        `ForeignKey ${table.className}.${column.name}: its target function threw (${error instanceof Error ? error.message : String(error)}).`,
        where,
      )
    }
    const target = targetClass ? byClass.get(targetClass) : undefined
    const targetApp = targetClass ? registry.appOf(targetClass) : undefined
    if (!target || !targetApp) {
      fail(
        'UNKNOWN_FK_TARGET',
        `ForeignKey ${table.className}.${column.name} points at ${targetClass?.name ?? 'nothing'}, which no app registers. Add it to an app's tables.`,
        where,
      )
    }
    if (targetApp.name !== table.app && !dependsOn(registry, table.app, targetApp.name)) {
      fail(
        'FK_APP_NOT_DEPENDENCY',
        `ForeignKey ${table.className}.${column.name} in app "${table.app}" points at ${target.className} of app "${targetApp.name}", which is not among "${table.app}"'s dependencies. Add it to dependencies in defineApp.`,
        where,
      )
    }
    const targetColumn = fk.targetColumn ?? target.columns.find((c) => c.params.primaryKey)?.name
    if (!targetColumn || !target.columns.some((c) => c.name === targetColumn)) {
      fail(
        'UNKNOWN_COLUMN',
        `ForeignKey ${table.className}.${column.name} targets column "${fk.targetColumn ?? '(primary key)'}" of ${target.className}, which it does not have (a table with a composite key or static primaryKey = null has no single key to point at: name a unique column with targetColumn).`,
        where,
      )
    }
    if (onlyDeferrableKey(target, targetColumn)) {
      fail(
        'INVALID_COLUMN',
        `ForeignKey ${table.className}.${column.name} points at ${target.className}.${targetColumn}, whose unique constraint is deferrable: Postgres refuses a foreign key to a deferrable key. Remove deferrable there, or point at another column.`,
        where,
      )
    }
    // Keys in a fixed order (the differ writes params in its own order anyway).
    const { constraintName, deferrable, ...rest } = column.params
    column.params = {
      ...rest,
      references: { app: targetApp.name, table: target.className, column: targetColumn },
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
      ...(constraintName !== undefined ? { constraintName } : {}),
      ...(deferrable !== undefined ? { deferrable } : {}),
    }
  }
  // A foreign key takes its target's type; a target that is (through other keys) itself has none.
  for (const { table, column } of pending) {
    const seen = new Set<ColumnSnapshot>()
    for (let at: ColumnSnapshot | undefined = column; at?.columnClass === 'ForeignKey'; ) {
      if (seen.has(at)) {
        fail(
          'INVALID_COLUMN',
          `ForeignKey ${table.className}.${column.name} points (through foreign keys) at itself, so it has no type. Point it at a column that is not a foreign key to it.`,
          { app: table.app, table: table.className, column: column.name },
        )
      }
      seen.add(at)
      const ref: ForeignKeyTarget | undefined = at.params.references
      at = ref ? byKey.get(tableKey(ref.app, ref.table))?.columns.find((c) => c.name === ref.column) : undefined
    }
  }
  checkNameClashes(tables, enums)
  // Columns keep declaration order: generated files list them as the user wrote them.
  // Everything here was built by this call: sorted, not copied.
  return {
    snapshot: canonicalSnapshot({ tables, enums, objects }, { sortColumns: false, copy: false }),
    hints,
    keysWithoutDefault,
  }
}

/**
 * Whether the only keys on `column` are deferrable unique constraints: Postgres refuses a foreign
 * key that would rest on one (it needs a key checked at once).
 */
function onlyDeferrableKey(table: TableSnapshot, column: string): boolean {
  const c = table.columns.find((x) => x.name === column)!
  const ownDeferrable = c.columnClass !== 'ForeignKey' && c.params.deferrable !== undefined
  const single = table.constraints.filter(
    (k): k is Extract<ConstraintSnapshot, { kind: 'primaryKey' | 'unique' }> =>
      (k.kind === 'primaryKey' || k.kind === 'unique') && k.columns.length === 1 && k.columns[0] === column,
  )
  const immediate =
    c.params.primaryKey ||
    (c.params.unique && !ownDeferrable) ||
    single.some((k) => k.kind === 'primaryKey' || !('deferrable' in k && k.deferrable))
  const deferred =
    (c.params.unique && ownDeferrable) || single.some((k) => k.kind === 'unique' && k.deferrable !== undefined)
  return !immediate && deferred
}

/**
 * Histories written before primary keys stopped getting Piccolo's implicit default recorded one
 * (`integer DEFAULT 0 PRIMARY KEY`, `varchar DEFAULT ''`). A key column of `app` declared without
 * `default` takes the default its history recorded when that is the implicit one, so the fix is no
 * migration of its own (README, Decisions). Returns `model.snapshot` itself when nothing is taken.
 */
export function withRecordedKeyDefaults(model: ModelSnapshot, history: SnapshotData, app: string): SnapshotData {
  const keys = model.keysWithoutDefault
  if (!keys?.size) return model.snapshot
  const recorded = new Map(history.tables.filter((t) => t.app === app).map((t) => [t.className, t]))
  let changed = false
  const tables = model.snapshot.tables.map((table) => {
    const before = table.app === app ? recorded.get(table.className) : undefined
    if (!before) return table
    const pk = before.constraints.find((c) => c.kind === 'primaryKey')
    let columns: ColumnSnapshot[] | undefined
    table.columns.forEach((column, at) => {
      if (!keys.has(`${app}.${table.className}.${column.name}`) || column.params.default !== null) return
      const old = before.columns.find((c) => c.name === column.name)
      if (!old || old.columnClass !== column.columnClass) return
      if (!old.params.primaryKey && !(pk?.columns.includes(old.name) ?? false)) return
      const implicit = implicitDefault(column.columnClass)
      if (implicit === null || old.params.default !== implicit) return
      columns ??= [...table.columns]
      columns[at] = { ...column, params: { ...column.params, default: implicit } }
    })
    if (!columns) return table
    changed = true
    return { ...table, columns }
  })
  return changed ? { ...model.snapshot, tables } : model.snapshot
}

/**
 * Postgres refuses two objects of one name: constraints within a table; tables and indexes (which
 * also back primary keys and unique constraints) within a schema; table row types and enums within
 * a schema. Generated names are derived from tables and columns, so two declarations can derive the
 * same one (two checks on `price`, a partial index beside `index: true`): say which, and what to do.
 */
function checkNameClashes(tables: TableSnapshot[], enums: EnumSnapshot[]): void {
  const relations = new Map<string, string>()
  const types = new Map<string, string>()
  const claim = (
    space: Map<string, string>,
    scope: string,
    name: string,
    what: string,
    where: { app: string; table?: string },
  ) => {
    const key = `${scope}\u0000${name}`
    const other = space.get(key)
    if (other !== undefined) {
      fail(
        where.table ? 'INVALID_TABLE' : 'ENUM_CONFLICT',
        `${other} and ${what} would both be named "${name}" ${scope}, which Postgres refuses. ` +
          `Give one of them another name (the \`name\` option of unique(), index() and check(), or the table's or enum's name).`,
        where,
      )
    }
    space.set(key, what)
  }
  for (const table of tables) {
    const where = { app: table.app, table: table.className }
    const constraints = new Map<string, string>()
    const inSchema = `in schema ${table.schema}`
    const relation = (name: string, what: string) => claim(relations, inSchema, name, what, where)
    const constraint = (name: string, what: string) =>
      claim(constraints, `on table ${table.tablename}`, name, what, where)
    relation(table.tablename, `table ${table.className}`)
    claim(types, inSchema, table.tablename, `table ${table.className}`, where)
    for (const column of table.columns) {
      const p = column.params
      const what = `${table.className}.${column.name}`
      if (p.primaryKey) {
        relation(derivedName.primaryKey(table), `the primary key of ${table.className}`)
        constraint(derivedName.primaryKey(table), `the primary key of ${table.className}`)
      }
      if (p.unique && !p.primaryKey) {
        relation(derivedName.columnUnique(table, column), `the unique constraint of ${what}`)
        constraint(derivedName.columnUnique(table, column), `the unique constraint of ${what}`)
      }
      if (p.index) relation(derivedName.columnIndex(table, column), `the index of ${what}`)
      if (column.columnClass === 'ForeignKey')
        constraint(derivedName.foreignKey(table, column), `the foreign key ${what}`)
    }
    for (const c of table.constraints) {
      const name = derivedName.constraint(table, c)
      const what =
        c.kind === 'check'
          ? `check(${JSON.stringify(c.expression)}) on ${table.className}`
          : c.kind === 'exclude'
            ? `exclude(${c.elements.map((e) => e.column ?? e.expression).join(', ')}) on ${table.className}`
            : `${c.kind === 'unique' ? 'unique' : 'primary key'}(${c.columns.join(', ')}) on ${table.className}`
      if (c.kind !== 'check') relation(name, what)
      constraint(name, what)
    }
    for (const i of table.indexes) {
      const keys = i.keys.map((k) => k.column ?? k.expression).join(', ')
      relation(
        derivedName.index(table, i),
        `${i.unique ? 'unique' : 'index'}(${keys})${i.where ? ` where ${i.where}` : ''} on ${table.className}`,
      )
    }
  }
  for (const e of enums)
    claim(types, `in schema ${e.schema}`, e.name, `enum ${e.name} of app "${e.app}"`, { app: e.app })
}
