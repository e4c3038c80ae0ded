/**
 * The differ: compares the snapshot that an app's migrations describe with the snapshot of its table
 * classes, and returns the operations that turn one into the other, in an order Postgres accepts.
 * Pure: no I/O, no prompts (rename questions are returned, see renames.ts).
 */
import {
  AddColumn,
  AddConstraint,
  AddEnum,
  AddIndex,
  AddTable,
  AlterColumn,
  AlterEnum,
  ChangeTableSchema,
  type ColumnChange,
  DropColumn,
  DropConstraint,
  DropEnum,
  DropIndex,
  DropTable,
  type Operation,
  RenameColumn,
  RenameTable,
} from '../migration/operations/index.js'
import type { ColumnDefinitionParams } from '../migration/operations/columns.js'
import { type ColumnSnapshot, type SnapshotData, type TableSnapshot, stableStringify } from '../migration/snapshot.js'
import type { RenameHints } from '../schema/to-snapshot.js'
import { type RenameAnswers, type RenameQuestion, columnQuestion, columnRenameKey, emptyAnswers, pairRenames, tableQuestion, tableRenameKey } from './renames.js'

export interface DiffOptions {
  /** Rename hints from the model (`renamedFrom`) and the CLI (`--rename`): taken without asking. */
  hints?: RenameHints
  /** Answers to earlier questions. */
  answers?: RenameAnswers
  /** Write destructive operations instead of holding them back. */
  allowDestructive?: boolean
}

export interface AppDiff {
  app: string
  /** What to write, in order. */
  operations: Operation[]
  /** Possible renames nobody has answered: nothing is written for either side. */
  questions: RenameQuestion[]
  /** Destructive operations held back (not in `operations`) because they were not allowed. */
  held: Operation[]
}

const same = (a: unknown, b: unknown) => stableStringify(a) === stableStringify(b)
const PARAM_ORDER = ['length', 'digits', 'enum', 'base', 'references', 'onDelete', 'onUpdate', 'default', 'null', 'primaryKey', 'unique', 'index', 'indexMethod'] as const

/** Column params in a fixed key order, so files are stable and readable. */
export function orderedParams<T extends object>(params: T): T {
  const source = params as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of PARAM_ORDER) if (source[key] !== undefined) out[key] = source[key]
  for (const [key, value] of Object.entries(source)) if (!(key in out) && value !== undefined) out[key] = value
  return out as T
}

function columnParams(table: TableSnapshot, column: ColumnSnapshot): ColumnDefinitionParams {
  return {
    tableClassName: table.className,
    tablename: table.tablename,
    columnName: column.name,
    dbColumnName: column.dbColumnName,
    columnClass: column.columnClass,
    params: orderedParams(structuredClone(column.params)),
  }
}

function columnChange(from: ColumnSnapshot, to: ColumnSnapshot): { params: ColumnChange; oldParams: ColumnChange } | null {
  const params: Record<string, unknown> = {}
  const oldParams: Record<string, unknown> = {}
  if (from.columnClass !== to.columnClass) {
    params.columnClass = to.columnClass
    oldParams.columnClass = from.columnClass
  }
  const a = from.params as unknown as Record<string, unknown>
  const b = to.params as unknown as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const key of PARAM_ORDER.filter((k) => keys.has(k)).concat([...keys].filter((k) => !(PARAM_ORDER as readonly string[]).includes(k)) as never[])) {
    if (same(a[key], b[key])) continue
    // null in a change removes a type-specific key (see AlterColumn).
    params[key] = structuredClone(b[key] ?? null)
    oldParams[key] = structuredClone(a[key] ?? null)
  }
  return Object.keys(params).length ? { params: params as ColumnChange, oldParams: oldParams as ColumnChange } : null
}

function key(table: TableSnapshot): string {
  return table.className
}

/** Tables that `table` references through foreign keys, within `pool`. */
function referencedClassNames(table: TableSnapshot, app: string): string[] {
  return table.columns.flatMap((c) => (c.params.references && c.params.references.app === app ? [c.params.references.table] : []))
}

/** Orders tables so that referenced tables come first (cycles keep declaration order). */
function referencedFirst(tables: TableSnapshot[], app: string): TableSnapshot[] {
  const byName = new Map(tables.map((t) => [t.className, t]))
  const out: TableSnapshot[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (t: TableSnapshot) => {
    if (state.get(t.className)) return
    state.set(t.className, 'visiting')
    for (const ref of referencedClassNames(t, app)) {
      const target = byName.get(ref)
      if (target && ref !== t.className) visit(target)
    }
    state.set(t.className, 'done')
    out.push(t)
  }
  tables.forEach(visit)
  return out
}

/**
 * Diffs one app. `from` is the replayed snapshot, `to` the model's; both may hold every app (foreign
 * keys are resolved across apps) but only `app`'s tables and enums are compared.
 */
export function diffApp(from: SnapshotData, to: SnapshotData, app: string, options: DiffOptions = {}): AppDiff {
  const hints = options.hints ?? { tables: new Map(), columns: new Map() }
  const answers = options.answers ?? emptyAnswers()
  const questions: RenameQuestion[] = []
  const phase = {
    enumsAdded: [] as Operation[],
    renames: [] as Operation[],
    dropsFirst: [] as Operation[],
    tablesAdded: [] as Operation[],
    columns: [] as Operation[],
    fkColumns: [] as Operation[],
    constraintsAdded: [] as Operation[],
    columnsDropped: [] as Operation[],
    tablesDropped: [] as Operation[],
    enumsDropped: [] as Operation[],
  }

  // Enums: added and altered before tables use them, dropped after columns stop using them.
  const fromEnums = new Map(from.enums.filter((e) => e.app === app).map((e) => [e.name, e]))
  const toEnums = new Map(to.enums.filter((e) => e.app === app).map((e) => [e.name, e]))
  for (const [name, e] of toEnums) {
    const was = fromEnums.get(name)
    const schema = e.schema === 'public' ? undefined : e.schema
    if (!was) phase.enumsAdded.push(new AddEnum(app, { name, schema, values: [...e.values] }))
    else if (!same(was.values, e.values)) phase.enumsAdded.push(new AlterEnum(app, { name, schema, values: [...e.values], oldValues: [...was.values] }))
  }
  for (const [name, e] of fromEnums) {
    if (!toEnums.has(name)) phase.enumsDropped.push(new DropEnum(app, { name, schema: e.schema === 'public' ? undefined : e.schema, values: [...e.values] }))
  }

  // Tables: match by class name, then pair the rest as renames.
  const fromTables = new Map(from.tables.filter((t) => t.app === app).map((t) => [key(t), t]))
  const toTables = new Map(to.tables.filter((t) => t.app === app).map((t) => [key(t), t]))
  const removedTables = [...fromTables.values()].filter((t) => !toTables.has(key(t)))
  const addedTables = [...toTables.values()].filter((t) => !fromTables.has(key(t)))
  const tablePairs = pairRenames(
    removedTables,
    addedTables,
    () => true,
    (a, b) => {
      const k = tableRenameKey(app, a.className, b.className)
      if (hints.tables.get(`${app}.${b.className}`) === a.className || answers.accepted.has(k)) return 'rename'
      if (answers.declined.has(k) || hints.tables.has(`${app}.${b.className}`)) return 'no'
      return 'ask'
    },
  )
  for (const [a, b] of tablePairs.asked) questions.push(tableQuestion(app, a.className, b.className))

  const matched: [TableSnapshot, TableSnapshot][] = []
  for (const t of toTables.values()) {
    const was = fromTables.get(key(t))
    if (was) matched.push([was, t])
  }
  for (const [a, b] of tablePairs.renames) {
    phase.renames.push(new RenameTable(app, { oldClassName: a.className, newClassName: b.className, oldTablename: a.tablename, newTablename: b.tablename, schema: a.schema === 'public' ? undefined : a.schema }))
    matched.push([{ ...a, className: b.className, tablename: b.tablename }, b])
  }

  // Column renames of every table first: foreign keys elsewhere in the app follow them.
  const columnPairs = matched.map(([a, b]) => pairColumns(a, b, app, hints, answers, questions))
  const renamedTables = new Map(tablePairs.renames.map(([a, b]) => [a.className, b.className]))
  const renamedColumns = new Map<string, string>()
  matched.forEach(([, b], at) => {
    for (const [x, y] of columnPairs[at]!.renames) renamedColumns.set(`${b.className}.${x.name}`, y.name)
  })
  const follow = (column: ColumnSnapshot): ColumnSnapshot => {
    const ref = column.params.references
    if (!ref || ref.app !== app) return column
    const table = renamedTables.get(ref.table) ?? ref.table
    const target = renamedColumns.get(`${table}.${ref.column}`) ?? ref.column
    return { ...column, params: { ...column.params, references: { ...ref, table, column: target } } }
  }

  matched.forEach(([a, b], at) => {
    if (a.tablename !== b.tablename) {
      phase.renames.push(new RenameTable(app, { oldClassName: b.className, newClassName: b.className, oldTablename: a.tablename, newTablename: b.tablename, schema: a.schema === 'public' ? undefined : a.schema }))
    }
    if (a.schema !== b.schema) {
      phase.renames.push(new ChangeTableSchema(app, { className: b.className, tablename: b.tablename, oldSchema: a.schema, newSchema: b.schema }))
    }
    diffTable(a, b, app, columnPairs[at]!, follow, phase)
  })

  // New tables: empty tables first, then their columns (foreign keys last, so targets exist).
  const newTables = referencedFirst(tablePairs.added, app)
  for (const t of newTables) {
    phase.tablesAdded.push(new AddTable(app, { className: t.className, tablename: t.tablename, schema: t.schema === 'public' ? undefined : t.schema }))
  }
  for (const t of newTables) {
    for (const c of t.columns) (c.columnClass === 'ForeignKey' ? phase.fkColumns : phase.columns).push(new AddColumn(app, columnParams(t, c)))
    for (const c of t.constraints) phase.constraintsAdded.push(new AddConstraint(app, { tableClassName: t.className, tablename: t.tablename, constraint: structuredClone(c) }))
    for (const i of t.indexes) phase.constraintsAdded.push(new AddIndex(app, { tableClassName: t.className, tablename: t.tablename, index: structuredClone(i) }))
  }
  // Dropped tables: those that reference others go first.
  for (const t of referencedFirst(tablePairs.removed, app).reverse()) {
    phase.tablesDropped.push(
      new DropTable(app, {
        className: t.className,
        tablename: t.tablename,
        schema: t.schema === 'public' ? undefined : t.schema,
        columns: t.columns.map((c) => ({ ...structuredClone(c), params: orderedParams(structuredClone(c.params)) })),
        constraints: structuredClone(t.constraints),
        indexes: structuredClone(t.indexes),
      }),
    )
  }

  const all = [
    ...phase.enumsAdded,
    ...phase.renames,
    ...phase.dropsFirst,
    ...phase.tablesAdded,
    ...phase.columns,
    ...phase.fkColumns,
    ...phase.constraintsAdded,
    ...phase.columnsDropped,
    ...phase.tablesDropped,
    ...phase.enumsDropped,
  ]
  const operations = options.allowDestructive ? all : all.filter((o) => !o.destructive)
  const held = options.allowDestructive ? [] : all.filter((o) => o.destructive)
  return { app, operations, questions, held }
}

type ColumnPairs = ReturnType<typeof pairRenames<ColumnSnapshot>>

function pairColumns(a: TableSnapshot, b: TableSnapshot, app: string, hints: RenameHints, answers: RenameAnswers, questions: RenameQuestion[]): ColumnPairs {
  const fromNames = new Set(a.columns.map((c) => c.name))
  const toNames = new Set(b.columns.map((c) => c.name))
  const removed = a.columns.filter((c) => !toNames.has(c.name))
  const added = b.columns.filter((c) => !fromNames.has(c.name))
  const hint = (c: ColumnSnapshot) => hints.columns.get(`${app}.${b.className}.${c.name}`)
  const pairs = pairRenames(
    removed,
    added,
    // A rename keeps the column's class, unless a hint or an answer says otherwise.
    (x, y) => x.columnClass === y.columnClass || hint(y) === x.name || answers.accepted.has(columnRenameKey(app, b.className, x.name, y.name)),
    (x, y) => {
      const k = columnRenameKey(app, b.className, x.name, y.name)
      if (hint(y) === x.name || answers.accepted.has(k)) return 'rename'
      if (answers.declined.has(k) || hint(y) !== undefined) return 'no'
      return 'ask'
    },
  )
  for (const [x, y] of pairs.asked) questions.push(columnQuestion(app, b.className, x.name, y.name))
  return pairs
}

function diffTable(
  a: TableSnapshot,
  b: TableSnapshot,
  app: string,
  pairs: ColumnPairs,
  followRef: (column: ColumnSnapshot) => ColumnSnapshot,
  phase: Record<'renames' | 'dropsFirst' | 'columns' | 'fkColumns' | 'constraintsAdded' | 'columnsDropped', Operation[]>,
): void {
  const ref = { tableClassName: b.className, tablename: b.tablename }
  const fromCols = new Map(a.columns.map((c) => [c.name, c]))
  const matchedCols: [ColumnSnapshot, ColumnSnapshot][] = []
  for (const c of b.columns) {
    const was = fromCols.get(c.name)
    if (was) matchedCols.push([was, c])
  }
  for (const [x, y] of pairs.renames) {
    phase.renames.push(new RenameColumn(app, { ...ref, oldColumnName: x.name, newColumnName: y.name, oldDbColumnName: x.dbColumnName, newDbColumnName: y.dbColumnName }))
    matchedCols.push([{ ...x, name: y.name, dbColumnName: y.dbColumnName }, y])
  }
  for (const [x, y] of matchedCols) {
    if (x.dbColumnName !== y.dbColumnName) {
      phase.renames.push(new RenameColumn(app, { ...ref, oldColumnName: y.name, newColumnName: y.name, oldDbColumnName: x.dbColumnName, newDbColumnName: y.dbColumnName }))
    }
    const change = columnChange(followRef(x), y)
    if (change) phase.columns.push(new AlterColumn(app, { ...ref, columnName: y.name, dbColumnName: y.dbColumnName, ...change }))
  }
  for (const c of pairs.added) (c.columnClass === 'ForeignKey' ? phase.fkColumns : phase.columns).push(new AddColumn(app, columnParams(b, c)))

  // Constraints and indexes are compared by their whole declaration (after following column renames).
  const renamedProps = new Map(pairs.renames.map(([x, y]) => [x.name, y.name]))
  const follow = (name: string) => renamedProps.get(name) ?? name
  const fromConstraints = a.constraints.map((c) => (c.kind === 'check' ? c : { ...c, columns: c.columns.map(follow) }))
  const fromIndexes = a.indexes.map((i) => ({ ...i, keys: i.keys.map((k) => (k.column !== undefined ? { ...k, column: follow(k.column) } : k)) }))
  const has = <T>(list: T[], item: T) => list.some((x) => same(x, item))
  for (const c of fromConstraints) if (!has(b.constraints, c)) phase.dropsFirst.push(new DropConstraint(app, { ...ref, constraint: structuredClone(c) }))
  for (const i of fromIndexes) if (!has(b.indexes, i)) phase.dropsFirst.push(new DropIndex(app, { ...ref, index: structuredClone(i) }))
  for (const c of b.constraints) if (!has(fromConstraints, c)) phase.constraintsAdded.push(new AddConstraint(app, { ...ref, constraint: structuredClone(c) }))
  for (const i of b.indexes) if (!has(fromIndexes, i)) phase.constraintsAdded.push(new AddIndex(app, { ...ref, index: structuredClone(i) }))

  for (const c of pairs.removed) phase.columnsDropped.push(new DropColumn(app, columnParams(a, c)))
}
