/**
 * Replay and a migration's steps. Replay folds migrations' operations into a snapshot, without a
 * database. `stepsOf` turns a migration into the steps to run forwards or backwards, replaying as it goes so each
 * operation's SQL sees the schema as it is at that point.
 */
import { AutoMigrationsError } from '../../errors.js'
import { SchemaState } from '../state/snapshot.js'
import type { Operation, Step } from './index.js'
import type { RecordedMigration } from './migration.js'

/** What replaying a migration and taking its steps need of it. */
type Replayable = Pick<RecordedMigration, 'app' | 'id' | 'file' | 'operations'>

function wrap(error: unknown, migration: Replayable, operation: Operation): never {
  const where = `${migration.app} ${migration.id}${migration.file ? ` (${migration.file})` : ''}`
  const message = error instanceof Error ? error.message : String(error)
  throw new AutoMigrationsError(
    'REPLAY_FAILED',
    `Migration ${where}, ${operation.kind}: ${message}`,
    {
      app: migration.app,
      migrationId: migration.id,
      file: migration.file,
      operation: operation.describe(),
    },
    { cause: error },
  )
}

/** Applies the migrations, in the given order, to `state` (a new empty one by default). Pure. */
export function replay(migrations: readonly Replayable[], state = new SchemaState()): SchemaState {
  for (const migration of migrations) {
    for (const operation of migration.operations) {
      try {
        operation.apply(state)
      } catch (error) {
        wrap(error, migration, operation)
      }
    }
  }
  return state
}

/** One SQL step (or raw function) of a migration, with the operation it comes from. */
export interface MigrationStep {
  operation: Operation
  step: Step
}

/**
 * The steps of one migration. Forwards: `state` is the schema before it; backwards: the schema after
 * it. `state` ends as the schema on the other side.
 */
export function stepsOf(
  migration: Replayable,
  state: SchemaState,
  direction: 'forwards' | 'backwards',
): MigrationStep[] {
  const operations =
    direction === 'forwards' ? migration.operations : [...migration.operations].reverse().map((o) => o.reverse())
  const out: MigrationStep[] = []
  for (const operation of operations) {
    try {
      for (const step of operation.toSql(state)) out.push({ operation, step })
      operation.apply(state)
    } catch (error) {
      wrap(error, migration, operation)
    }
  }
  return out
}
