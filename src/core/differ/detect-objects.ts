/**
 * What changed in an app's extensions, views, functions and triggers, compared by their normalised
 * SQL text (see state/sql-text.ts), with what each operation needs and gives (order.ts). Also puts
 * a view aside around a change of a column it reads that Postgres refuses under it (a new type, a
 * drop): the view is dropped before and created again after. Pure.
 */
import {
  AddExtension,
  AddFunction,
  AddTrigger,
  AddView,
  ChangeFunction,
  ChangeTrigger,
  ChangeView,
  DropExtension,
  DropFunction,
  DropTrigger,
  DropView,
  type Operation,
  type TriggerParams,
  type ViewParams,
} from '../operations/index.js'
import {
  cloneData,
  type FunctionSnapshot,
  objectKey,
  type SchemaObjectSnapshot,
  type SnapshotData,
  sameValue,
  stableStringify,
  type TableSnapshot,
  type TriggerSnapshot,
  type ViewSnapshot,
} from '../state/snapshot.js'
import { sql } from '../state/sql.js'
import { sameSql, sqlMentions } from '../state/sql-text.js'
import { need, type Planned } from './order.js'

/** Column params whose change makes Postgres refuse the column under a view (a new type). */
const TYPE_PARAMS = ['columnClass', 'length', 'digits', 'enum', 'base', 'collation']

/** Operations on tables that may call a function (in a default, a check, an index expression)… */
const TABLE_ADDS: readonly string[] = ['addColumn', 'alterColumn', 'addConstraint', 'addIndex', 'addTable']
/** …and that stop calling it. */
const TABLE_DROPS: readonly string[] = ['dropColumn', 'alterColumn', 'dropConstraint', 'dropIndex', 'dropTable']

/** Whether an operation's definition calls function `name` (`name(`, any case). */
function calls(operation: Operation, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|[^a-zA-Z0-9_$])${escaped}\\s*\\(`, 'i').test(stableStringify(operation.params))
}

const objectsOf = (data: SnapshotData, app: string) =>
  new Map((data.objects ?? []).filter((o) => o.app === app).map((o) => [objectKey(o), o]))

function viewParams(v: ViewSnapshot): ViewParams {
  return {
    className: v.className,
    viewname: v.viewname,
    schema: v.schema === 'public' ? undefined : v.schema,
    materialized: v.materialized || undefined,
    query: sql(v.query),
    indexes: v.indexes.length ? cloneData(v.indexes) : undefined,
  }
}

function triggerParams(t: TriggerSnapshot): TriggerParams {
  return {
    tableClassName: t.table,
    name: t.name,
    timing: t.timing,
    events: [...t.events],
    function: t.function,
    forEach: t.forEach,
    when: t.when === null ? undefined : sql(t.when),
  }
}

const sameTrigger = (a: TriggerSnapshot, b: TriggerSnapshot) =>
  a.timing === b.timing &&
  sameValue(a.events, b.events) &&
  a.function === b.function &&
  a.forEach === b.forEach &&
  (a.when === b.when || (a.when !== null && b.when !== null && sameSql(a.when, b.when)))

/**
 * Plans the app's object operations into `planned`, after its tables' operations are planned.
 * `renamedTables` maps old class names to new ones: a trigger follows its table's rename.
 */
export function detectObjects(
  from: SnapshotData,
  to: SnapshotData,
  app: string,
  planned: Planned[],
  renamedTables: ReadonlyMap<string, string>,
): void {
  const plan = (operation: Operation, needs: string[], gives: string[]) => planned.push({ operation, needs, gives })
  const followed = (o: SchemaObjectSnapshot): SchemaObjectSnapshot =>
    o.kind === 'trigger' && renamedTables.has(o.table) ? { ...o, table: renamedTables.get(o.table)! } : o
  const before = new Map([...objectsOf(from, app).values()].map((o) => [objectKey(followed(o)), followed(o)]))
  const after = objectsOf(to, app)
  const fromTables = from.tables.filter((t) => t.app === app)
  const toTables = to.tables.filter((t) => t.app === app)
  const functionsIn = (data: Map<string, SchemaObjectSnapshot>) =>
    [...data.values()].filter((o): o is FunctionSnapshot => o.kind === 'function')
  const viewsIn = (data: Map<string, SchemaObjectSnapshot>) =>
    [...data.values()].filter((o): o is ViewSnapshot => o.kind === 'view')

  /** The tables, views and functions (of this app) a view's query names. */
  const readBy = (view: ViewSnapshot, tables: TableSnapshot[], objects: Map<string, SchemaObjectSnapshot>) => ({
    tables: tables.filter((t) => sqlMentions(view.query, t.tablename)),
    views: viewsIn(objects).filter((v) => v !== view && sqlMentions(view.query, v.viewname)),
    functions: functionsIn(objects).filter((f) => sqlMentions(view.query, f.name)),
  })
  const viewNeeds = (view: ViewSnapshot) => {
    const read = readBy(view, toTables, after)
    return [
      ...read.tables.flatMap((t) => [
        need.table(t.className),
        need.renamed(t.className),
        need.columnsRenamed(t.className),
        need.columns(t.className),
      ]),
      ...read.views.map((v) => need.view(v.className)),
      ...read.functions.map((f) => need.function(f.name)),
    ]
  }
  const viewGivesOnDrop = (view: ViewSnapshot) => {
    const read = readBy(view, fromTables, before)
    return [
      ...read.tables.flatMap((t) => [
        need.beforeDrop(t.className),
        ...t.columns
          .filter((c) => sqlMentions(view.query, c.dbColumnName))
          .map((c) => need.beforeDrop(t.className, c.name)),
      ]),
      ...read.views.map((v) => need.viewUnused(v.className)),
      ...read.functions.map((f) => need.functionUnused(f.name)),
    ]
  }

  // Views that a column change of this migration needs out of the way: each such change waits for them.
  const aside = new Set<string>()
  for (const p of planned) {
    const o = p.operation
    const params = o.params as { tableClassName?: string; dbColumnName?: string; params?: Record<string, unknown> }
    const refused =
      o.kind === 'dropColumn' ||
      (o.kind === 'alterColumn' && TYPE_PARAMS.some((k) => params.params !== undefined && k in params.params))
    const table = fromTables.find((t) => t.className === params.tableClassName)
    if (!refused || !table || params.dbColumnName === undefined) continue
    for (const view of viewsIn(before)) {
      if (!sqlMentions(view.query, table.tablename) || !sqlMentions(view.query, params.dbColumnName)) continue
      aside.add(view.className)
      p.needs.push(need.viewAside(view.className))
      p.gives.push(need.viewBack(view.className))
    }
  }
  // A default, check or index expression that calls a function of the app: the function is made
  // first, and goes only after them.
  const functionsBefore = new Set(functionsIn(before).map((f) => f.name))
  for (const f of functionsIn(after)) {
    if (functionsBefore.has(f.name)) continue
    for (const p of planned)
      if (TABLE_ADDS.includes(p.operation.kind) && calls(p.operation, f.name)) p.needs.push(need.function(f.name))
  }
  for (const f of functionsIn(before)) {
    if (after.has(objectKey(f))) continue
    for (const p of planned)
      if (TABLE_DROPS.includes(p.operation.kind) && calls(p.operation, f.name))
        p.gives.push(need.functionUnused(f.name))
  }

  // A view that reads a view put aside goes aside too (Postgres refuses to drop a view another reads);
  // the order follows from what each reads.
  for (let grew = aside.size > 0; grew; ) {
    grew = false
    for (const view of viewsIn(before)) {
      if (aside.has(view.className)) continue
      if (!viewsIn(before).some((v) => aside.has(v.className) && sqlMentions(view.query, v.viewname))) continue
      aside.add(view.className)
      grew = true
    }
  }

  for (const [key, was] of before) {
    const now = after.get(key)
    if (was.kind === 'extension' && !now) plan(new DropExtension(app, { name: was.name }), [], [])
    if (was.kind === 'function' && !now)
      plan(new DropFunction(app, { name: was.name, sql: sql(was.sql) }), [need.functionUnused(was.name)], [])
    if (was.kind === 'trigger' && !now)
      // Named as after a rename of its table (see followTriggers): it waits for the rename.
      plan(
        new DropTrigger(app, triggerParams(was)),
        [need.renamed(was.table)],
        [need.functionUnused(was.function), need.beforeDrop(was.table)],
      )
    if (was.kind === 'view') {
      const replaced =
        now?.kind === 'view' &&
        (now.materialized !== was.materialized || now.viewname !== was.viewname || now.schema !== was.schema)
      if (!now || replaced || aside.has(was.className))
        plan(
          new DropView(app, viewParams(was)),
          [need.viewUnused(was.className)],
          [...viewGivesOnDrop(was), need.viewAside(was.className)],
        )
    }
  }

  for (const [key, now] of after) {
    const was = before.get(key)
    if (now.kind === 'extension' && !was)
      plan(new AddExtension(app, { name: now.name }), [], [need.extension(now.name)])
    if (now.kind === 'function') {
      if (!was) plan(new AddFunction(app, { name: now.name, sql: sql(now.sql) }), [], [need.function(now.name)])
      else if (was.kind === 'function' && !sameSql(was.sql, now.sql))
        plan(
          new ChangeFunction(app, { name: now.name, sql: sql(now.sql), oldSql: sql(was.sql) }),
          [],
          [need.function(now.name)],
        )
    }
    if (now.kind === 'trigger') {
      const needs = [
        need.table(now.table),
        need.renamed(now.table),
        need.columnsRenamed(now.table),
        need.columns(now.table),
        need.function(now.function),
      ]
      if (!was) plan(new AddTrigger(app, triggerParams(now)), needs, [])
      else if (was.kind === 'trigger' && !sameTrigger(was, now)) {
        const { tableClassName: _t, name: _n, ...old } = triggerParams(was)
        plan(new ChangeTrigger(app, { ...triggerParams(now), old }), needs, [need.functionUnused(was.function)])
      }
    }
    if (now.kind === 'view') {
      const needs = viewNeeds(now)
      const dropped =
        !was ||
        (was.kind === 'view' &&
          (now.materialized !== was.materialized ||
            now.viewname !== was.viewname ||
            now.schema !== was.schema ||
            aside.has(now.className)))
      if (dropped)
        plan(new AddView(app, viewParams(now)), [...needs, need.viewBack(now.className)], [need.view(now.className)])
      else if (was.kind === 'view' && (!sameSql(was.query, now.query) || !sameValue(was.indexes, now.indexes))) {
        const params = viewParams(now)
        plan(new ChangeView(app, { ...params, oldQuery: sql(was.query), oldIndexes: viewParams(was).indexes }), needs, [
          need.view(now.className),
          ...viewGivesOnDrop(was),
        ])
      }
    }
  }
}
