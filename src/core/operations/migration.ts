/**
 * A migration, two ways: as loaded from its file (what names, orders and describes it, and the
 * `forwards()` that records its operations) and as recorded (its operations known). The runtime, the
 * loader and the project all speak of these two; other shapes of a migration are picks of them.
 */
import type { GraphMigration } from '../migration-graph.js'
import type { Operation } from './operation.js'

/** A migration as loaded from its file (or given to `createMigrator` by the virtual module). */
export interface LoadedMigration extends GraphMigration {
  /** Name of the app the migration belongs to. */
  readonly app: string
  /** The exported `ID`. Migrations are keyed by it, not by the file name. */
  readonly id: string
  /** The exported `DESCRIPTION`; '' when there is none. */
  readonly description: string
  /** Absolute path of the file. */
  readonly file: string
  /** The exported `DEPENDS_ON` (app → migration ID); undefined in files written before it existed. */
  readonly dependsOn?: Readonly<Record<string, string>> | undefined
  /** The exported `REPLACES` of a squashed migration: the IDs of its app's migrations it stands for. */
  readonly replaces?: readonly string[] | undefined
  /** The exported `forwards`: returns the MigrationManager its operations are recorded on. */
  readonly forwards: () => unknown
}

/** A migration as loaded, without the means to get its operations: what the state cache keeps. */
export type MigrationHeader = Omit<LoadedMigration, 'forwards'>

/** A migration with its operations known: replayed, run, written or printed. */
export interface RecordedMigration extends Omit<LoadedMigration, 'file' | 'forwards'> {
  /** For error messages. */
  readonly file?: string | undefined
  readonly operations: readonly Operation[]
}
