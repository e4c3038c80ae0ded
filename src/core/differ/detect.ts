/**
 * What changed between the snapshot an app's migrations describe and the snapshot of its table
 * classes: tables, columns, constraints, indexes and enums are matched, renames paired (or asked
 * about, see renames.ts), and each operation is planned with what it needs from the others and what
 * it gives them (order.ts puts them in order). Pure: no I/O, no prompts.
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
  AlterTable,
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
  cloneData,
  declarationSql,
  declaredColumns,
  type ForeignKeyTarget,
  type IndexSnapshot,
  keyOf,
  renameDeclaredColumns,
  type SnapshotData,
  sameValue,
  type TableSnapshot,
} from '../state/snapshot.js'
import { sqlMentions } from '../state/sql-text.js'
import { detectObjects } from './detect-objects.js'
import type { RenameHints } from './hints.js'
import { grows, need, type Planned } from './order.js'
import {
  columnQuestion,
  columnRenameKey,
  pairRenames,
  type RenameAnswers,
  type RenameQuestion,
  tableQuestion,
  tableRenameKey,
} from './renames.js'

export interface Detected {
  /** The operations in the order they were found, each with its needs. */
  planned: Planned[]
  /** Possible renames nobody has answered: nothing is planned for either side. */
  questions: RenameQuestion[]
  /** Whether a name (in the spaces of `need.name`) is in use when the migration starts. */
  inUse(space: string, name: string): boolean
}

const same = sameValue
const PARAM_ORDER = [
  'length',
  'digits',
  'dimensions',
  'type',
  'enum',
  'base',
  'collation',
  'references',
  'onDelete',
  'onUpdate',
  'constraintName',
  'default',
  'identity',
  'generated',
  'null',
  'primaryKey',
  'unique',
  'deferrable',
  'index',
  'indexMethod',
  'comment',
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

/** A foreign key column as a plain column of its target's type (what it holds once it lets go). */
function releasedColumn(column: ColumnSnapshot, target: ColumnSnapshot): ColumnSnapshot {
  const {
    references: _references,
    onDelete: _onDelete,
    onUpdate: _onUpdate,
    constraintName: _constraintName,
    deferrable: _deferrable,
    ...params
  } = column.params
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

const schemaParam = (schema: string) => (schema === 'public' ? undefined : schema)
/** The spaces names are taken in: a schema's tables, a table's columns. */
const tableSpace = (schema: string) => `table ${schema}`
const columnSpace = (table: string) => `column ${table}`

/** The column a constraint names, when it is one column (a key a foreign key can point at). */
function singleKey(c: ConstraintSnapshot): string | undefined {
  return (c.kind === 'primaryKey' || c.kind === 'unique') && c.columns.length === 1 ? c.columns[0] : undefined
}

/** What an added constraint or index needs of its table's columns (all of them when it holds SQL). */
function declarationNeeds(table: string, x: ConstraintSnapshot | IndexSnapshot): string[] {
  return [
    ...declaredColumns(x).map((c) => need.column(table, c)),
    ...(declarationSql(x).length ? [need.columns(table)] : []),
  ]
}

const keyKind = (c: ColumnSnapshot) => (c.params.primaryKey ? 'primaryKey' : c.params.unique ? 'unique' : undefined)

type ColumnPairs = ReturnType<typeof pairRenames<ColumnSnapshot>>
const NO_PAIRS: ColumnPairs = { renames: [], asked: [], added: [], removed: [] }

/**
 * Detects the changes of one app. `from` is the replayed snapshot, `to` the model's; both may hold
 * every app (foreign keys are resolved across apps) but only `app`'s tables and enums are compared.
 */
export function detectChanges(
  from: SnapshotData,
  to: SnapshotData,
  app: string,
  hints: RenameHints,
  answers: RenameAnswers,
): Detected {
  const questions: RenameQuestion[] = []
  const planned: Planned[] = []
  const plan = (operation: Operation, needs: string[], gives: string[], move?: Planned['move']) =>
    planned.push({ operation, needs, gives, ...(move ? { move } : {}) })

  /** What an operation that makes a column a foreign key to `target` needs. */
  const pointsAt = (target: ForeignKeyTarget | undefined): string[] =>
    target && target.app === app
      ? [
          need.table(target.table),
          need.renamed(target.table),
          need.columnsRenamed(target.table),
          need.column(target.table, target.column),
          need.key(target.table, target.column),
        ]
      : []
  /** What an operation that removes a foreign key to `target` (named as in the diff) gives. */
  const letsGoOf = (target: ForeignKeyTarget | undefined): string[] =>
    target && target.app === app
      ? [need.unreferenced(target.table), need.unreferenced(target.table, target.column)]
      : []
  const enumNeeds = (column: ColumnSnapshot) => (column.params.enum ? [need.enum(column.params.enum)] : [])
  const enumGives = (...columns: ColumnSnapshot[]) =>
    columns.flatMap((c) => (c.params.enum ? [need.enumUnused(c.params.enum)] : []))

  // Enums. A change that adds and removes values is split: additions (appended) may be needed by
  // columns, removals wait until nothing uses the values (a default or a dropped table's rows may).
  const fromEnums = new Map(from.enums.filter((e) => e.app === app).map((e) => [e.name, e]))
  const toEnums = new Map(to.enums.filter((e) => e.app === app).map((e) => [e.name, e]))
  for (const [name, e] of toEnums) {
    const was = fromEnums.get(name)
    const schema = schemaParam(e.schema)
    if (!was) plan(new AddEnum(app, { name, schema, values: [...e.values] }), [], [need.enum(name)])
    else if (!same(was.values, e.values)) {
      const alter = (values: string[], oldValues: string[]) => new AlterEnum(app, { name, schema, values, oldValues })
      if (grows(was.values, e.values)) plan(alter([...e.values], [...was.values]), [], [need.enum(name)])
      else {
        const widened = [...was.values, ...e.values.filter((v) => !was.values.includes(v))]
        if (widened.length > was.values.length) plan(alter(widened, [...was.values]), [], [need.enum(name)])
        plan(alter([...e.values], widened), [need.enum(name), need.enumUnused(name)], [])
      }
    }
  }
  for (const [name, e] of fromEnums) {
    if (!toEnums.has(name))
      plan(
        new DropEnum(app, { name, schema: schemaParam(e.schema), values: [...e.values] }),
        [need.enumUnused(name)],
        [],
      )
  }

  // Tables: match by class name, then pair the rest as renames.
  const fromTables = new Map(from.tables.filter((t) => t.app === app).map((t) => [t.className, t]))
  const toTables = new Map(to.tables.filter((t) => t.app === app).map((t) => [t.className, t]))
  const removedTables = [...fromTables.values()].filter((t) => !toTables.has(t.className))
  const addedTables = [...toTables.values()].filter((t) => !fromTables.has(t.className))
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

  /** Each kept table as it was (under its old class name) and as it is. */
  const matched: [TableSnapshot, TableSnapshot][] = []
  for (const t of toTables.values()) {
    const was = fromTables.get(t.className)
    if (was) matched.push([was, t])
  }
  for (const pair of tablePairs.renames) matched.push(pair)

  // Most tables of a large app did not change at all: found equal as a whole, they are skipped
  // (when nothing in the app is renamed, nothing about them can change).
  const unchanged = matched.map(([a, b]) => a.className === b.className && sameValue(a, b))
  // Column renames of every table first: foreign keys elsewhere in the app follow them.
  const columnPairs = matched.map(([a, b], at) => (unchanged[at] ? NO_PAIRS : pairColumns(a, b)))
  const renamedTables = new Map(tablePairs.renames.map(([a, b]) => [a.className, b.className]))
  const renamedColumns = new Map<string, string>()
  matched.forEach(([, b], at) => {
    for (const [x, y] of columnPairs[at]!.renames) renamedColumns.set(`${b.className}.${x.name}`, y.name)
  })
  /** A column with its foreign key's target under the target's names in the diff. */
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

  function pairColumns(a: TableSnapshot, b: TableSnapshot): ColumnPairs {
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

  /** Names that a rename, move or drop gives up (looked for only when a table is renamed and moved). */
  let freedTables: Set<string> | undefined
  const freed = () => {
    freedTables ??= new Set(
      [
        ...tablePairs.removed,
        ...matched.filter(([a, b]) => a.tablename !== b.tablename || a.schema !== b.schema).map(([a]) => a),
      ].map((t) => JSON.stringify([t.schema, t.tablename])),
    )
    return freedTables
  }
  const heldBySomethingThatStays = (schema: string, tablename: string) =>
    from.tables.some((t) => t.schema === schema && t.tablename === tablename) &&
    !freed().has(JSON.stringify([schema, tablename]))

  /** A table's rename and its move to another schema; each leaves one name and takes another. */
  function moveTable(a: TableSnapshot, b: TableSnapshot): void {
    const id = b.className
    const steps: { operation: RenameTable | ChangeTableSchema; space: [string, string]; from: string; to: string }[] =
      []
    const rename = (schema: string, oldName: string, newName: string, oldClassName = id) =>
      steps.push({
        operation: new RenameTable(app, {
          oldClassName,
          newClassName: id,
          oldTablename: oldName,
          newTablename: newName,
          schema: schemaParam(schema),
        }),
        space: [tableSpace(schema), tableSpace(schema)],
        from: oldName,
        to: newName,
      })
    const changeSchema = (className: string, tablename: string) =>
      steps.push({
        operation: new ChangeTableSchema(app, { className, tablename, oldSchema: a.schema, newSchema: b.schema }),
        space: [tableSpace(a.schema), tableSpace(b.schema)],
        from: tablename,
        to: tablename,
      })
    const renamed = a.tablename !== b.tablename || a.className !== b.className
    const moved = a.schema !== b.schema
    // Renamed then moved, unless the new name is held in the old schema by a table that stays:
    // then moved under the old name and renamed in the new schema.
    if (
      renamed &&
      moved &&
      heldBySomethingThatStays(a.schema, b.tablename) &&
      !heldBySomethingThatStays(b.schema, a.tablename)
    ) {
      changeSchema(a.className, a.tablename)
      rename(b.schema, a.tablename, b.tablename, a.className)
    } else {
      if (renamed) rename(a.schema, a.tablename, b.tablename, a.className)
      if (moved) changeSchema(id, b.tablename)
    }
    steps.forEach((step, at) => {
      const [fromSpace, toSpace] = step.space
      const o = step.operation
      const takes = need.name(toSpace, step.to)
      const leaves = need.name(fromSpace, step.from)
      plan(
        o,
        [need.oldNames(id), takes, ...(at > 0 ? [need.step(id, at - 1)] : [])],
        // A later step leaves a name an earlier one took: that name is not given up.
        [...(at === 0 ? [leaves] : []), need.renamed(id), need.step(id, at)],
        // A move whose name is taken in the new schema renames aside in the old one, moves, and renames back.
        { leaves, takes, space: fromSpace, name: step.from, aside: (temporary) => asideTable(o, temporary) },
      )
    })
  }

  function asideTable(o: RenameTable | ChangeTableSchema, temporary: string): Operation[] {
    if (o instanceof RenameTable) {
      const p = o.params
      return [
        new RenameTable(app, { ...p, newTablename: temporary }),
        new RenameTable(app, {
          oldClassName: p.newClassName,
          newClassName: p.newClassName,
          oldTablename: temporary,
          newTablename: p.newTablename,
          schema: p.schema,
        }),
      ]
    }
    const p = o.params
    return [
      new RenameTable(app, {
        oldClassName: p.className,
        newClassName: p.className,
        oldTablename: p.tablename,
        newTablename: temporary,
        schema: schemaParam(p.oldSchema),
      }),
      new ChangeTableSchema(app, { ...p, tablename: temporary }),
      new RenameTable(app, {
        oldClassName: p.className,
        newClassName: p.className,
        oldTablename: temporary,
        newTablename: p.tablename,
        schema: schemaParam(p.newSchema),
      }),
    ]
  }

  function diffTable(a: TableSnapshot, b: TableSnapshot, pairs: ColumnPairs): void {
    const id = b.className
    const ref = { tableClassName: id, tablename: b.tablename }
    /** `a` under the class name it has after the renames (what drops of its columns name). */
    const kept = a.className === id ? a : { ...a, className: id, tablename: b.tablename }
    const onColumns = [need.table(id), need.renamed(id), need.columnsRenamed(id)]
    if (a.comment !== b.comment)
      plan(
        new AlterTable(app, {
          className: id,
          tablename: b.tablename,
          params: { comment: b.comment ?? null },
          oldParams: { comment: a.comment ?? null },
        }),
        [need.table(id), need.renamed(id)],
        [],
      )
    const fromCols = new Map(a.columns.map((c) => [c.name, c]))
    const matchedCols: [ColumnSnapshot, ColumnSnapshot][] = []
    for (const c of b.columns) {
      const was = fromCols.get(c.name)
      if (was) matchedCols.push([was, c])
    }
    /** A renamed column (under its new names) → the column as it was. */
    const renamedColumn = new Map<ColumnSnapshot, ColumnSnapshot>()
    const renameColumn = (oldName: string, newName: string, oldDb: string, newDb: string) => {
      const o = new RenameColumn(app, {
        ...ref,
        oldColumnName: oldName,
        newColumnName: newName,
        oldDbColumnName: oldDb,
        newDbColumnName: newDb,
      })
      const space = columnSpace(id)
      plan(
        o,
        [need.oldNames(id), need.renamed(id), need.name(space, newDb)],
        [need.name(space, oldDb), need.columnsRenamed(id)],
        {
          leaves: need.name(space, oldDb),
          takes: need.name(space, newDb),
          space,
          name: oldDb,
          aside: (temporary) => [
            new RenameColumn(app, { ...o.params, newDbColumnName: temporary }),
            new RenameColumn(app, { ...o.params, oldColumnName: newName, oldDbColumnName: temporary }),
          ],
        },
      )
    }
    for (const [x, y] of pairs.renames) {
      renameColumn(x.name, y.name, x.dbColumnName, y.dbColumnName)
      const renamed = { ...x, name: y.name, dbColumnName: y.dbColumnName }
      renamedColumn.set(renamed, x)
      matchedCols.push([renamed, y])
    }
    for (const [x, y] of matchedCols) {
      if (x.dbColumnName !== y.dbColumnName) renameColumn(y.name, y.name, x.dbColumnName, y.dbColumnName)
    }
    /** A change of column `x` under the names it had before the migration's renames. */
    const alterAsItWas = (x: ColumnSnapshot, c: { params: ColumnChange; oldParams: ColumnChange }) => {
      const was = renamedColumn.get(x) ?? x
      return new AlterColumn(app, {
        tableClassName: a.className,
        tablename: a.tablename,
        columnName: was.name,
        dbColumnName: was.dbColumnName,
        ...c,
      })
    }
    const columnsRenamed = pairs.renames.length > 0 || matchedCols.some(([x, y]) => x.dbColumnName !== y.dbColumnName)
    /** Whether a generation expression changes in a table whose columns are renamed in the migration. */
    const regenerates = (x: ColumnSnapshot, y: ColumnSnapshot) =>
      columnsRenamed &&
      x.params.generated !== undefined &&
      y.params.generated !== undefined &&
      x.params.generated !== y.params.generated
    for (const [x, y] of matchedCols) {
      const followed = follow(x)
      const change = columnChange(followed, y)
      const alter = (c: NonNullable<typeof change>) =>
        new AlterColumn(app, { ...ref, columnName: y.name, dbColumnName: y.dbColumnName, ...c })
      /** What a change to the column's definition gives and needs (besides what its foreign key does). */
      const defines = (before: ColumnSnapshot, after: ColumnSnapshot) => ({
        needs: [
          ...onColumns,
          ...enumNeeds(after),
          ...(after.params.primaryKey && !before.params.primaryKey ? [need.primaryKeyFree(id)] : []),
          // A key that goes or changes kind drops the constraint foreign keys depend on.
          ...(keyKind(before) && keyKind(before) !== keyKind(after) ? [need.unreferenced(id, y.name)] : []),
        ],
        gives: [
          need.column(id, y.name),
          need.columns(id),
          ...(keyKind(after) ? [need.key(id, y.name)] : []),
          ...(before.params.primaryKey && !after.params.primaryKey ? [need.primaryKeyFree(id)] : []),
          ...enumGives(before, after),
        ],
      })
      // A foreign key whose target's key goes (a primary key replaced by another, made unique instead,
      // a unique constraint dropped) lets go first, as a plain column of the old key's type, and points
      // at its target (the same or a new one) again once that is a key: Postgres refuses to drop a key
      // a foreign key depends on. Letting go comes before any rename, so it names the table and column
      // as they were.
      const lost =
        x.columnClass === 'ForeignKey' && y.columnClass === 'ForeignKey' && x.params.references
          ? keyLost(x.params.references)
          : undefined
      if (lost) {
        const plain = releasedColumn(followed, lost)
        const release = columnChange(x, releasedColumn(x, lost))
        const attach = columnChange(plain, y)
        if (release)
          plan(
            alterAsItWas(x, release),
            [],
            [need.oldNames(id), need.released(id, y.name), ...letsGoOf(followed.params.references)],
          )
        if (attach) {
          const { needs, gives } = defines(plain, y)
          plan(alter(attach), [...needs, need.released(id, y.name), ...pointsAt(y.params.references)], gives)
        }
      } else if (change && regenerates(followed, y)) {
        // A generation expression names columns as they are: the old one goes (DROP EXPRESSION keeps
        // the values) before the renames and the new one comes after them, so that backwards, which
        // undoes them in reverse, never meets an expression naming columns that are not there.
        plan(
          alterAsItWas(x, { params: { generated: null }, oldParams: { generated: x.params.generated ?? null } }),
          [],
          [need.oldNames(id)],
        )
        const { generated: _generated, ...plainParams } = followed.params
        const plain = { ...followed, params: plainParams }
        const { needs, gives } = defines(plain, y)
        plan(alter(columnChange(plain, y)!), needs, gives)
      } else if (change) {
        const { needs, gives } = defines(followed, y)
        // A foreign key that goes or changes target lets go of the old one (which may then be dropped).
        const retargets = 'references' in change.params
        plan(
          alter(change),
          [...needs, ...(y.columnClass === 'ForeignKey' ? pointsAt(y.params.references) : [])],
          [...gives, ...(retargets ? letsGoOf(followed.params.references) : [])],
        )
      }
    }
    for (const c of pairs.added) addColumn(b, c)

    // Constraints and indexes are compared by their whole declaration (after following column renames).
    const renamedProps = new Map(pairs.renames.map(([x, y]) => [x.name, y.name]))
    const followName = (name: string) => renamedProps.get(name) ?? name
    const fromConstraints = a.constraints.map((c) => renameDeclaredColumns(c, followName))
    const fromIndexes = a.indexes.map((i) => renameDeclaredColumns(i, followName))
    const has = <T>(list: T[], item: T) => list.some((x) => same(x, item))
    // Dropped under the old names (before the renames): a check, a predicate or an expression key is
    // SQL that names columns as they were, and backwards recreates it only after the renames are undone.
    const old = { tableClassName: a.className, tablename: a.tablename }
    fromConstraints.forEach((c, at) => {
      if (!has(b.constraints, c))
        dropDeclaration(id, new DropConstraint(app, { ...old, constraint: cloneData(a.constraints[at]!) }), c)
    })
    fromIndexes.forEach((i, at) => {
      if (!has(b.indexes, i)) dropDeclaration(id, new DropIndex(app, { ...old, index: cloneData(a.indexes[at]!) }), i)
    })
    for (const c of b.constraints)
      if (!has(fromConstraints, c)) addDeclaration(id, new AddConstraint(app, { ...ref, constraint: cloneData(c) }), c)
    for (const i of b.indexes)
      if (!has(fromIndexes, i)) addDeclaration(id, new AddIndex(app, { ...ref, index: cloneData(i) }), i)

    // The dropped definition as it is when the drop runs (after renames): backwards re-adds exactly that.
    for (const c of pairs.removed) dropColumn(kept, c, [need.renamed(id)])
  }

  function addColumn(table: TableSnapshot, c: ColumnSnapshot): void {
    const id = table.className
    plan(
      new AddColumn(app, columnParams(table, c)),
      [
        need.table(id),
        need.renamed(id),
        need.columnsRenamed(id),
        need.name(columnSpace(id), c.dbColumnName),
        ...enumNeeds(c),
        ...(c.params.primaryKey ? [need.primaryKeyFree(id)] : []),
        ...pointsAt(c.params.references),
      ],
      [
        need.column(id, c.name),
        need.columns(id),
        ...(c.params.primaryKey || c.params.unique ? [need.key(id, c.name)] : []),
      ],
    )
  }

  /** `table` is named as when the drop runs; the column's foreign key (if any) is followed. */
  function dropColumn(table: TableSnapshot, c: ColumnSnapshot, needs: string[]): void {
    const id = table.className
    const followed = follow(c)
    plan(
      new DropColumn(app, columnParams(table, followed)),
      [...needs, need.unreferenced(id, c.name), need.beforeDrop(id, c.name)],
      [
        need.name(columnSpace(id), c.dbColumnName),
        need.beforeDrop(id),
        ...(c.params.primaryKey ? [need.primaryKeyFree(id)] : []),
        ...(c.columnClass === 'ForeignKey' ? letsGoOf(followed.params.references) : []),
        ...enumGives(c),
        // A generated column goes before the columns its expression names (Postgres refuses otherwise).
        ...table.columns
          .filter((o) => o !== c && c.params.generated !== undefined && sqlMentions(c.params.generated, o.dbColumnName))
          .map((o) => need.beforeDrop(id, o.name)),
      ],
    )
  }

  /** `declaration` is named as in the diff (columns renamed). */
  function dropDeclaration(
    id: string,
    o: DropConstraint | DropIndex,
    declaration: ConstraintSnapshot | IndexSnapshot,
  ): void {
    const key = 'kind' in declaration ? singleKey(declaration) : undefined
    plan(o, key !== undefined ? [need.unreferenced(id, key)] : [], [
      need.oldNames(id),
      need.declarationsDropped(id),
      need.beforeDrop(id),
      ...declaredColumns(declaration).map((c) => need.beforeDrop(id, c)),
      ...('kind' in declaration && declaration.kind === 'primaryKey' ? [need.primaryKeyFree(id)] : []),
    ])
  }

  function addDeclaration(
    id: string,
    o: AddConstraint | AddIndex,
    declaration: ConstraintSnapshot | IndexSnapshot,
  ): void {
    const key = 'kind' in declaration ? singleKey(declaration) : undefined
    const primary = 'kind' in declaration && declaration.kind === 'primaryKey'
    plan(
      o,
      [
        need.table(id),
        need.renamed(id),
        need.columnsRenamed(id),
        need.declarationsDropped(id),
        ...declarationNeeds(id, declaration),
        ...(primary ? [need.primaryKeyFree(id)] : []),
      ],
      key !== undefined ? [need.key(id, key)] : [],
    )
  }

  // A renamed table's rename and move are found first (in files, they come before other renames).
  for (const [a, b] of tablePairs.renames) moveTable(a, b)
  matched.forEach(([a, b], at) => {
    // An unchanged table is skipped, unless something is renamed or one of its foreign keys must let
    // go of a key that goes (see keyLost).
    if (
      unchanged[at] &&
      renamedTables.size === 0 &&
      renamedColumns.size === 0 &&
      !b.columns.some((c) => c.columnClass === 'ForeignKey' && c.params.references && keyLost(c.params.references))
    )
      return
    if (a.className === b.className) moveTable(a, b)
    diffTable(a, b, columnPairs[at]!)
  })

  // New tables: empty tables (listed with the tables they point at first), then their columns and declarations.
  const added = referencedFirst(tablePairs.added, app)
  for (const t of added) {
    plan(
      new AddTable(app, {
        className: t.className,
        tablename: t.tablename,
        schema: schemaParam(t.schema),
        ...(t.comment !== undefined ? { comment: t.comment } : {}),
      }),
      [need.name(tableSpace(t.schema), t.tablename)],
      [need.table(t.className)],
    )
  }
  for (const t of added) {
    for (const c of t.columns) addColumn(t, c)
    const ref = { tableClassName: t.className, tablename: t.tablename }
    for (const c of t.constraints)
      addDeclaration(t.className, new AddConstraint(app, { ...ref, constraint: cloneData(c) }), c)
    for (const i of t.indexes) addDeclaration(t.className, new AddIndex(app, { ...ref, index: cloneData(i) }), i)
  }

  // Dropped tables. A cycle of foreign keys among them is broken by dropping one of its key columns
  // first (one that no key points at): backwards then creates the tables before it adds that column
  // back, as it does for new tables.
  const detached = detachedColumns(tablePairs.removed, app)
  for (const t of tablePairs.removed) {
    const id = t.className
    const gone = new Set(t.columns.filter((c) => detached.has(c)).map((c) => c.name))
    // Declarations on a detached column go before it (and come back after it).
    const goneNames = t.columns.filter((c) => gone.has(c.name)).map((c) => c.dbColumnName)
    const usesGone = (x: ConstraintSnapshot | IndexSnapshot) =>
      declaredColumns(x).some((c) => gone.has(c)) ||
      declarationSql(x).some((sql) => goneNames.some((name) => sqlMentions(sql, name)))
    const ref = { tableClassName: id, tablename: t.tablename }
    for (const c of t.constraints.filter(usesGone))
      dropDeclaration(id, new DropConstraint(app, { ...ref, constraint: cloneData(c) }), c)
    for (const i of t.indexes.filter(usesGone))
      dropDeclaration(id, new DropIndex(app, { ...ref, index: cloneData(i) }), i)
    for (const c of t.columns.filter((c) => gone.has(c.name))) dropColumn(t, c, [])
    const columns = t.columns.filter((c) => !gone.has(c.name))
    plan(
      new DropTable(app, {
        className: id,
        tablename: t.tablename,
        schema: schemaParam(t.schema),
        columns: columns.map((c) => ({ ...cloneData(c), params: orderedParams(cloneData(follow(c).params)) })),
        constraints: cloneData(t.constraints.filter((c) => !usesGone(c))),
        indexes: cloneData(t.indexes.filter((i) => !usesGone(i))),
        ...(t.comment !== undefined ? { comment: t.comment } : {}),
      }),
      [need.unreferenced(id), need.beforeDrop(id)],
      [
        need.name(tableSpace(t.schema), t.tablename),
        ...columns.flatMap((c) => (c.columnClass === 'ForeignKey' ? letsGoOf(follow(c).params.references) : [])),
        ...enumGives(...columns),
      ],
    )
  }

  detectObjects(from, to, app, planned, renamedTables)

  const takenTables = new Set(from.tables.map((t) => need.name(tableSpace(t.schema), t.tablename)))
  const takenColumns = new Map<string, Set<string>>()
  const inUse = (space: string, name: string): boolean => {
    if (takenTables.has(need.name(space, name))) return true
    if (!space.startsWith('column ')) return false
    const id = space.slice('column '.length)
    let names = takenColumns.get(id)
    if (!names) {
      const pair = matched.find(([, b]) => b.className === id)
      names = new Set(pair ? [...pair[0].columns, ...pair[1].columns].map((c) => c.dbColumnName) : [])
      takenColumns.set(id, names)
    }
    return names.has(name)
  }
  return { planned, questions, inUse }
}

/**
 * Key columns of dropped tables to drop before their tables, so that no cycle of foreign keys is
 * left among the tables: of each cycle, one that no key points at, where there is one.
 */
function detachedColumns(removed: readonly TableSnapshot[], app: string): Set<ColumnSnapshot> {
  const detached = new Set<ColumnSnapshot>()
  const remaining = [...removed]
  const liveKeys = () =>
    remaining.flatMap((t) =>
      t.columns
        .filter((c) => c.columnClass === 'ForeignKey' && c.params.references?.app === app && !detached.has(c))
        .map((c) => ({ t, c, ref: c.params.references! })),
    )
  while (remaining.length) {
    const inPlay = new Set(remaining.map((t) => t.className))
    const keys = liveKeys()
    const free = remaining.find((t) => !keys.some((k) => k.t !== t && k.ref.table === t.className))
    if (free) {
      remaining.splice(remaining.indexOf(free), 1)
      continue
    }
    const cyclic = keys.filter((k) => k.ref.table !== k.t.className && inPlay.has(k.ref.table))
    const loose = cyclic.find((k) => !keys.some((o) => o.ref.table === k.t.className && o.ref.column === k.c.name))
    detached.add((loose ?? cyclic[0])!.c)
  }
  return detached
}

/** New tables listed with the tables they point at first, so a file reads top-down (cycles keep declaration order). */
function referencedFirst(tables: TableSnapshot[], app: string): TableSnapshot[] {
  const byName = new Map(tables.map((t) => [t.className, t]))
  const out: TableSnapshot[] = []
  const seen = new Set<string>()
  const visit = (t: TableSnapshot) => {
    if (seen.has(t.className)) return
    seen.add(t.className)
    for (const c of t.columns) {
      const ref = c.params.references
      const target = ref && ref.app === app ? byName.get(ref.table) : undefined
      if (target) visit(target)
    }
    out.push(t)
  }
  tables.forEach(visit)
  return out
}
