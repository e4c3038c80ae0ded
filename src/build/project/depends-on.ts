/**
 * What a new migration needs of other apps (its `DEPENDS_ON`, SPEC §3):
 * - the apps whose tables it points a foreign key at: their migration that last touched that table
 *   in this save, else their latest one;
 * - when it drops or renames a table (or a key column of one) that another app's migrations pointed
 *   a foreign key at: that app's latest migration, which has let go of it or still follows it.
 * Two new migrations that would need each other (`auth` drops a table `blog` lets go of, while `blog`
 * points at a table `auth` adds) are resolved as Django does: the needing operations of the first
 * go into a second migration of its app, after the other.
 */
import { migrationKey, migrationOrder } from '../../core/migration-graph.js'
import { AutoMigrationsError } from '../../errors.js'
import { foreignKeyTarget } from '../../core/postgres/ddl.js'
import type { ForeignKeyTarget } from '../../core/state/snapshot.js'
import type { Operation } from '../../core/operations/index.js'
import type { AppState, ProjectState } from './project-state.js'
import { renamesOf, targetOf } from './references.js'

/** A migration to write: the app's new ID, what it runs, what it needs. */
export interface Draft {
  app: AppState
  id: string
  operations: readonly Operation[]
  dependsOn: Record<string, string>
}

/** The table an operation drops, renames or changes a column of (in its own app), if any. */
function lettingGo(o: Operation): { table: string; column?: string } | undefined {
  const p = o.params as { className?: string; oldClassName?: string; tableClassName?: string }
  if (o.kind === 'dropTable') return { table: p.className! }
  if (o.kind === 'renameTable') return { table: p.oldClassName! }
  if (o.kind === 'dropColumn' || o.kind === 'alterColumn')
    return { table: p.tableClassName!, column: (o.params as { columnName: string }).columnName }
  if (o.kind === 'renameColumn')
    return { table: p.tableClassName!, column: (o.params as { oldColumnName: string }).oldColumnName }
  return undefined
}

/** Tables (class names) of its app that an operation touches. */
function touched(o: Operation): string[] {
  const p = o.params as { className?: string; oldClassName?: string; newClassName?: string; tableClassName?: string }
  return [p.className, p.oldClassName, p.newClassName, p.tableClassName].filter((t): t is string => t !== undefined)
}

/** Tables (class names) of its app that an operation creates or changes, and so may be pointed at after it. */
function builds(o: Operation): string[] {
  if (o.kind === 'dropTable') return []
  const p = o.params as { className?: string; newClassName?: string; tableClassName?: string }
  return [p.className, p.newClassName, p.tableClassName].filter((t): t is string => t !== undefined)
}

/**
 * Whether an operation changes what a foreign key at `target` points at: its table, its key column
 * or the table's constraints; not another column of it, which a split may leave for later.
 */
function shapesTarget(o: Operation, target: ForeignKeyTarget): boolean {
  if (!builds(o).includes(target.table)) return false
  const p = o.params as { columnName?: string; oldColumnName?: string; newColumnName?: string }
  const columns = [p.columnName, p.oldColumnName, p.newColumnName].filter((c): c is string => c !== undefined)
  return columns.length === 0 || columns.includes(target.column)
}

/** Whether an operation gives its app's table `table` (or its column `column`) that name. */
function introduces(o: Operation, table: string, column: string): boolean {
  const p = o.params as { className?: string; newClassName?: string; tableClassName?: string }
  if (o.kind === 'addTable') return p.className === table
  if (o.kind === 'renameTable') return p.newClassName === table
  if (p.tableClassName !== table) return false
  if (o.kind === 'addColumn') return (o.params as { columnName: string }).columnName === column
  if (o.kind === 'renameColumn') return (o.params as { newColumnName: string }).newColumnName === column
  return false
}

/**
 * Every foreign key target an operation names: the one it points (add or alter a column), and those
 * in the columns it drops or removes, which must exist under those names where it runs.
 */
function mentions(o: Operation): ForeignKeyTarget[] {
  const direct = targetOf(o)
  const found: ForeignKeyTarget[] = direct ? [direct] : []
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return
    if (Array.isArray(value)) {
      for (const v of value) walk(v)
      return
    }
    const record = value as Record<string, unknown>
    const ref = record.references as ForeignKeyTarget | null | undefined
    if (ref && typeof ref.app === 'string' && ref !== direct) found.push(ref)
    for (const v of Object.values(record)) walk(v)
  }
  walk(o.params)
  return found
}

/**
 * Whether a foreign key target (named as it was when recorded) is the table, or its column, that an
 * operation of `app` lets go of now: follows the app's renames of tables and columns, newest first,
 * its history's then this save's. (Names reused by another table may match too: one more dependency.)
 */
function formerNames(app: AppState, drafts: readonly Draft[]) {
  const renames = [...app.renames, ...drafts.filter((d) => d.app === app).flatMap((d) => renamesOf(d.operations))]
  return (table: string, column: string | undefined) => {
    const tables = new Set([table])
    const columns = new Set(column === undefined ? [] : [JSON.stringify([table, column])])
    for (const r of [...renames].reverse()) {
      if ('newTable' in r) {
        if (tables.has(r.newTable)) tables.add(r.table)
        for (const key of [...columns]) {
          const [t, c] = JSON.parse(key) as [string, string]
          if (t === r.newTable) columns.add(JSON.stringify([r.table, c]))
        }
      } else if (columns.has(JSON.stringify([r.table, r.newColumn]))) columns.add(JSON.stringify([r.table, r.column]))
    }
    return (target: ForeignKeyTarget | undefined) =>
      target !== undefined &&
      tables.has(target.table) &&
      (column === undefined || columns.has(JSON.stringify([target.table, target.column])))
  }
}

/**
 * Gives each draft its `DEPENDS_ON`, splitting a draft in two where two drafts of this save would
 * need each other. `drafts` are in app order, each app's in ID order; `nextId` gives an app a new,
 * later ID for the second half of a split.
 * @throws `MIGRATION_CYCLE` when splitting does not resolve it (nothing is written then).
 */
export function resolveDependencies(
  replayed: ProjectState,
  drafts: Draft[],
  nextId: (app: AppState, taken: readonly string[]) => string,
): Draft[] {
  const latest = new Map(replayed.apps.map((a) => [a.app.name, a.migrations.at(-1)?.id]))
  // Foreign keys the operations point at other apps' tables: the draft of this save that last
  // touched that table (drafts of earlier apps come first), else that app's latest migration.
  const forwardNeeds = (app: string, operations: readonly Operation[], before: readonly Draft[]) => {
    const needs: Record<string, string> = {}
    for (const o of operations) {
      const pointer = targetOf(o)
      for (const target of mentions(o)) {
        if (target.app === app) continue
        // A new pointer needs the latest change of its table but for its other columns; a name in
        // what is dropped only needs the migration that gave the table or column that name (the
        // rest was there already).
        const needed = (t: Operation) =>
          target === pointer ? shapesTarget(t, target) : introduces(t, target.table, target.column)
        const touching = before.filter((d) => d.app.app.name === target.app && d.operations.some(needed))
        addNeed(
          needs,
          app,
          target.app,
          touching.at(-1)?.id ?? (target === pointer ? latest.get(target.app) : undefined),
        )
      }
    }
    return needs
  }
  const out: Draft[] = []
  for (const draft of drafts) {
    draft.dependsOn = forwardNeeds(draft.app.app.name, draft.operations, out)
    out.push(draft)
  }
  // Drops and renames of what other apps' migrations pointed at: those apps' latest migrations,
  // including the drafts after this one. Checked once every draft has its forward needs.
  const result: Draft[] = []
  const lastPart = new Map<string, string>()
  for (const [at, draft] of out.entries()) {
    const app = draft.app.app.name
    const names = formerNames(draft.app, drafts)
    const newer = (other: string) => out.filter((d) => d.app.app.name === other).at(-1)?.id ?? latest.get(other)
    const held: Operation[] = []
    const kept: Operation[] = []
    const keptNeeds: Record<string, string> = {}
    const later: Record<string, string> = {}
    // Tables of this draft that drafts of this save point foreign keys at.
    const needed = new Set(
      out.flatMap((d) =>
        d.dependsOn[app] === draft.id
          ? d.operations.flatMap((o) => (targetOf(o)?.app === app ? [targetOf(o)!.table] : []))
          : [],
      ),
    )
    const heldTables = new Set<string>()
    for (const o of draft.operations) {
      const gone = lettingGo(o)
      const dependents = gone ? pointedAtBy(replayed, out, app, names(gone.table, gone.column)) : []
      // A rename keeps foreign keys (Postgres follows it), so only the other app's migrations written
      // before it, which name the old table, must come first; this save's are written after it.
      const renames = o.kind === 'renameTable' || o.kind === 'renameColumn'
      const wanted = dependents
        .map((other) => [other, renames ? latest.get(other) : newer(other)] as const)
        .filter(([, id]) => id !== undefined)
      // What a draft of this save needs of this one cannot wait for that draft: it goes second,
      // with every operation after it (they may build on it, or on what it frees), except those
      // building a table that draft points at.
      const cyclic = wanted.some(([other, id]) => needsDraft(out, other, id!, app, draft.id))
      const tables = touched(o)
      // Kept ahead only when it needs nothing held: neither a held table nor a key of one it points at.
      const pointer = targetOf(o)
      const pointsAtHeld = pointer?.app === app && heldTables.has(pointer.table)
      const buildsNeeded = tables.some((t) => needed.has(t)) && !tables.some((t) => heldTables.has(t)) && !pointsAtHeld
      if (cyclic || (held.length > 0 && !buildsNeeded)) {
        held.push(o)
        for (const t of tables) heldTables.add(t)
        for (const [other, id] of wanted) addNeed(later, app, other, id)
      } else {
        kept.push(o)
        for (const [other, id] of wanted) addNeed(keptNeeds, app, other, id)
      }
    }
    if (held.length === 0) {
      result.push({ ...draft, dependsOn: mergeNeeds(forwardNeeds(app, draft.operations, result), keptNeeds) })
      continue
    }
    // The drafts that need this one must find what they point at in the first half.
    const neededLater = out.some(
      (d) =>
        d.dependsOn[app] === draft.id &&
        d.operations.some((o) => {
          const target = targetOf(o)
          return target?.app === app && !kept.some((k) => touched(k).includes(target.table))
        }),
    )
    // Whether the halves still apply in their new order is checked with every draft at the end.
    if (kept.length === 0 || neededLater) throw cycleError(draft, later)
    // Earlier apps' drafts, as split: what these halves point at may be in either half of one.
    const before = [...result]
    const second: Draft = {
      app: draft.app,
      id: nextId(draft.app, [...out.filter((d) => d.app === draft.app).map((d) => d.id)]),
      operations: held,
      dependsOn: mergeNeeds(forwardNeeds(app, held, before), later),
    }
    result.push(
      { ...draft, operations: kept, dependsOn: mergeNeeds(forwardNeeds(app, kept, before), keptNeeds) },
      second,
    )
    lastPart.set(migrationKey(app, draft.id), second.id)
  }
  // What a later app lets go of may be in the second half of its split: need that one.
  const rank = new Map(replayed.apps.map((a, i) => [a.app.name, i]))
  for (const draft of result) {
    const app = draft.app.app.name
    for (const [other, id] of Object.entries(draft.dependsOn))
      if (rank.get(other)! > rank.get(app)!) draft.dependsOn[other] = lastPart.get(migrationKey(other, id)) ?? id
  }
  // Only a draft that needs a later app's draft of this save (or a split) changes the order in which
  // the drafts were diffed; otherwise they apply as diffed, and the save path skips the check.
  const drafted = new Set(result.map((d) => migrationKey(d.app.app.name, d.id)))
  const reordered = result.some((d) =>
    Object.entries(d.dependsOn).some(
      ([other, id]) => rank.get(other)! > rank.get(d.app.app.name)! && drafted.has(migrationKey(other, id)),
    ),
  )
  if (reordered || lastPart.size > 0) assertBuildable(replayed, result)
  return result
}

/**
 * The drafts must order (no cycle with each other or the history) and apply in that order to the
 * project's schema: a history that cannot build a new database is never written.
 */
function assertBuildable(replayed: ProjectState, drafts: readonly Draft[]): void {
  if (drafts.length === 0) return
  const apps = replayed.apps.map((a) => a.app)
  const refuse = (draft: Draft, why: string) => {
    const names = [...new Set(drafts.map((d) => `"${d.app.app.name}"`))].join(', ')
    return new AutoMigrationsError(
      'MIGRATION_CYCLE',
      `The new migrations of ${names} cannot be ordered so that each applies (${draft.app.app.name} ${draft.id}: ${why}). ` +
        'Make the change in two steps: first let go of what is dropped or renamed, then the rest.',
      { app: draft.app.app.name, migrationId: draft.id },
    )
  }
  const existing = replayed.apps.flatMap((a) =>
    a.migrations.map((m) => ({
      app: a.app.name,
      id: m.id,
      dependsOn: m.dependsOn,
      replaces: m.replaces,
      file: m.file,
    })),
  )
  const mine = new Map(drafts.map((d) => [migrationKey(d.app.app.name, d.id), d]))
  let order: { app: string; id: string }[]
  try {
    order = migrationOrder(apps, [
      ...existing,
      ...drafts.map((d) => ({ app: d.app.app.name, id: d.id, dependsOn: d.dependsOn })),
    ])
  } catch (error) {
    throw refuse(drafts[0]!, error instanceof Error ? error.message : String(error))
  }
  const state = replayed.state.clone()
  for (const m of order) {
    const draft = mine.get(migrationKey(m.app, m.id))
    if (!draft) continue
    try {
      for (const o of draft.operations) {
        // A foreign key's target must exist where it runs (its SQL resolves it then).
        const pointer = targetOf(o)
        if (pointer) foreignKeyTarget({ references: pointer }, state)
        o.apply(state)
      }
    } catch (error) {
      throw refuse(draft, error instanceof Error ? error.message : String(error))
    }
  }
}

/** Records that `app` needs `other`'s migration `id` (the latest one named wins). */
function addNeed(needs: Record<string, string>, app: string, other: string, id: string | undefined): void {
  if (other !== app && id !== undefined && (needs[other] ?? '') < id) needs[other] = id
}

function mergeNeeds(a: Record<string, string>, b: Record<string, string>): Record<string, string> {
  const out = { ...a }
  for (const [other, id] of Object.entries(b)) if ((out[other] ?? '') < id) out[other] = id
  return Object.fromEntries(Object.entries(out).sort(([x], [y]) => (x < y ? -1 : 1)))
}

/** Apps (other than `app`) whose migrations, or drafts, point a foreign key at `app`'s table (one of `names`). */
function pointedAtBy(
  replayed: ProjectState,
  drafts: readonly Draft[],
  app: string,
  isGone: (target: ForeignKeyTarget | undefined) => boolean,
): string[] {
  const apps = new Set<string>()
  const hits = (target: ForeignKeyTarget | null | undefined) => target?.app === app && isGone(target)
  for (const r of replayed.references) if (r.app !== app && hits(r.target)) apps.add(r.app)
  for (const d of drafts)
    if (d.app.app.name !== app && d.operations.some((o) => hits(targetOf(o)))) apps.add(d.app.app.name)
  // Foreign keys that point at it now (state follows renames, so under its current names).
  for (const t of replayed.state.tables.values())
    if (t.app !== app && t.columns.some((c) => hits(c.params.references))) apps.add(t.app)
  return [...apps].sort()
}

/** True when the draft `other`/`id` needs the draft `app`/`id` (through its DEPENDS_ON). */
function needsDraft(drafts: readonly Draft[], other: string, id: string, app: string, draftId: string): boolean {
  const d = drafts.find((x) => x.app.app.name === other && x.id === id)
  return d !== undefined && (d.dependsOn[app] ?? '') >= draftId
}

function cycleError(draft: Draft, later: Readonly<Record<string, string>>): AutoMigrationsError {
  const app = draft.app.app.name
  const others = Object.entries(later)
    .map(([a, id]) => `${a} ${id}`)
    .join(', ')
  return new AutoMigrationsError(
    'MIGRATION_CYCLE',
    `The new migration of app "${app}" and ${others} would need each other. ` +
      `Write them one at a time: npx auto-migrations new <app> --auto for the app that lets go first.`,
    {
      app,
      migrationId: draft.id,
      cycle: [migrationKey(app, draft.id), ...Object.entries(later).map(([a, id]) => migrationKey(a, id))],
    },
  )
}
