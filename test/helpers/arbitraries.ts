/**
 * fast-check arbitraries for random models: plain, printable specs (so a failure shrinks to a small,
 * readable case) turned into real table classes, read by the real model reader (`modelSnapshot`).
 *
 * Both models of a pair draw tables, columns and enums from the same small pools, so most tables and
 * columns exist on both sides with other params, types, names and constraints. A column's property
 * name fixes its family of types, and every type of a family converts to every other one with
 * Postgres casts (with USING where needed): the diff between two random models runs on a database.
 */
import fc from 'fast-check'
import {
  Array as ArrayColumn,
  BigInt as BigIntColumn,
  BigSerial,
  Boolean as BooleanColumn,
  Bytea,
  Char,
  Cidr,
  Date as DateColumn,
  DoublePrecision,
  Enum,
  ForeignKey,
  Inet,
  Integer,
  Interval,
  JSON as JSONColumn,
  JSONB,
  MacAddr,
  Numeric,
  Real,
  Serial,
  SmallInt,
  Table,
  Text,
  Time,
  Timestamp,
  Timestamptz,
  UUID,
  Varchar,
  check,
  index,
  sql,
  unique,
} from '../../src/index.js'
import type { Column, TableClass } from '../../src/model/columns.js'
import type { TableConstraint } from '../../src/model/constraints.js'
import type { ColumnClassName, IndexMethod, ReferentialAction } from '../../src/core/state/snapshot.js'
import { snakeCase } from '../../src/core/state/naming.js'
import type { ModelSnapshot } from '../../src/model/to-snapshot.js'
import { type AppDiff, type DiffOptions, diffApp } from '../../src/core/differ/diff.js'
import { emptyAnswers } from '../../src/core/differ/renames.js'
import type { SnapshotData } from '../../src/core/state/snapshot.js'
import { app, model } from './models.js'

export interface ColumnSpec {
  prop: string
  kind: ColumnClassName
  dbColumnName?: string
  null: boolean
  default: 'none' | 'literal' | 'sql'
  unique: boolean
  index: boolean
  indexMethod?: IndexMethod
  length?: number
  digits?: [number, number] | null
  base?: 'Text' | 'Integer' | 'Varchar'
  enumName?: string
  /** ForeignKey: the target's class name (falls back to Integer when it can't be a target). */
  target?: string
  onDelete?: ReferentialAction
  renamedFrom?: string
  /** Text types: a collation of their own. */
  collation?: 'C'
  comment?: string
}

export type ConstraintSpec =
  | { kind: 'unique'; columns: string[]; nullsDistinct: boolean }
  | { kind: 'check'; column: string }
  | {
      kind: 'index'
      keys: { column: string; desc: boolean }[]
      expression: string | null
      where: string | null
      unique: boolean
      method: 'btree' | 'hash'
    }

export interface TableSpec {
  className: string
  tablename?: string
  schema?: string
  columns: ColumnSpec[]
  primaryKey:
    | { kind: 'implicit' }
    | { kind: 'column'; prop: string }
    | { kind: 'composite'; props: [string, string] }
    | { kind: 'none' }
  constraints: ConstraintSpec[]
  renamedFrom?: string
  comment?: string
}

export interface ModelSpec {
  tables: TableSpec[]
  enums: Record<string, string[]>
}

/** Property name → the family of types it may take. */
const FAMILIES: Record<string, ColumnClassName[]> = {
  title: ['Varchar', 'Char', 'Text', 'Enum'],
  order: ['Varchar', 'Text', 'Enum'],
  amount: ['SmallInt', 'Integer', 'BigInt', 'Numeric', 'Real', 'DoublePrecision'],
  at: ['Date', 'Timestamp', 'Timestamptz'],
  data: ['JSON', 'JSONB'],
  ip: ['Inet', 'Cidr'],
  tags: ['Array'],
  code: ['Varchar', 'Text', 'Integer', 'BigInt', 'Serial', 'BigSerial'],
  owner: ['ForeignKey', 'Integer'],
  parent: ['ForeignKey'],
  uid: ['UUID'],
  flag: ['Boolean'],
  blob: ['Bytea'],
  span: ['Interval'],
  clock: ['Time'],
  mac: ['MacAddr'],
}
const PROPS = Object.keys(FAMILIES)
const CLASS_NAMES = ['Alpha', 'Beta', 'User', 'Item']
const ENUM_VALUES = ['a', 'b', 'c', "d'q"]
const ENUM_NAMES = ['mood', 'level']

/**
 * What one app's random models draw from. The default is app `blog` as the pair tests use it; the
 * runner's sequences (helpers/sequences.ts) use two apps with their own pools, foreign keys from one
 * to the other, and names that need quoting.
 */
export interface Pool {
  app: string
  classNames: readonly string[]
  enumNames: readonly string[]
  /** Class names of other apps' tables that foreign keys may point at too. */
  foreignTargets: readonly string[]
  /** Physical names a table may take besides snake_case of its class name. */
  tablenames: (className: string) => string[]
  /** Column names a column may take besides snake_case of its property. */
  dbColumnNames: (prop: string) => string[]
  /** The schema other than public that tables may move to. */
  schema: string
  /**
   * A column renamed (with a hint) keeps its type, so its new property must allow that type when
   * later versions change it again (sequences of versions); a pair of models doesn't need that.
   */
  renameWithinFamily?: boolean
  /** Properties drawn more often than the others (e.g. foreign keys). */
  preferredProps?: readonly string[]
  /** Rename tables and columns (with hints) about twice as often. */
  renameOften?: boolean
}

export const DEFAULT_POOL: Pool = {
  app: 'blog',
  classNames: CLASS_NAMES,
  enumNames: ENUM_NAMES,
  foreignTargets: [],
  tablenames: (className) => [`${snakeCase(className)}_tbl`],
  dbColumnNames: (prop) => [`${snakeCase(prop)}_col`],
  schema: 'extra',
}

const isSerial = (kind: ColumnClassName) => kind === 'Serial' || kind === 'BigSerial'
/** btree (unique, plain indexes, primary keys) has no operator class for json. */
const sortable = (c: ColumnSpec) => c.kind !== 'JSON'

function indexMethods(kind: ColumnClassName): IndexMethod[] {
  if (kind === 'JSON') return []
  if (kind === 'JSONB' || kind === 'Array') return ['btree', 'gin']
  if (['Integer', 'BigInt', 'SmallInt', 'Date', 'Timestamp', 'Timestamptz'].includes(kind))
    return ['btree', 'hash', 'brin']
  return ['btree', 'hash']
}

const columnArb = (prop: string, pool: Pool = DEFAULT_POOL): fc.Arbitrary<ColumnSpec> =>
  fc
    .record({
      kind: fc.constantFrom(...FAMILIES[prop]!),
      renamed: fc.oneof(fc.constant(undefined), fc.constantFrom(...pool.dbColumnNames(prop))),
      null: fc.boolean(),
      default: fc.constantFrom<ColumnSpec['default']>('none', 'literal', 'sql'),
      unique: fc.boolean(),
      index: fc.boolean(),
      method: fc.nat(2),
      length: fc.constantFrom(10, 50, 255),
      digits: fc.constantFrom<[number, number] | null>([10, 2], [12, 4], null),
      base: fc.constantFrom<'Text' | 'Integer' | 'Varchar'>('Text', 'Integer', 'Varchar'),
      enumName: fc.constantFrom(...pool.enumNames),
      target: fc.constantFrom(...pool.classNames, ...pool.foreignTargets),
      onDelete: fc.constantFrom<ReferentialAction>('cascade', 'set null', 'restrict', 'no action'),
      collation: fc.constantFrom<'C' | undefined>(undefined, undefined, 'C'),
      comment: fc.constantFrom(undefined, undefined, undefined, 'a note', "it's"),
    })
    .map((r): ColumnSpec => {
      const spec: ColumnSpec = {
        prop,
        kind: r.kind,
        null: r.null,
        default: r.default,
        unique: r.unique,
        index: r.index,
      }
      if (r.renamed !== undefined) spec.dbColumnName = r.renamed
      if (r.comment !== undefined) spec.comment = r.comment
      if (r.collation && (r.kind === 'Varchar' || r.kind === 'Char' || r.kind === 'Text')) spec.collation = r.collation
      if (r.kind === 'Varchar') spec.length = r.length
      if (r.kind === 'Char') spec.length = r.length === 255 ? 1 : r.length
      if (r.kind === 'Numeric') spec.digits = r.digits
      if (r.kind === 'Array') spec.base = r.base
      if (r.kind === 'Enum') spec.enumName = r.enumName
      if (r.kind === 'ForeignKey') {
        spec.target = r.target
        spec.onDelete = r.onDelete
        spec.default = 'none'
      }
      if (isSerial(r.kind)) {
        // `serial` is always NOT NULL with its own default.
        spec.null = false
        spec.default = 'none'
      }
      const methods = indexMethods(r.kind)
      if (!methods.length) {
        spec.unique = false
        spec.index = false
      } else if (spec.index && r.method > 0) {
        const method = methods[r.method % methods.length]!
        if (method !== 'btree') spec.indexMethod = method
      }
      return spec
    })

const constraintArb = (columns: ColumnSpec[]): fc.Arbitrary<ConstraintSpec[]> => {
  const keyable = columns.filter(sortable).map((c) => c.prop)
  const all = columns.map((c) => c.prop)
  if (!all.length) return fc.constant([])
  const pair =
    keyable.length >= 2
      ? fc.uniqueArray(fc.constantFrom(...keyable), { minLength: 2, maxLength: 2 })
      : fc.constant(null)
  const one = fc.constantFrom(...all)
  const constraint: fc.Arbitrary<ConstraintSpec | null> = fc.oneof(
    pair.chain((cols) =>
      cols
        ? fc.boolean().map((nd): ConstraintSpec => ({ kind: 'unique', columns: cols, nullsDistinct: nd }))
        : fc.constant(null),
    ),
    one.map((column): ConstraintSpec => ({ kind: 'check', column })),
    fc
      .record({
        cols: pair,
        desc: fc.boolean(),
        expression: fc.option(one, { nil: null }),
        where: fc.option(one, { nil: null }),
        unique: fc.boolean(),
        hash: fc.boolean(),
      })
      .map((r): ConstraintSpec | null => {
        if (!r.cols) return null
        const hash = r.hash && !r.unique && !r.expression
        const keys = r.cols.map((column, i) => ({ column, desc: r.desc && i === 0 && !hash }))
        // hash takes one key; the second becomes the predicate.
        return {
          kind: 'index',
          keys: hash ? keys.slice(0, 1) : keys,
          expression: r.expression,
          where: r.where,
          unique: r.unique,
          method: hash ? 'hash' : 'btree',
        }
      }),
  )
  return fc.array(constraint, { maxLength: 3 }).map((list) => list.filter((c): c is ConstraintSpec => c !== null))
}

const tableArb = (className: string, pool: Pool = DEFAULT_POOL): fc.Arbitrary<TableSpec> =>
  fc
    .record({
      props: fc.uniqueArray(fc.constantFrom(...PROPS, ...(pool.preferredProps ?? [])), { minLength: 1, maxLength: 5 }),
      tablename: fc.oneof(fc.constant(undefined), fc.constantFrom(...pool.tablenames(className))),
      schema: fc.nat(5),
      pk: fc.nat(4),
      renamedFrom: fc.option(fc.constantFrom(...pool.classNames), { nil: undefined, freq: 5 }),
      comment: fc.constantFrom(undefined, undefined, 'a table'),
    })
    .chain((r) =>
      fc.tuple(...r.props.map((prop) => columnArb(prop, pool))).chain((columns) =>
        constraintArb(columns).map((constraints): TableSpec => {
          const spec: TableSpec = { className, columns, constraints, primaryKey: { kind: 'implicit' } }
          if (r.tablename !== undefined) spec.tablename = r.tablename
          if (r.schema === 0) spec.schema = pool.schema
          const candidates = columns.filter((c) => sortable(c) && c.kind !== 'Array')
          // A single key is what foreign keys take the type of: keep it in types that convert to integer.
          const keys = candidates.filter((c) => ['code', 'title', 'order', 'amount'].includes(c.prop))
          if (r.pk === 1 && keys.length) spec.primaryKey = { kind: 'column', prop: keys[0]!.prop }
          if (r.pk === 2 && candidates.length >= 2)
            spec.primaryKey = { kind: 'composite', props: [candidates[0]!.prop, candidates[1]!.prop] }
          if (r.pk === 3) spec.primaryKey = { kind: 'none' }
          if (r.renamedFrom !== undefined && r.renamedFrom !== className) spec.renamedFrom = r.renamedFrom
          if (r.comment !== undefined) spec.comment = r.comment
          return spec
        }),
      ),
    )

/** A random model of one app (default: `blog`): up to four tables, enums shared by their columns. */
export function modelSpecArbOf(pool: Pool): fc.Arbitrary<ModelSpec> {
  return fc
    .record({
      names: fc.uniqueArray(fc.constantFrom(...pool.classNames), { maxLength: 4 }),
      enums: fc.record(
        Object.fromEntries(
          pool.enumNames.map((n) => [
            n,
            fc.uniqueArray(fc.constantFrom(...ENUM_VALUES), { minLength: 1, maxLength: 4 }),
          ]),
        ),
      ),
    })
    .chain((r) =>
      fc
        .tuple(...r.names.map((name) => tableArb(name, pool)))
        .map((tables): ModelSpec => ({ tables, enums: r.enums as Record<string, string[]> })),
    )
}

export const modelSpecArb: fc.Arbitrary<ModelSpec> = modelSpecArbOf(DEFAULT_POOL)

/** B from A: most tables and columns kept, some with new params or types, renamed (with a hint), dropped or added. */
export function mutateArb(a: ModelSpec, pool: Pool = DEFAULT_POOL): fc.Arbitrary<ModelSpec> {
  const tableArbs = a.tables.map((t) => {
    const columnArbs = t.columns.map((c) =>
      fc.nat(11).chain((pick): fc.Arbitrary<ColumnSpec | null> => {
        if (pick === 0) return fc.constant(null)
        if (pick <= 5) return fc.constant({ ...c, renamedFrom: undefined })
        if (pick === 6 || (pool.renameOften && pick === 7)) {
          // Renamed to an unused property, with the hint a user writes: the column keeps its type.
          const free = PROPS.filter(
            (p) => !t.columns.some((x) => x.prop === p) && (!pool.renameWithinFamily || FAMILIES[p]!.includes(c.kind)),
          )
          return free.length
            ? fc.constantFrom(...free).map((prop) => ({ ...c, prop, dbColumnName: undefined, renamedFrom: c.prop }))
            : fc.constant({ ...c, renamedFrom: undefined })
        }
        return columnArb(c.prop, pool).map((x) => ({ ...x, renamedFrom: undefined }))
      }),
    )
    const unused = PROPS.filter((p) => !t.columns.some((x) => x.prop === p))
    return fc
      .record({
        keep: fc.nat(7),
        columns: fc.tuple(...columnArbs),
        added: unused.length
          ? fc
              .uniqueArray(fc.constantFrom(...unused), { maxLength: 1 })
              .chain((props) => fc.tuple(...props.map((prop) => columnArb(prop, pool))))
          : fc.constant<ColumnSpec[]>([]),
        constraints: fc.boolean(),
        pk: fc.boolean(),
        tablename: fc.option(fc.constantFrom(...pool.tablenames(t.className)), { nil: undefined, freq: 2 }),
        schema: fc.nat(5),
        rename: fc.constantFrom(...pool.classNames),
      })
      .chain((r): fc.Arbitrary<TableSpec | null> => {
        if (r.keep === 0) return fc.constant(null)
        const props = new Set<string>()
        const columns = [...r.columns, ...r.added.map((c) => ({ ...c, renamedFrom: undefined }))].filter(
          (c): c is ColumnSpec => {
            if (!c || props.has(c.prop)) return false
            props.add(c.prop)
            return true
          },
        )
        if (!columns.length) return fc.constant(null)
        const kept = (prop: string) => columns.some((c) => c.prop === prop)
        // Keys (primary, unique, index) need a btree-sortable type after the change.
        const keyable = (prop: string) => columns.some((c) => c.prop === prop && sortable(c) && c.kind !== 'Array')
        const base: TableSpec = { ...t, columns, renamedFrom: undefined }
        // A new physical name: the chosen one, or back to the default when it is the current one.
        if (r.tablename !== undefined) base.tablename = t.tablename === r.tablename ? undefined : r.tablename
        if (r.schema === 0) base.schema = t.schema ? undefined : pool.schema
        if ((r.keep === 1 || (pool.renameOften && r.keep === 2)) && !a.tables.some((x) => x.className === r.rename)) {
          base.className = r.rename
          base.renamedFrom = t.className
        }
        const pkKept =
          t.primaryKey.kind === 'implicit' ||
          t.primaryKey.kind === 'none' ||
          (t.primaryKey.kind === 'column' ? keyable(t.primaryKey.prop) : t.primaryKey.props.every(keyable))
        if (!r.pk && pkKept) base.primaryKey = t.primaryKey
        else base.primaryKey = { kind: 'implicit' }
        const constraintsKept = t.constraints.filter((c) =>
          c.kind === 'check'
            ? kept(c.column)
            : c.kind === 'unique'
              ? c.columns.every(keyable)
              : c.keys.every((k) => keyable(k.column)) &&
                (!c.expression || kept(c.expression)) &&
                (!c.where || kept(c.where)),
        )
        return r.constraints
          ? fc.constant({ ...base, constraints: constraintsKept })
          : constraintArb(columns).map((constraints) => ({ ...base, constraints }))
      })
  })
  const unusedTables = pool.classNames.filter((n) => !a.tables.some((t) => t.className === n))
  return fc
    .record({
      tables: fc.tuple(...tableArbs),
      added: unusedTables.length
        ? fc
            .uniqueArray(fc.constantFrom(...unusedTables), { maxLength: 1 })
            .chain((names) => fc.tuple(...names.map((name) => tableArb(name, pool))))
        : fc.constant<TableSpec[]>([]),
      enums: fc.oneof(
        fc.constant(a.enums),
        modelSpecArbOf(pool).map((m) => m.enums),
      ),
    })
    .map(({ tables, added, enums }) => {
      const names = new Set<string>()
      const all = [...tables, ...added.map((t) => ({ ...t, renamedFrom: undefined }))].filter((t): t is TableSpec => {
        if (!t || names.has(t.className)) return false
        names.add(t.className)
        return true
      })
      return { tables: all, enums }
    })
}

/** A pair of models: mostly B derived from A (so tables and columns change), sometimes unrelated. */
export const modelPairArb: fc.Arbitrary<[ModelSpec, ModelSpec]> = modelSpecArb.chain((a) =>
  fc
    .oneof({ weight: 3, arbitrary: mutateArb(a) }, { weight: 1, arbitrary: modelSpecArb })
    .map((b): [ModelSpec, ModelSpec] => [a, b]),
)

function literal(spec: ColumnSpec, enums: Record<string, string[]>): unknown {
  switch (spec.kind) {
    case 'Varchar':
    case 'Char':
    case 'Text':
      return 'x'
    case 'Enum':
      return enums[spec.enumName!]![0]
    case 'SmallInt':
    case 'Integer':
    case 'BigInt':
      return 7
    case 'Real':
    case 'DoublePrecision':
    case 'Numeric':
      return 1.5
    case 'Boolean':
      return true
    case 'UUID':
      return '00000000-0000-0000-0000-000000000001'
    case 'Date':
      return '2020-01-02'
    case 'Timestamp':
    case 'Timestamptz':
      return '2020-01-02 03:04:05'
    case 'Time':
      return '03:04:05'
    case 'Interval':
      return '1 day'
    case 'JSON':
    case 'JSONB':
      return { a: [1, "it's"] }
    case 'Inet':
      return '10.0.0.1'
    case 'Cidr':
      return '10.0.0.0/8'
    case 'MacAddr':
      return '08:00:2b:01:02:03'
    case 'Bytea':
      return 'abc'
    case 'Array':
      return spec.base === 'Integer' ? [1, 2] : ['a', "b'c"]
    default:
      return undefined
  }
}

function sqlDefault(spec: ColumnSpec): unknown {
  switch (spec.kind) {
    case 'Timestamp':
    case 'Timestamptz':
      return sql`now()`
    case 'Date':
      return sql`CURRENT_DATE`
    case 'SmallInt':
    case 'Integer':
    case 'BigInt':
    case 'Numeric':
      return sql`(1 + 1)`
    case 'Varchar':
    case 'Text':
      return sql`('a' || 'b')`
    case 'UUID':
      return sql`gen_random_uuid()`
    default:
      return undefined
  }
}

function makeColumn(
  spec: ColumnSpec,
  model: ModelSpec,
  classes: Map<string, TableClass>,
  primaryKey: boolean,
): Column<unknown, boolean> {
  const o: Record<string, unknown> = { null: spec.null, unique: spec.unique, index: spec.index }
  if (spec.indexMethod) o.indexMethod = spec.indexMethod
  if (spec.dbColumnName) o.dbColumnName = spec.dbColumnName
  if (spec.renamedFrom) o.renamedFrom = spec.renamedFrom
  if (spec.comment !== undefined) o.comment = spec.comment
  if (spec.collation && (spec.kind === 'Varchar' || spec.kind === 'Char' || spec.kind === 'Text'))
    o.collation = spec.collation
  if (primaryKey) {
    o.primaryKey = true
    o.null = false
    o.unique = false
  }
  const value =
    spec.default === 'literal' ? literal(spec, model.enums) : spec.default === 'sql' ? sqlDefault(spec) : undefined
  if (value !== undefined) o.default = value
  switch (spec.kind) {
    case 'Varchar':
      return new Varchar({ ...o, length: spec.length })
    case 'Char':
      return new Char({ ...o, length: spec.length })
    case 'Text':
      return new Text(o)
    case 'SmallInt':
      return new SmallInt(o)
    case 'Integer':
      return new Integer(o)
    case 'BigInt':
      return new BigIntColumn(o)
    case 'Serial':
      return new Serial(o)
    case 'BigSerial':
      return new BigSerial(o)
    case 'Boolean':
      return new BooleanColumn(o)
    case 'Real':
      return new Real(o)
    case 'DoublePrecision':
      return new DoublePrecision(o)
    case 'Numeric':
      return new Numeric({ ...o, digits: spec.digits })
    case 'UUID':
      return new UUID(o)
    case 'Date':
      return new DateColumn(o)
    case 'Time':
      return new Time(o)
    case 'Timestamp':
      return new Timestamp(o)
    case 'Timestamptz':
      return new Timestamptz(o)
    case 'Interval':
      return new Interval(o)
    case 'JSON':
      return new JSONColumn(o)
    case 'JSONB':
      return new JSONB(o)
    case 'Bytea':
      return new Bytea(o)
    case 'Inet':
      return new Inet(o)
    case 'Cidr':
      return new Cidr(o)
    case 'MacAddr':
      return new MacAddr(o)
    case 'Array': {
      const base =
        spec.base === 'Integer' ? new Integer() : spec.base === 'Varchar' ? new Varchar({ length: 20 }) : new Text()
      return new ArrayColumn(base, o)
    }
    case 'Enum':
      return new Enum(spec.enumName!, model.enums[spec.enumName!]!, o)
    case 'ForeignKey': {
      const target = spec.target!
      return new ForeignKey(() => classes.get(target)!, { ...o, onDelete: spec.onDelete })
    }
    default:
      throw new Error(`no column class ${spec.kind}`)
  }
}

/** Whether a table can be a foreign key target (a single-column primary key). */
const targetable = (t: TableSpec) => t.primaryKey.kind !== 'composite' && t.primaryKey.kind !== 'none'

/** An app's model spec, for models of several apps (see `buildApps`). */
export interface AppModelSpec {
  name: string
  spec: ModelSpec
  dependencies?: string[]
}

/** A name as a SQL identifier (what a user writes into a check or an expression). */
const sqlIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The spec's tables as classes; foreign keys to tables that can't be targets become Integer columns. */
function tableClasses(spec: ModelSpec, classes: Map<string, TableClass>, targets: Set<string>): TableClass[] {
  const own: TableClass[] = []
  for (const t of spec.tables) {
    const columns = t.columns.map((c) =>
      c.kind === 'ForeignKey' && !targets.has(c.target!) ? { ...c, kind: 'Integer' as const, target: undefined } : c,
    )
    const pkColumn = t.primaryKey.kind === 'column' ? t.primaryKey.prop : undefined
    const make = () =>
      Object.fromEntries(columns.map((c) => [c.prop, makeColumn(c, spec, classes, c.prop === pkColumn)]))
    const cls = class extends Table {
      constructor() {
        super()
        Object.assign(this, make())
      }
    }
    Object.defineProperty(cls, 'name', { value: t.className })
    const statics = cls as unknown as Record<string, unknown>
    if (t.tablename) statics.tablename = t.tablename
    if (t.schema) statics.schema = t.schema
    if (t.renamedFrom) statics.renamedFrom = t.renamedFrom
    if (t.primaryKey.kind === 'composite') statics.primaryKey = [...t.primaryKey.props]
    if (t.primaryKey.kind === 'none') statics.primaryKey = null
    if (t.comment !== undefined) statics.comment = t.comment
    const db = (prop: string) => {
      const c = columns.find((x) => x.prop === prop)!
      return sqlIdent(c.dbColumnName ?? snakeCase(prop))
    }
    statics.constraints = t.constraints.map((c): TableConstraint => {
      if (c.kind === 'unique') return unique(...c.columns, { nullsDistinct: c.nullsDistinct })
      if (c.kind === 'check') return check(`${db(c.column)} IS NOT NULL`)
      const keys = c.keys.map((k) => (k.desc ? { column: k.column, order: 'desc' as const } : k.column))
      const expressionKeys = c.expression ? [sql`(${db(c.expression)} IS NULL)`] : []
      const options = { method: c.method, ...(c.where ? { where: sql`${db(c.where)} IS NOT NULL` } : {}) }
      return c.unique ? unique(...keys, ...expressionKeys, options) : index(...keys, ...expressionKeys, options)
    })
    classes.set(t.className, cls)
    own.push(cls)
  }
  return own
}

/**
 * Several apps' specs as the model a user would write (class names are distinct across apps; a
 * foreign key may point at another app's table). Returns the model snapshot and its rename hints.
 */
export function buildApps(apps: readonly AppModelSpec[]): ModelSnapshot {
  const classes = new Map<string, TableClass>()
  const targets = new Set(apps.flatMap((a) => a.spec.tables.filter(targetable).map((t) => t.className)))
  return model(...apps.map((a) => app(a.name, tableClasses(a.spec, classes, targets), a.dependencies ?? [])))
}

/** The spec as app `blog`'s model; foreign keys to tables that can't be targets become Integer columns. */
export function buildModel(spec: ModelSpec): ModelSnapshot {
  return buildApps([{ name: 'blog', spec }])
}

/** Builds the specs, or undefined when the model reader refuses them (e.g. two objects of one name). */
export function tryBuildApps(apps: readonly AppModelSpec[]): ModelSnapshot | undefined {
  try {
    return buildApps(apps)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'INVALID_TABLE' || code === 'INVALID_COLUMN' || code === 'ENUM_CONFLICT') return undefined
    throw error
  }
}

/** Builds the spec, or undefined when the model reader refuses it (e.g. two objects of one name). */
export function tryBuildModel(spec: ModelSpec): ModelSnapshot | undefined {
  return tryBuildApps([{ name: 'blog', spec }])
}

/** Diffs, declining every rename question the differ asks (hints in the model are still taken). */
export function diffDecliningRenames(from: SnapshotData, to: ModelSnapshot, options: DiffOptions = {}): AppDiff {
  const answers = emptyAnswers()
  for (;;) {
    const diff = diffApp(from, to.snapshot, 'blog', { hints: to.hints, answers, ...options })
    if (!diff.questions.length) return diff
    for (const q of diff.questions) answers.declined.add(q.key)
  }
}
