/**
 * The differ: compares the snapshot that an app's migrations describe with the snapshot of its table
 * classes, and returns the operations that turn one into the other, in an order Postgres accepts.
 * Pure: no I/O, no prompts (rename questions are returned, see renames.ts).
 */

import type { ColumnDefinitionParams } from '../operations/columns.js'
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
} from '../operations/index.js'
import {
  type ColumnSnapshot,
  type ConstraintSnapshot,
  type ForeignKeyTarget,
  keyOf,
  cloneData,
  type IndexSnapshot,
  type SnapshotData,
  sameValue,
  type TableSnapshot,
} from '../state/snapshot.js'
import type { RenameHints } from './hints.js'
import { orderColumnRenames, orderTableRenames } from './rename-order.js'
import {
  columnQuestion,
  columnRenameKey,
  emptyAnswers,
  pairRenames,
  type RenameAnswers,
  type RenameQuestion,
  tableQuestion,
  tableRenameKey,
} from './renames.js'

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

const same = sameValue
const PARAM_ORDER = [
  'length',
  'digits',
  'enum',
  'base',
  'references',
  'onDelete',
  'onUpdate',
  'default',
  'null',
  'primaryKey',
  'unique',
  'index',
  'indexMethod',
] as const

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
    params: orderedParams(cloneData(column.params)),
  }
}

function columnChange(
  from: ColumnSnapshot,
  to: ColumnSnapshot,
): { params: ColumnChange; oldParams: ColumnChange } | null {
  const params: Record<string, unknown> = {}
  const oldParams: Record<string, unknown> = {}
  if (from.columnClass !== to.columnClass) {
    params.columnClass = to.columnClass
    oldParams.columnClass = from.columnClass
  }
  const a = from.params as unknown as Record<string, unknown>
  const b = to.params as unknown as Record<string, unknown>
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  for (const key of PARAM_ORDER.filter((k) => keys.has(k)).concat(
    [...keys].filter((k) => !(PARAM_ORDER as readonly string[]).includes(k)) as never[],
  )) {
    if (same(a[key], b[key])) continue
    // null in a change removes a type-specific key (see AlterColumn).
    params[key] = cloneData(b[key] ?? null)
    oldParams[key] = cloneData(a[key] ?? null)
  }
  return Object.keys(params).length ? { params: params as ColumnChange, oldParams: oldParams as ColumnChange } : null
}

function key(table: TableSnapshot): string {
  return table.className
}

/** Tables that `table` references through foreign keys, within `pool`. */
function referencedClassNames(table: TableSnapshot, app: string): string[] {
  return table.columns.flatMap((c) =>
    c.params.references && c.params.references.app === app ? [c.params.references.table] : [],
  )
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
    fkReleased: [] as Operation[],
    dropsFirst: [] as Operation[],
    fkRemoved: [] as Operation[],
    tablesAdded: [] as Operation[],
    columns: [] as Operation[],
    fkColumns: [] as Operation[],
    constraintsAdded: [] as Operation[],
    columnsDropped: [] as Operation[],
    tablesDropped: [] as Operation[],
    enumsNarrowed: [] as Operation[],
    enumsDropped: [] as Operation[],
  }

  // Enums: added and altered before tables use them, dropped after columns stop using them.
  const fromEnums = new Map(from.enums.filter((e) => e.app === app).map((e) => [e.name, e]))
  const toEnums = new Map(to.enums.filter((e) => e.app === app).map((e) => [e.name, e]))
  for (const [name, e] of toEnums) {
    const was = fromEnums.get(name)
    const schema = e.schema === 'public' ? undefined : e.schema
    if (!was) phase.enumsAdded.push(new AddEnum(app, { name, schema, values: [...e.values] }))
    else if (!same(was.values, e.values)) {
      // Added values must exist before columns use them; removed ones go only after columns and
      // tables stop using them (a default or a dropped table's rows may hold them). A change that
      // does both is split: additions first (appended), the final list at the end.
      const kept = e.values.filter((v) => was.values.includes(v))
      const onlyAdds = kept.length === was.values.length && kept.every((v, i) => v === was.values[i])
      const added = e.values.filter((v) => !was.values.includes(v))
      if (onlyAdds)
        phase.enumsAdded.push(new AlterEnum(app, { name, schema, values: [...e.values], oldValues: [...was.values] }))
      else {
        const widened = [...was.values, ...added]
        if (added.length)
          phase.enumsAdded.push(new AlterEnum(app, { name, schema, values: widened, oldValues: [...was.values] }))
        phase.enumsNarrowed.push(new AlterEnum(app, { name, schema, values: [...e.values], oldValues: widened }))
      }
    }
  }
  for (const [name, e] of fromEnums) {
    if (!toEnums.has(name))
      phase.enumsDropped.push(
        new DropEnum(app, { name, schema: e.schema === 'public' ? undefined : e.schema, values: [...e.values] }),
      )
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
  /** Model table → its snapshot table under its old class and table name (renamed tables). */
  const renamedFrom = new Map<TableSnapshot, TableSnapshot>()
  for (const t of toTables.values()) {
    const was = fromTables.get(key(t))
    if (was) matched.push([was, t])
  }
  for (const [a, b] of tablePairs.renames) {
    phase.renames.push(
      new RenameTable(app, {
        oldClassName: a.className,
        newClassName: b.className,
        oldTablename: a.tablename,
        newTablename: b.tablename,
        schema: a.schema === 'public' ? undefined : a.schema,
      }),
    )
    matched.push([{ ...a, className: b.className, tablename: b.tablename }, b])
    renamedFrom.set(b, a)
  }

  // Most tables of a large app did not change at all: found equal as a whole, they are skipped
  // (when nothing in the app is renamed, nothing about them can change).
  const unchanged = matched.map(([a, b]) => sameValue(a, b))
  // Column renames of every table first: foreign keys elsewhere in the app follow them.
  const columnPairs = matched.map(([a, b], at) =>
    unchanged[at] ? NO_PAIRS : pairColumns(a, b, app, hints, answers, questions),
  )
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

  /**
   * The column a foreign key of this app pointed at (named as in `from`), when the constraint that
   * backs it goes: the column goes, or stops being the primary key (even to become unique), or
   * stops being unique. The foreign key depends on that constraint's index and must let go first.
   */
  const keyLost = (target: ForeignKeyTarget): ColumnSnapshot | undefined => {
    if (target.app !== app) return undefined
    const wasTable = fromTables.get(target.table)
    const was = wasTable?.columns.find((c) => c.name === target.column)
    const key = wasTable && keyOf(wasTable, target.column)
    // A key that is itself a foreign key has no type of its own to fall back on: left as it is.
    if (!was || was.columnClass === 'ForeignKey' || !key) return undefined
    const table = renamedTables.get(target.table) ?? target.table
    const nowTable = toTables.get(table)
    return nowTable && keyOf(nowTable, renamedColumns.get(`${table}.${target.column}`) ?? target.column) === key
      ? undefined
      : was
  }
  /** `Class.column` (new class, old property) of foreign keys that let go of their target before the drops (placeDrops). */
  const released = new Set<string>()

  const nothingRenamed = renamedTables.size === 0 && renamedColumns.size === 0
  matched.forEach(([a, b], at) => {
    // (Unless a foreign key of the table must let go of a key that goes; see keyLost.)
    if (
      unchanged[at] &&
      nothingRenamed &&
      !b.columns.some((c) => c.columnClass === 'ForeignKey' && c.params.references && keyLost(c.params.references))
    )
      return
    if (a.tablename !== b.tablename) {
      phase.renames.push(
        new RenameTable(app, {
          oldClassName: b.className,
          newClassName: b.className,
          oldTablename: a.tablename,
          newTablename: b.tablename,
          schema: a.schema === 'public' ? undefined : a.schema,
        }),
      )
    }
    if (a.schema !== b.schema) {
      phase.renames.push(
        new ChangeTableSchema(app, {
          className: b.className,
          tablename: b.tablename,
          oldSchema: a.schema,
          newSchema: b.schema,
        }),
      )
    }
    diffTable(a, b, renamedFrom.get(b) ?? a, app, columnPairs[at]!, { follow, keyLost, released }, phase)
  })

  // New tables: empty tables first, then their columns (foreign keys last, so targets exist).
  const newTables = referencedFirst(tablePairs.added, app)
  for (const t of newTables) {
    phase.tablesAdded.push(
      new AddTable(app, {
        className: t.className,
        tablename: t.tablename,
        schema: t.schema === 'public' ? undefined : t.schema,
      }),
    )
  }
  for (const t of newTables) {
    for (const c of t.columns)
      (c.columnClass === 'ForeignKey' ? phase.fkColumns : phase.columns).push(new AddColumn(app, columnParams(t, c)))
    for (const c of t.constraints)
      phase.constraintsAdded.push(
        new AddConstraint(app, { tableClassName: t.className, tablename: t.tablename, constraint: cloneData(c) }),
      )
    for (const i of t.indexes)
      phase.constraintsAdded.push(
        new AddIndex(app, { tableClassName: t.className, tablename: t.tablename, index: cloneData(i) }),
      )
  }
  // Dropped tables: those that reference others go first. A cycle of foreign keys is broken by
  // dropping one of its key columns first (one that no key points at): backwards then creates the
  // tables before it adds that column back, as it does for new tables.
  const detached = new Set<ColumnSnapshot>()
  const dropOrder: TableSnapshot[] = []
  {
    const remaining = [...tablePairs.removed]
    const names = () => new Set(remaining.map((t) => t.className))
    const liveKeys = () =>
      remaining.flatMap((t) =>
        t.columns
          .filter((c) => c.columnClass === 'ForeignKey' && c.params.references?.app === app && !detached.has(c))
          .map((c) => ({ t, c, ref: c.params.references! })),
      )
    while (remaining.length) {
      const inPlay = names()
      const keys = liveKeys()
      const free = remaining.find((t) => !keys.some((k) => k.t !== t && k.ref.table === t.className))
      if (free) {
        dropOrder.push(...remaining.splice(remaining.indexOf(free), 1))
        continue
      }
      const cyclic = keys.filter((k) => k.ref.table !== k.t.className && inPlay.has(k.ref.table))
      const loose = cyclic.find((k) => !keys.some((o) => o.ref.table === k.t.className && o.ref.column === k.c.name))
      detached.add((loose ?? cyclic[0])!.c)
    }
  }
  dropOrder.forEach((t) => {
    const gone = new Set(t.columns.filter((c) => detached.has(c)).map((c) => c.name))
    // Declarations on a detached column go before it (and come back after it).
    const usesGone = (x: ConstraintSnapshot | IndexSnapshot) =>
      'keys' in x
        ? x.keys.some((k) => k.column !== undefined && gone.has(k.column))
        : x.kind !== 'check' && x.columns.some((c) => gone.has(c))
    const ref = { tableClassName: t.className, tablename: t.tablename }
    for (const c of t.constraints.filter(usesGone))
      phase.dropsFirst.push(new DropConstraint(app, { ...ref, constraint: cloneData(c) }))
    for (const i of t.indexes.filter(usesGone))
      phase.dropsFirst.push(new DropIndex(app, { ...ref, index: cloneData(i) }))
    for (const c of t.columns.filter((c) => gone.has(c.name)))
      phase.columnsDropped.push(new DropColumn(app, columnParams(t, follow(c))))
    phase.tablesDropped.push(
      new DropTable(app, {
        className: t.className,
        tablename: t.tablename,
        schema: t.schema === 'public' ? undefined : t.schema,
        columns: t.columns
          .filter((c) => !gone.has(c.name))
          .map((c) => ({ ...cloneData(c), params: orderedParams(cloneData(follow(c).params)) })),
        constraints: cloneData(t.constraints.filter((c) => !usesGone(c))),
        indexes: cloneData(t.indexes.filter((i) => !usesGone(i))),
      }),
    )
  })

  const drops = placeDrops(
    phase.columnsDropped.filter((o): o is DropColumn => o instanceof DropColumn),
    phase.tablesDropped.filter((o): o is DropTable => o instanceof DropTable),
    matched,
    tablePairs.removed,
    app,
    follow,
    released,
  )

  // A table-level key on one column that a foreign key points at goes before the foreign keys (the
  // others after them: a unique constraint may span foreign key columns that come with them).
  // (Looked for only when such a key is added: the scan covers every table of every app.)
  const singleKey = (o: Operation): o is AddConstraint =>
    o instanceof AddConstraint && o.params.constraint.kind !== 'check' && o.params.constraint.columns.length === 1
  const pointedAt = phase.constraintsAdded.some(singleKey)
    ? new Set(
        to.tables.flatMap((t) =>
          t.columns.flatMap((c) =>
            c.params.references?.app === app ? [`${c.params.references.table}.${c.params.references.column}`] : [],
          ),
        ),
      )
    : new Set<string>()
  const keysPointedAt = (o: Operation) => {
    if (!singleKey(o) || o.params.constraint.kind === 'check') return false
    const column = o.params.constraint.columns[0]!
    const table = toTables.get(o.params.tableClassName)
    return (
      pointedAt.has(`${o.params.tableClassName}.${column}`) &&
      table?.columns.find((c) => c.name === column)?.columnClass !== 'ForeignKey'
    )
  }

  const freed = dropsBeforeRenames(drops.early, phase.renames, from)
  const tableRenames = phase.renames.filter((o) => o instanceof RenameTable || o instanceof ChangeTableSchema)
  const columnRenames = phase.renames.filter((o) => o instanceof RenameColumn)
  // Names in use when the renames start: a rename may take one that another rename frees. (Only
  // worked out when something is renamed; a column's name can only clash within its table.)
  const freedTables = new Set(
    freed.tables.map((o) => JSON.stringify([o.params.schema ?? 'public', o.params.tablename])),
  )
  const tablesTaken = () =>
    from.tables.map((t) => [t.schema, t.tablename] as const).filter((slot) => !freedTables.has(JSON.stringify(slot)))
  const freedColumns = new Set(
    freed.columns.map((o) => JSON.stringify([o.params.tableClassName, o.params.dbColumnName])),
  )
  const columnsTaken = () => {
    const renamedIn = new Set(columnRenames.map((o) => o.params.tableClassName))
    return matched
      .filter(([, b]) => renamedIn.has(b.className))
      .flatMap(([a, b]) => a.columns.map((c) => [b.className, c.dbColumnName] as const))
      .filter((slot) => !freedColumns.has(JSON.stringify(slot)))
  }
  const all = [
    ...phase.enumsAdded,
    ...phase.fkReleased,
    ...phase.dropsFirst,
    ...freed.tables,
    ...(tableRenames.length ? orderTableRenames(app, tableRenames, tablesTaken()) : []),
    ...freed.columns,
    ...(columnRenames.length ? orderColumnRenames(app, columnRenames, columnsTaken()) : []),
    ...phase.fkRemoved,
    ...drops.early.filter((o) => !freed.tables.some((t) => t === o) && !freed.columns.some((c) => c === o)),
    ...phase.tablesAdded,
    ...phase.columns,
    ...phase.constraintsAdded.filter(keysPointedAt),
    ...targetsFirst(phase.fkColumns),
    ...phase.constraintsAdded.filter((o) => !keysPointedAt(o)),
    ...drops.late,
    ...phase.enumsNarrowed,
    ...phase.enumsDropped,
  ]
  const operations = options.allowDestructive ? all : all.filter((o) => !o.destructive)
  const held = options.allowDestructive ? [] : all.filter((o) => o.destructive)
  return { app, operations, questions, held }
}

/**
 * Where drops go. Most run before anything is added (`early`), so a new column or table can take a
 * dropped one's name and a new primary key can replace the old one; a column or table that a foreign
 * key still points at (one that stays, or goes later) is dropped at the end (`late`), after that
 * foreign key has changed. Within each group, what a dropped foreign key points at goes after it.
 */
function placeDrops(
  columnDrops: DropColumn[],
  tableDrops: DropTable[],
  matched: [TableSnapshot, TableSnapshot][],
  removedTables: TableSnapshot[],
  app: string,
  follow: (column: ColumnSnapshot) => ColumnSnapshot,
  /** `Class.column` (new class, old property) of foreign keys that let go of their target before the drops. */
  released: Set<string>,
): { early: Operation[]; late: Operation[] } {
  type Ref = { table: string; column: string; target: { table: string; column: string } }
  type Drop = DropColumn | DropTable
  // Every foreign key of the app's tables before the change: its owner (by the new class name) and target.
  const refs: Ref[] = []
  const owners: [TableSnapshot, string][] = [
    ...matched.map(([a, b]): [TableSnapshot, string] => [a, b.className]),
    ...removedTables.map((t): [TableSnapshot, string] => [t, t.className]),
  ]
  for (const [table, className] of owners) {
    for (const c of table.columns) {
      const ref = follow(c).params.references
      if (c.columnClass === 'ForeignKey' && ref && ref.app === app && !released.has(`${className}.${c.name}`)) {
        refs.push({ table: className, column: c.name, target: { table: ref.table, column: ref.column } })
      }
    }
  }
  const owns = (o: Drop, r: Ref) =>
    o instanceof DropTable
      ? r.table === o.params.className
      : r.table === o.params.tableClassName && r.column === o.params.columnName
  const pointsAt = (r: Ref, o: Drop) =>
    o instanceof DropTable
      ? r.target.table === o.params.className
      : r.target.table === o.params.tableClassName && r.target.column === o.params.columnName
  const drops: Drop[] = [...columnDrops, ...tableDrops]
  const late = new Set<Drop>()
  const goesEarly = (r: Ref) => drops.some((o) => owns(o, r) && !late.has(o))
  for (let changed = true; changed; ) {
    changed = false
    for (const o of drops) {
      if (!late.has(o) && refs.some((r) => pointsAt(r, o) && !owns(o, r) && !goesEarly(r))) {
        late.add(o)
        changed = true
      }
    }
  }
  const order = (group: Drop[]): Operation[] => {
    // Preferred: foreign key columns, tables, other columns; then referencing ones first.
    const pending = [
      ...group.filter((o) => o instanceof DropColumn && o.params.columnClass === 'ForeignKey'),
      ...group.filter((o) => o instanceof DropTable),
      ...group.filter((o) => o instanceof DropColumn && o.params.columnClass !== 'ForeignKey'),
    ]
    const out: Operation[] = []
    const gone = new Set<string>()
    while (pending.length) {
      const waits = (o: Drop) =>
        pending.some(
          (x) =>
            x !== o &&
            refs.some((r) => owns(x, r) && !owns(o, r) && !gone.has(`${r.table}.${r.column}`) && pointsAt(r, o)),
        )
      const at = Math.max(
        0,
        pending.findIndex((o) => !waits(o)),
      )
      const [next] = pending.splice(at, 1) as [Drop]
      if (next instanceof DropColumn) gone.add(`${next.params.tableClassName}.${next.params.columnName}`)
      out.push(next)
    }
    return out
  }
  return { early: order(drops.filter((o) => !late.has(o))), late: order(drops.filter((o) => late.has(o))) }
}

/**
 * Drops that must run before the renames: a renamed or moved table (or a renamed column) may take the
 * physical name of a table (or column) dropped in the same migration, or Postgres refuses the rename
 * ("already exists"). Only drops nothing points at move (a foreign key to them waits for its own change);
 * a dropped table's name is free before any rename, a dropped column's after its table's renames.
 */
function dropsBeforeRenames(
  early: Operation[],
  renames: Operation[],
  from: SnapshotData,
): { tables: DropTable[]; columns: DropColumn[] } {
  const at = (schema: string | undefined, name: string) => JSON.stringify([schema ?? 'public', name])
  const takenTables = new Set<string>()
  const takenColumns = new Set<string>()
  for (const o of renames) {
    if (o instanceof RenameTable) takenTables.add(at(o.params.schema, o.params.newTablename))
    else if (o instanceof ChangeTableSchema) takenTables.add(at(o.params.newSchema, o.params.tablename))
    else if (o instanceof RenameColumn)
      takenColumns.add(JSON.stringify([o.params.tableClassName, o.params.newDbColumnName]))
  }
  if (!takenTables.size && !takenColumns.size) return { tables: [], columns: [] }
  const pointedAt = (app: string, table: string, column?: string) =>
    from.tables.some((t) =>
      t.columns.some((c) => {
        const ref = c.params.references
        return (
          c.columnClass === 'ForeignKey' &&
          ref !== undefined &&
          ref.app === app &&
          ref.table === table &&
          (column === undefined ? t.className !== table || t.app !== app : ref.column === column)
        )
      }),
    )
  const tables = early.filter(
    (o): o is DropTable =>
      o instanceof DropTable &&
      takenTables.has(at(o.params.schema, o.params.tablename)) &&
      !pointedAt(o.app, o.params.className),
  )
  // A column's foreign keys in `from` name its table by the class name it had before a rename.
  const oldClass = new Map(
    renames.flatMap((o) => (o instanceof RenameTable ? [[o.params.newClassName, o.params.oldClassName] as const] : [])),
  )
  const columns = early.filter((o): o is DropColumn => {
    if (
      !(o instanceof DropColumn) ||
      !takenColumns.has(JSON.stringify([o.params.tableClassName, o.params.dbColumnName]))
    )
      return false
    const table = oldClass.get(o.params.tableClassName) ?? o.params.tableClassName
    return (
      !pointedAt(o.app, table, o.params.columnName) && !pointedAt(o.app, o.params.tableClassName, o.params.columnName)
    )
  })
  return { tables, columns }
}

/** Foreign key columns after the foreign key columns they point at (a key can target a key that is a primary key). */
function targetsFirst(operations: Operation[]): Operation[] {
  const defines = (o: Operation, table: string, column: string) =>
    (o instanceof AddColumn && o.params.tableClassName === table && o.params.columnName === column) ||
    (o instanceof AlterColumn && o.params.tableClassName === table && o.params.columnName === column)
  const target = (o: Operation) =>
    o instanceof AddColumn
      ? o.params.params.references
      : o instanceof AlterColumn
        ? o.params.params.references
        : undefined
  const pending = [...operations]
  const out: Operation[] = []
  while (pending.length) {
    const ready = (o: Operation) => {
      const t = target(o)
      return !t || !pending.some((x) => x !== o && defines(x, t.table, t.column))
    }
    out.push(...pending.splice(Math.max(0, pending.findIndex(ready)), 1))
  }
  return out
}

/** A foreign key column as a plain column of its target's type (what it holds once it lets go). */
function releasedColumn(column: ColumnSnapshot, target: ColumnSnapshot): ColumnSnapshot {
  const { references: _references, onDelete: _onDelete, onUpdate: _onUpdate, ...params } = column.params
  const columnClass =
    target.columnClass === 'Serial' ? 'Integer' : target.columnClass === 'BigSerial' ? 'BigInt' : target.columnClass
  const typed = {
    length: target.params.length,
    digits: target.params.digits,
    enum: target.params.enum,
    base: target.params.base,
  }
  for (const [key, value] of Object.entries(typed))
    if (value !== undefined) (params as Record<string, unknown>)[key] = cloneData(value)
  return { ...column, columnClass, params }
}

type ColumnPairs = ReturnType<typeof pairRenames<ColumnSnapshot>>
const NO_PAIRS: ColumnPairs = { renames: [], asked: [], added: [], removed: [] }

function pairColumns(
  a: TableSnapshot,
  b: TableSnapshot,
  app: string,
  hints: RenameHints,
  answers: RenameAnswers,
  questions: RenameQuestion[],
): ColumnPairs {
  const fromNames = new Set(a.columns.map((c) => c.name))
  const toNames = new Set(b.columns.map((c) => c.name))
  const removed = a.columns.filter((c) => !toNames.has(c.name))
  const added = b.columns.filter((c) => !fromNames.has(c.name))
  const hint = (c: ColumnSnapshot) => hints.columns.get(`${app}.${b.className}.${c.name}`)
  const pairs = pairRenames(
    removed,
    added,
    // A rename keeps the column's class, unless a hint or an answer says otherwise.
    (x, y) =>
      x.columnClass === y.columnClass ||
      hint(y) === x.name ||
      answers.accepted.has(columnRenameKey(app, b.className, x.name, y.name)),
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
  /** `a` under its old names: constraints and indexes are dropped before renames (see below). */
  original: TableSnapshot,
  app: string,
  pairs: ColumnPairs,
  refs: {
    /** A column with its foreign key's target under the target's new names. */
    follow: (column: ColumnSnapshot) => ColumnSnapshot
    /** The old target column of a foreign key, when it stops being a key in this migration. */
    keyLost: (target: ForeignKeyTarget) => ColumnSnapshot | undefined
    /** Where to record the foreign keys that let go of their target before the drops. */
    released: Set<string>
  },
  phase: Record<
    | 'renames'
    | 'fkReleased'
    | 'dropsFirst'
    | 'fkRemoved'
    | 'columns'
    | 'fkColumns'
    | 'constraintsAdded'
    | 'columnsDropped',
    Operation[]
  >,
): void {
  const ref = { tableClassName: b.className, tablename: b.tablename }
  const fromCols = new Map(a.columns.map((c) => [c.name, c]))
  const matchedCols: [ColumnSnapshot, ColumnSnapshot][] = []
  for (const c of b.columns) {
    const was = fromCols.get(c.name)
    if (was) matchedCols.push([was, c])
  }
  /** A renamed column (under its new names) → the column as it was. */
  const renamedColumn = new Map<ColumnSnapshot, ColumnSnapshot>()
  for (const [x, y] of pairs.renames) {
    phase.renames.push(
      new RenameColumn(app, {
        ...ref,
        oldColumnName: x.name,
        newColumnName: y.name,
        oldDbColumnName: x.dbColumnName,
        newDbColumnName: y.dbColumnName,
      }),
    )
    const renamed = { ...x, name: y.name, dbColumnName: y.dbColumnName }
    renamedColumn.set(renamed, x)
    matchedCols.push([renamed, y])
  }
  for (const [x, y] of matchedCols) {
    if (x.dbColumnName !== y.dbColumnName) {
      phase.renames.push(
        new RenameColumn(app, {
          ...ref,
          oldColumnName: y.name,
          newColumnName: y.name,
          oldDbColumnName: x.dbColumnName,
          newDbColumnName: y.dbColumnName,
        }),
      )
    }
    const followed = refs.follow(x)
    const change = columnChange(followed, y)
    // A column that becomes (or retargets) a foreign key waits, like new ones, for its target's columns;
    // one that stops being a foreign key lets go of its target before anything is dropped.
    const retargets = y.columnClass === 'ForeignKey' && change !== null && 'references' in change.params
    const letsGo = x.columnClass === 'ForeignKey' && y.columnClass !== 'ForeignKey'
    const alter = (c: NonNullable<typeof change>) =>
      new AlterColumn(app, { ...ref, columnName: y.name, dbColumnName: y.dbColumnName, ...c })
    // A foreign key whose target's key goes (a primary key replaced by another, made unique instead,
    // a unique constraint dropped) lets go first, as a plain column of the old key's type, and points
    // at its target (the same or a new one) again once that is a key: Postgres refuses to drop a key
    // a foreign key depends on. Letting go comes before anything else is dropped or renamed, so it
    // names the table and column as they were.
    const lost =
      x.columnClass === 'ForeignKey' && y.columnClass === 'ForeignKey' && x.params.references
        ? refs.keyLost(x.params.references)
        : undefined
    if (lost) {
      const release = columnChange(x, releasedColumn(x, lost))
      const attach = columnChange(releasedColumn(followed, lost), y)
      const was = renamedColumn.get(x) ?? x
      const before = {
        tableClassName: original.className,
        tablename: original.tablename,
        columnName: was.name,
        dbColumnName: was.dbColumnName,
      }
      if (release) phase.fkReleased.push(new AlterColumn(app, { ...before, ...release }))
      if (attach) phase.fkColumns.push(alter(attach))
      refs.released.add(`${b.className}.${was.name}`)
    } else if (change) {
      ;(retargets ? phase.fkColumns : letsGo ? phase.fkRemoved : phase.columns).push(alter(change))
      if (letsGo) refs.released.add(`${b.className}.${(renamedColumn.get(x) ?? x).name}`)
    }
  }
  for (const c of pairs.added)
    (c.columnClass === 'ForeignKey' ? phase.fkColumns : phase.columns).push(new AddColumn(app, columnParams(b, c)))

  // Constraints and indexes are compared by their whole declaration (after following column renames).
  const renamedProps = new Map(pairs.renames.map(([x, y]) => [x.name, y.name]))
  const follow = (name: string) => renamedProps.get(name) ?? name
  const fromConstraints = a.constraints.map((c) => (c.kind === 'check' ? c : { ...c, columns: c.columns.map(follow) }))
  const fromIndexes = a.indexes.map((i) => ({
    ...i,
    keys: i.keys.map((k) => (k.column !== undefined ? { ...k, column: follow(k.column) } : k)),
  }))
  const has = <T>(list: T[], item: T) => list.some((x) => same(x, item))
  // Dropped before any rename, in the old names: a check, a predicate or an expression key is SQL
  // that names columns as they were, and backwards recreates it only after the renames are undone.
  const old = { tableClassName: original.className, tablename: original.tablename }
  fromConstraints.forEach((c, at) => {
    if (!has(b.constraints, c))
      phase.dropsFirst.push(new DropConstraint(app, { ...old, constraint: cloneData(a.constraints[at]!) }))
  })
  fromIndexes.forEach((i, at) => {
    if (!has(b.indexes, i)) phase.dropsFirst.push(new DropIndex(app, { ...old, index: cloneData(a.indexes[at]!) }))
  })
  for (const c of b.constraints)
    if (!has(fromConstraints, c))
      phase.constraintsAdded.push(new AddConstraint(app, { ...ref, constraint: cloneData(c) }))
  for (const i of b.indexes)
    if (!has(fromIndexes, i)) phase.constraintsAdded.push(new AddIndex(app, { ...ref, index: cloneData(i) }))

  // The dropped definition as it is when the drop runs (after renames): backwards re-adds exactly that.
  for (const c of pairs.removed) phase.columnsDropped.push(new DropColumn(app, columnParams(a, refs.follow(c))))
}
