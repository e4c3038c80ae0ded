/**
 * Applying migrations to the dev database right after they are written (SPEC §6: "write the new
 * migration file atomically; apply it to the dev database").
 *
 * What runs is what the files on disk say: the project is reloaded after writing, so the checksum the
 * history table records is the one every later run computes from the same files. The runner applies
 * every pending migration (the dev database catches up with history, whoever wrote it).
 */
import { extensionsAdded } from '../../core/operations/extensions.js'
import type { DatabaseOption, Engine } from '../../runtime/engines/engine.js'
import { openEngine } from '../../runtime/engines/open.js'
import type { EmbeddedProgressListener } from '../../runtime/engines/pglite-image.js'
import { type Migrator, createMigrator } from '../../runtime/runner.js'
import type { AutoMigrationsError } from '../../errors.js'
import { userError } from './errors.js'
import type { RecordedProjectState } from './project-state.js'

/**
 * The dev database a session applies to, opened on first use and kept until the session closes.
 * The embedded database is shared per process (see openEmbeddedDatabase), so the app's own server
 * code opening it too gets the same instance, not a second holder.
 */
export class DevDatabase {
  #engine: Promise<Engine> | undefined
  #option: DatabaseOption

  /** `log`: one line when a new embedded database is being created, one when it is ready. */
  constructor(
    private readonly root: string,
    private readonly log?: (line: string) => void,
  ) {}

  /** `extensions`: what the embedded database loads when this call opens it (see openEngine). */
  get(option: DatabaseOption, extensions?: readonly string[]): Promise<Engine> {
    if (this.#engine === undefined || this.#option !== option) {
      const previous = this.#engine
      this.#option = option
      const opening = (async () => {
        // The config was reloaded with another `database`: let go of the old one first.
        if (previous) await (await previous.catch(() => undefined))?.close()
        return openEngine(option, { root: this.root, onEmbeddedProgress: progressLines(this.log), extensions })
      })()
      this.#engine = opening
      // A failed open is not kept: the next emit tries again (after the user fixed the config).
      opening.catch(() => {
        if (this.#engine === opening) this.#engine = undefined
      })
    }
    return this.#engine
  }

  async close(): Promise<void> {
    const engine = this.#engine
    this.#engine = undefined
    if (engine) await (await engine.catch(() => undefined))?.close()
  }
}

export interface ProjectMigratorOptions {
  /** The database to open (and close with the migrator); undefined: the embedded one of the project. */
  database?: DatabaseOption
  /** Only these apps' migrations (default: every app's). Every app still counts for ordering. */
  apps?: readonly string[]
  /** One line when a new embedded database is being created, one when it is ready (the CLI prints them). */
  onProgress?: (line: string) => void
}

/** The listener that turns embedded-database progress into the lines `log` prints. */
export function progressLines(log: ((line: string) => void) | undefined): EmbeddedProgressListener | undefined {
  return log && ((event) => log(event.message))
}

/**
 * A runner over the migrations of a loaded project. The operations were recorded while loading, so
 * the runner is handed them instead of running each forwards() again; the checksums it records are
 * the ones every later load of the same files computes.
 * @example
 * const migrator = projectMigrator(replayed, { database: 'postgres://localhost/app' })
 * try { await migrator.migrate() } finally { await migrator.close() }
 */
export function projectMigrator(replayed: RecordedProjectState, options: ProjectMigratorOptions = {}): Migrator {
  const included = options.apps === undefined ? undefined : new Set(options.apps)
  return createMigrator({
    apps: replayed.apps.map((a) => ({ name: a.app.name, dependencies: a.app.dependencies })),
    migrations: replayed.apps
      .filter((a) => !included || included.has(a.app.name))
      .flatMap((a) =>
        a.migrations.map((m) => ({
          app: m.app,
          id: m.id,
          file: m.file,
          description: m.description,
          ...(m.dependsOn ? { dependsOn: m.dependsOn } : {}),
          ...(m.replaces ? { replaces: m.replaces } : {}),
          forwards: () => ({ operations: m.operations }),
        })),
      ),
    root: replayed.project.root,
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(replayed.project.config.historySchema ? { historySchema: replayed.project.config.historySchema } : {}),
    ...(options.onProgress ? { onEmbeddedProgress: progressLines(options.onProgress)! } : {}),
  })
}

/** Runs every pending migration of `replayed` on the dev database; errors come back, never thrown. */
export async function applyPending(
  replayed: RecordedProjectState,
  database: DevDatabase,
): Promise<AutoMigrationsError[]> {
  if (replayed.errors.length > 0) return []
  try {
    const operations = replayed.apps.flatMap((a) => a.migrations.flatMap((m) => m.operations))
    const engine = await database.get(replayed.project.config.database, extensionsAdded(operations))
    await projectMigrator(replayed).migrate({ database: engine })
    return []
  } catch (error) {
    return [userError(error)]
  }
}

/**
 * Reverses `app`'s migration `id` on the dev database when it ran there (before the file is
 * rewritten, see amend.ts); errors come back, never thrown.
 */
export async function reverseOnDevDatabase(
  replayed: RecordedProjectState,
  database: DevDatabase,
  migration: { app: string; id: string },
): Promise<AutoMigrationsError[]> {
  try {
    const engine = await database.get(replayed.project.config.database)
    const migrator = projectMigrator(replayed)
    const row = (await migrator.status({ database: engine })).find(
      (r) => r.app === migration.app && r.id === migration.id,
    )
    if (row?.state === 'ran') await migrator.rollback({ app: migration.app, steps: 1, database: engine })
    return []
  } catch (error) {
    return [userError(error)]
  }
}
