/**
 * `evolve(v1, v2)`: a model that changes from one version of its tables to the next, as a user
 * edits their table classes between two `migrations new`. A test reads as "evolve from these tables
 * to these tables, expect these operations / this SQL":
 *
 *   const change = evolve(
 *     () => {
 *       class Band extends Table { name = new Varchar() }
 *       return [Band]
 *     },
 *     () => {
 *       class Band extends Table { static override tablename = 'music_band'; name = new Varchar() }
 *       return [Band]
 *     },
 *   )
 *   expect(kinds(change.diff().operations)).toEqual(['renameTable'])
 *
 * A version is a function that declares its classes and returns them, so two versions can each
 * declare their own `class Band`; tables that no version redeclares can be passed as an array.
 * More than two versions are migrated through in turn: `from` is the history after all but the last.
 */
import { type AppDiff, type DiffOptions, diffApp } from '../../src/core/differ/diff.js'
import type { MigrationManager } from '../../src/core/operations/manager.js'
import type { SnapshotData } from '../../src/core/state/snapshot.js'
import type { TableClass } from '../../src/model/columns.js'
import type { ModelSnapshot } from '../../src/model/to-snapshot.js'
import { app, diffAll, emptySnapshot, model } from './models.js'

/** The table classes of one version of the app: an array, or a function that declares and returns them. */
export type Version = readonly TableClass[] | (() => readonly TableClass[])

export interface Evolution {
  /** The snapshot the app's history describes once migrated through every version but the last. */
  from: SnapshotData
  /** The model of the last version. */
  to: ModelSnapshot
  /** What the differ writes from `from` to `to`, with the model's renamedFrom hints. */
  diff(options?: DiffOptions): AppDiff
  /**
   * The migration the differ writes (destructive changes allowed), as `roundTrip`'s `operations`.
   * The differ must have no question left: a test that forgets to answer one fails here.
   */
  migration(options?: DiffOptions): (m: MigrationManager) => void
}

/** The app every evolution is of. */
export const APP = 'blog'

function versionModel(version: Version): ModelSnapshot {
  const tables = typeof version === 'function' ? version() : version
  return model(app(APP, [...tables]))
}

export function evolve(...versions: [Version, Version, ...Version[]]): Evolution {
  let from = emptySnapshot()
  for (const version of versions.slice(0, -1)) {
    const { diffs, after } = diffAll(from, versionModel(version), { allowDestructive: true })
    const questions = diffs.flatMap((d) => d.questions.map((q) => q.text))
    if (questions.length) throw new Error(`evolve: migrating to an earlier version asks ${questions.join('; ')}`)
    from = after
  }
  const to = versionModel(versions.at(-1)!)
  const diff = (options: DiffOptions = {}) => diffApp(from, to.snapshot, APP, { hints: to.hints, ...options })
  return {
    from,
    to,
    diff,
    migration: (options = {}) => {
      const written = diff({ allowDestructive: true, ...options })
      if (written.questions.length) {
        throw new Error(`evolve: the differ still asks ${written.questions.map((q) => q.text).join('; ')}`)
      }
      return (m) => {
        m.operations.push(...written.operations)
      }
    },
  }
}
