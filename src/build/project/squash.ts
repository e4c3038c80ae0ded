/**
 * Squashing (SPEC §8, Django's `squashmigrations`): one migration that builds what a run of an app's
 * migrations builds, exporting `REPLACES` with their IDs. Its operations are the differ's, from the
 * schema before the run to the schema after it, and are checked to replay to the same schema. Its ID
 * follows the run's last one, so it takes the run's place among the app's migrations.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { diffApp } from '../../core/differ/diff.js'
import { emptyAnswers } from '../../core/differ/renames.js'
import { MigrationGraph, withoutReplaced } from '../../core/migration-graph.js'
import { replay } from '../../core/operations/replay.js'
import type { Operation } from '../../core/operations/index.js'
import { canonicalSnapshot, type SnapshotData, stableStringify, tableKey } from '../../core/state/snapshot.js'
import { AutoMigrationsError } from '../../errors.js'
import { microsToMigrationId, migrationFileName, migrationIdToMicros, renderMigration } from '../writer/index.js'
import type { FileMigration, ProjectState, RecordedAppState } from './project-state.js'

export interface SquashPlan {
  app: string
  id: string
  file: string
  /** The rendered file. */
  text: string
  /** The migrations of the run, in order. */
  replaced: FileMigration[]
  /** Every ID the new migration replaces (those of the run, and what squashed ones among them replace). */
  replaces: string[]
  operationCount: number
}

/** Operations the differ cannot produce again: their effect is data or SQL it does not read. */
const OPAQUE_KINDS = new Set(['sql', 'raw'])

function refuse(app: string, message: string, details: Record<string, unknown> = {}): AutoMigrationsError {
  return new AutoMigrationsError('SQUASH_REFUSED', message, { app, ...details })
}

function findIn(migrations: readonly FileMigration[], wanted: string, app: string): number {
  const at = migrations.findIndex(
    (m) =>
      m.id === wanted || path.basename(m.file) === wanted || path.basename(m.file, path.extname(m.file)) === wanted,
  )
  if (at < 0)
    throw new AutoMigrationsError(
      'UNKNOWN_MIGRATION',
      `App "${app}" has no migration ${wanted} (squashed ones included). Its migrations are: ${migrations.map((m) => m.id).join(', ')}.`,
      { app, migrationId: wanted },
    )
  return at
}

/** The app's tables and enums of a snapshot, compared as stable text (columns in any order). */
function appSchema(data: SnapshotData, app: string): string {
  const canonical = canonicalSnapshot(data)
  return stableStringify({
    tables: canonical.tables.filter((t) => t.app === app),
    enums: canonical.enums.filter((e) => e.app === app),
  })
}

interface ColumnParamsOf {
  tableClassName?: string
  className?: string
  columnName?: string
  params?: { references?: { app: string; table: string; column: string } }
}

const paramsOf = (o: Operation) => o.params as ColumnParamsOf

/**
 * The differ adds a table's foreign key columns after its other columns; a squash puts each table's
 * new columns back in the order the replaced migrations left them, so a new database gets the same
 * column order as an old one. A table whose foreign keys could then come before what they point at
 * keeps the differ's order.
 */
function inPhysicalOrder(operations: readonly Operation[], after: SnapshotData): Operation[] {
  const out = [...operations]
  const positions = new Map<string, number[]>()
  out.forEach((o, i) => {
    if (o.kind !== 'addColumn') return
    const key = tableKey(o.app, paramsOf(o).tableClassName!)
    positions.set(key, [...(positions.get(key) ?? []), i])
  })
  for (const [key, at] of positions) {
    const table = after.tables.find((t) => tableKey(t.app, t.className) === key)
    if (!table || at.length < 2) continue
    const rank = (o: Operation) => table.columns.findIndex((c) => c.name === paramsOf(o).columnName)
    const sorted = at.map((i) => out[i]!).sort((a, b) => rank(a) - rank(b))
    const moved = [...out]
    at.forEach((i, n) => {
      moved[i] = sorted[n]!
    })
    // Nothing the foreign key points at may come after it: the target table, or on its own table the target column.
    const targetReady = (i: number): boolean => {
      const target = paramsOf(moved[i]!).params?.references
      if (!target) return true
      const own = tableKey(target.app, target.table) === key
      const blocks = (o: Operation) => {
        const p = paramsOf(o)
        if (o.app !== target.app || (p.tableClassName ?? p.className) !== target.table) return false
        return !own || o.kind !== 'addColumn' || p.columnName === target.column
      }
      return !moved.slice(i + 1).some(blocks)
    }
    if (at.every(targetReady)) out.splice(0, out.length, ...moved)
  }
  return out
}

/**
 * Plans the squash of `app`'s migrations from `from` to `to` (IDs or file names; default: all).
 * @throws `SQUASH_REFUSED` when the run has fewer than two migrations, holds raw SQL or functions,
 *   or would have to cross another app's migration in the graph; `UNKNOWN_MIGRATION` for a bound
 *   the app does not have.
 */
export function planSquash(
  replayed: ProjectState<RecordedAppState>,
  appName: string,
  options: { from?: string | undefined; to?: string | undefined; description?: string | undefined } = {},
): SquashPlan {
  const target = replayed.apps.find((a) => a.app.name === appName)!
  const current = withoutReplaced(target.migrations)
  const first = options.from === undefined ? 0 : findIn(current, options.from, appName)
  const last = options.to === undefined ? current.length - 1 : findIn(current, options.to, appName)
  const run = current.slice(first, last + 1)
  if (run.length < 2)
    throw refuse(
      appName,
      `Nothing to squash: app "${appName}" has ${run.length === 0 ? 'no migrations' : 'one migration'} in that range. Squash needs two or more.`,
    )
  const label = (m: FileMigration) => `${m.app} ${m.id}`
  for (const m of run) {
    const opaque = m.operations.find((o) => OPAQUE_KINDS.has(o.kind))
    if (opaque)
      throw refuse(
        appName,
        `Cannot squash ${label(m)} (${m.file}): it runs ${opaque.describe()}, which a squash cannot rebuild. ` +
          'Squash the migrations before it or after it (--from/--to).',
        { migrationId: m.id, file: m.file, operation: opaque.kind },
      )
  }

  const all = replayed.apps.flatMap((a) => a.migrations)
  const graph = new MigrationGraph(replayed.project.registry.apps, all)
  const inRun = new Set(run)
  const needed = graph.withNeeds(run)
  // One migration cannot stand for a run that another app's migration sits in the middle of.
  const crossing = [...graph.withDependents(run)].find((m) => !inRun.has(m) && needed.has(m))
  if (crossing)
    throw refuse(
      appName,
      `Cannot squash ${label(run[0]!)} to ${label(run.at(-1)!)}: ${label(crossing)} (${crossing.file}) depends on a migration of the run, ` +
        'and a later one of the run depends on it. Squash up to the migration it depends on, or start after it (--from/--to).',
      { migrationId: run[0]!.id, crossing: label(crossing) },
    )

  const before = replay(graph.order.filter((m) => needed.has(m) && !inRun.has(m)))
  const after = replay(graph.order.filter((m) => needed.has(m))).toData()
  // Renames inside the run need no answer: a drop and an add build the same schema on a new database.
  const answers = emptyAnswers()
  let diff = diffApp(before.view(), after, appName, { allowDestructive: true, answers })
  while (diff.questions.length > 0) {
    for (const q of diff.questions) answers.declined.add(q.key)
    diff = diffApp(before.view(), after, appName, { allowDestructive: true, answers })
  }
  const operations = inPhysicalOrder(diff.operations, after)
  for (const o of operations) o.apply(before)
  if (appSchema(before.toData(), appName) !== appSchema(after, appName))
    throw refuse(
      appName,
      `Cannot squash ${label(run[0]!)} to ${label(run.at(-1)!)}: the squashed operations would not build the same schema. Squash a shorter run (--from/--to).`,
    )

  // What the run needs of other apps: the latest migration of each.
  const dependsOn: Record<string, string> = {}
  for (const m of run)
    for (const need of graph.needs(m))
      if (need.app !== appName && (dependsOn[need.app] ?? '') < need.id) dependsOn[need.app] = need.id

  const lastId = run.at(-1)!.id
  const id = microsToMigrationId(migrationIdToMicros(lastId) + 1n)
  const taken = target.migrations.find((m) => m.id === id)
  if (taken)
    throw refuse(
      appName,
      `Cannot squash up to ${appName} ${lastId}: the squashed migration takes the next ID, ${id}, and ${taken.file} has it. Squash up to ${appName} ${id} instead.`,
      { migrationId: id, file: taken.file },
    )
  const replaces = [...new Set(run.flatMap((m) => [m.id, ...(m.replaces ?? [])]))].sort()
  const description = options.description ?? `squashed ${run.length} migrations, ${run[0]!.id} to ${lastId}`
  const text = renderMigration({
    app: appName,
    id,
    description,
    dependsOn: Object.fromEntries(Object.entries(dependsOn).sort(([a], [b]) => (a < b ? -1 : 1))),
    replaces,
    operations,
  })
  const file = path.join(path.dirname(run.at(-1)!.file), migrationFileName(appName, id))
  // A hand-named file may hold that name with another ID: never overwrite it.
  if (existsSync(file))
    throw refuse(
      appName,
      `Cannot squash: ${file} exists already. Rename it, or squash up to another migration (--to).`,
      {
        file,
      },
    )
  return { app: appName, id, file, text, replaced: run, replaces, operationCount: operations.length }
}
