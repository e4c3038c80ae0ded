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
import { migrationKey } from '../../core/migration-graph.js'
import { AutoMigrationsError } from '../../errors.js'
import type { Operation } from '../../core/operations/index.js'
import type { AppState, ProjectState } from './history.js'
import { targetOf } from './references.js'

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

/** Every class name a table of `app` has had, for each name it has (following its renames). */
function formerNames(app: AppState, drafts: readonly Draft[]): (table: string) => Set<string> {
  const renames = [...app.renamedTables]
  for (const d of drafts) {
    if (d.app !== app) continue
    for (const o of d.operations) {
      if (o.kind !== 'renameTable') continue
      const p = o.params as { oldClassName: string; newClassName: string }
      renames.push([p.oldClassName, p.newClassName])
    }
  }
  return (table) => {
    const names = new Set([table])
    for (let grew = true; grew; ) {
      grew = false
      for (const [from, to] of renames)
        if (names.has(to) && !names.has(from)) {
          names.add(from)
          grew = true
        }
    }
    return names
  }
}

/**
 * Gives each draft its `DEPENDS_ON`, splitting a draft in two where two drafts of this save would
 * need each other. `drafts` are in app order, each app's in ID order; `nextId` gives an app a new,
 * later ID for the second half of a split.
 * @throws `MIGRATION_CYCLE` when splitting does not resolve it (nothing is written then).
 */
export function resolveDependencies(
  history: ProjectState,
  drafts: Draft[],
  nextId: (app: AppState, taken: readonly string[]) => string,
): Draft[] {
  const latest = new Map(history.apps.map((a) => [a.app.name, a.migrations.at(-1)?.id]))
  const out: Draft[] = []
  for (const draft of drafts) {
    const app = draft.app.app.name
    const needs = new Map<string, string>()
    const need = (other: string, id: string | undefined) => {
      if (other !== app && id !== undefined && (needs.get(other) ?? '') < id) needs.set(other, id)
    }
    // Foreign keys it points at other apps' tables.
    for (const o of draft.operations) {
      const target = targetOf(o)
      if (!target || target.app === app) continue
      const touching = out.filter(
        (d) => d.app.app.name === target.app && d.operations.some((t) => touched(t).includes(target.table)),
      )
      need(target.app, touching.at(-1)?.id ?? latest.get(target.app))
    }
    draft.dependsOn = Object.fromEntries(needs)
    out.push(draft)
  }
  // Drops and renames of what other apps' migrations pointed at: those apps' latest migrations,
  // including the drafts after this one. Checked once every draft has its forward needs.
  const result: Draft[] = []
  for (const draft of out) {
    const app = draft.app.app.name
    const names = formerNames(draft.app, drafts)
    const newer = (other: string) => out.filter((d) => d.app.app.name === other).at(-1)?.id ?? latest.get(other)
    const held: Operation[] = []
    const kept: Operation[] = []
    const later = new Map<string, string>()
    for (const o of draft.operations) {
      const gone = lettingGo(o)
      const dependents = gone ? pointedAtBy(history, out, app, names(gone.table), gone.column) : []
      const wanted = dependents.map((other) => [other, newer(other)] as const).filter(([, id]) => id !== undefined)
      // What a draft of this save needs of this one cannot wait for that draft: it goes second.
      const cyclic = wanted.some(([other, id]) => needsDraft(out, other, id!, app, draft.id))
      if (wanted.length > 0 && cyclic) {
        held.push(o)
        for (const [other, id] of wanted) later.set(other, id!)
      } else {
        kept.push(o)
        for (const [other, id] of wanted)
          if (other !== app && (draft.dependsOn[other] ?? '') < id!) draft.dependsOn[other] = id!
      }
    }
    if (held.length === 0) {
      result.push(draft)
      continue
    }
    if (kept.length === 0) throw cycleError(draft, later)
    const second: Draft = {
      app: draft.app,
      id: nextId(draft.app, [...out.filter((d) => d.app === draft.app).map((d) => d.id)]),
      operations: held,
      dependsOn: Object.fromEntries(later),
    }
    result.push({ ...draft, operations: kept }, second)
  }
  return result
}

/** Apps (other than `app`) whose migrations, or drafts, point a foreign key at `app`'s table (one of `names`). */
function pointedAtBy(
  history: ProjectState,
  drafts: readonly Draft[],
  app: string,
  names: ReadonlySet<string>,
  column: string | undefined,
): string[] {
  const apps = new Set<string>()
  const hits = (target: { app: string; table: string; column: string } | undefined) =>
    target !== undefined &&
    target.app === app &&
    names.has(target.table) &&
    (column === undefined || target.column === column)
  for (const r of history.references) if (r.app !== app && hits(r.target)) apps.add(r.app)
  for (const d of drafts)
    if (d.app.app.name !== app && d.operations.some((o) => hits(targetOf(o)))) apps.add(d.app.app.name)
  // Foreign keys that point at it now (a column renamed since may be pointed at under its new name).
  for (const t of history.state.tables.values())
    if (t.app !== app && t.columns.some((c) => hits(c.params.references))) apps.add(t.app)
  return [...apps].sort()
}

/** True when the draft `other`/`id` needs the draft `app`/`id` (through its DEPENDS_ON). */
function needsDraft(drafts: readonly Draft[], other: string, id: string, app: string, draftId: string): boolean {
  const d = drafts.find((x) => x.app.app.name === other && x.id === id)
  return d !== undefined && (d.dependsOn[app] ?? '') >= draftId
}

function cycleError(draft: Draft, later: ReadonlyMap<string, string>): AutoMigrationsError {
  const app = draft.app.app.name
  const others = [...later].map(([a, id]) => `${a} ${id}`).join(', ')
  return new AutoMigrationsError(
    'MIGRATION_CYCLE',
    `The new migration of app "${app}" and ${others} would need each other. ` +
      `Write them one at a time: npx auto-migrations new <app> --auto for the app that lets go first.`,
    {
      app,
      migrationId: draft.id,
      cycle: [migrationKey(app, draft.id), ...[...later].map(([a, id]) => migrationKey(a, id))],
    },
  )
}
