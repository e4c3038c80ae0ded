/**
 * The SQL of migrations as `auto-migrations sql` prints it, shared with the dev page's timeline:
 * each statement with its `;`, a raw function as a comment, and a note before a statement that runs
 * outside the migration's transaction.
 */
import { migrationKey, migrationOrder } from '../../core/migration-graph.js'
import { type MigrationStep, stepsOf } from '../../core/operations/replay.js'
import { SchemaState } from '../../core/state/snapshot.js'
import type { FileMigration, RecordedProjectState } from './project-state.js'

/** The printed lines of a migration's steps (no header); `-- (no SQL)` when it has none. */
export function stepLines(steps: readonly MigrationStep[]): string[] {
  if (steps.length === 0) return ['-- (no SQL)']
  const lines: string[] = []
  for (const { operation, step } of steps) {
    if (step.kind === 'raw') {
      lines.push(`-- ${operation.describe()}: a JavaScript function, run with the migration's transaction`)
      continue
    }
    if (!step.transactional) lines.push('-- runs outside the transaction:')
    lines.push(`${step.sql};`)
  }
  return lines
}

/** The migrations of the sound apps in the order the runner applies them on a new database. */
export function runnerOrder(replayed: RecordedProjectState): FileMigration[] {
  const sound = replayed.apps.filter((a) => a.errors.length === 0)
  return migrationOrder(
    replayed.project.registry.apps,
    sound.flatMap((a) => a.migrations),
  )
}

/**
 * The forwards SQL of every migration of the sound apps, keyed by `migrationKey(app, id)`, each
 * generated against the schema as the runner's order leaves it on a new database. A migration
 * whose SQL cannot be generated says why, and the ones after it are left out (their schema is unknown).
 */
export function forwardsSqlOf(replayed: RecordedProjectState): Map<string, string[]> {
  const order = runnerOrder(replayed)
  const state = new SchemaState()
  const out = new Map<string, string[]>()
  for (const migration of order) {
    const key = migrationKey(migration.app, migration.id)
    try {
      out.set(key, stepLines(stepsOf(migration, state, 'forwards')))
    } catch (error) {
      out.set(key, [`-- the SQL cannot be generated: ${error instanceof Error ? error.message : String(error)}`])
      break
    }
  }
  return out
}
