/**
 * Squashed migrations (`REPLACES`, as Django's `replaces`): which of a squashed migration and the
 * migrations it replaces a database runs. A database that ran none of the replaced ones (or the
 * squashed one itself) runs the squashed one; one that ran them all counts it as ran; one that ran
 * some runs the rest of the replaced ones, and records the squashed one once they have all run.
 * Without a database (replay, check, new files) the squashed one always stands for them.
 */
import { AutoMigrationsError } from '../errors.js'
import { type GraphMigration, migrationKey } from './migration-graph.js'

export interface Squashes<M extends GraphMigration> {
  /** The migrations that run and replay, squashed ones in place of what they replace, or the other way round. */
  readonly active: M[]
  /** For the graph: key of a migration left out → key of the one that stands for it. */
  readonly aliases: Map<string, string>
  /** Squashed migrations a database has no row for, though it ran everything they replace. */
  readonly ranByReplaced: Set<M>
  /** Squashed migrations left out for a database that ran part of what they replace, with those files. */
  readonly waiting: Map<M, M[]>
}

/**
 * Chooses, for each squashed migration, between it and the migrations it replaces.
 * @param ran whether the database ran a migration (undefined: no database, the squashed one stands).
 * @throws `SQUASH_INCOMPLETE` when a database ran part of what a squashed migration replaces and the
 *   file of one it did not run is gone.
 */
export function resolveSquashes<M extends GraphMigration>(
  migrations: readonly M[],
  ran?: (app: string, id: string) => boolean,
): Squashes<M> {
  const squashed = migrations.filter((m) => (m.replaces?.length ?? 0) > 0)
  const result: Squashes<M> = { active: [], aliases: new Map(), ranByReplaced: new Set(), waiting: new Map() }
  if (squashed.length === 0) {
    result.active.push(...migrations)
    return result
  }
  const byKey = new Map(migrations.map((m) => [migrationKey(m.app, m.id), m]))
  const left = new Set<M>()
  for (const s of squashed) {
    const replaced = s.replaces!
    const done = ran ? replaced.filter((id) => ran(s.app, id)) : []
    const partly = ran !== undefined && !ran(s.app, s.id) && done.length > 0 && done.length < replaced.length
    if (!partly) {
      for (const id of replaced) {
        const file = byKey.get(migrationKey(s.app, id))
        if (file) left.add(file)
      }
      if (ran && done.length === replaced.length && !ran(s.app, s.id)) result.ranByReplaced.add(s)
      continue
    }
    const gone = replaced.filter((id) => !done.includes(id) && !byKey.has(migrationKey(s.app, id)))
    if (gone.length > 0) {
      throw new AutoMigrationsError(
        'SQUASH_INCOMPLETE',
        `The database ran ${done.length} of the ${replaced.length} migrations that ${s.app} ${s.id}${s.file ? ` (${s.file})` : ''} replaces, ` +
          `and the file of ${gone.map((id) => `${s.app} ${id}`).join(', ')}, which it has not run, is gone. ` +
          'Restore the replaced files until every database has run them all, then delete them again.',
        { app: s.app, migrationId: s.id, file: s.file, missing: gone },
      )
    }
    const files = replaced.map((id) => byKey.get(migrationKey(s.app, id))).filter((m): m is M => m !== undefined)
    left.add(s)
    result.waiting.set(s, files)
    const last = [...replaced].sort().at(-1)!
    result.aliases.set(migrationKey(s.app, s.id), migrationKey(s.app, last))
  }
  for (const m of migrations) if (!left.has(m)) result.active.push(m)
  return result
}
