/**
 * A project's history: the project loaded from disk, every app's migration files run (their
 * `forwards()` only records operations), replayed into one schema state, and the table model read
 * into a snapshot. Everything the CLI and the session do starts from here.
 *
 * Broken history is collected, not thrown: a migration that throws, duplicate IDs, a replay that
 * fails. An app with broken history is left out of the diff (its snapshot can't be trusted), while
 * the other apps are still diffed and reported.
 */
import type { RegisteredApp } from '../app/registry.js'
import { AutoMigrationsError } from '../errors.js'
import { type LoadedProject, type LoaderCache, loadMigrationFiles, loadProject, runForwards } from '../loader/index.js'
import type { Operation } from '../migration/operations/index.js'
import { type RecordedMigration, replay } from '../migration/replay.js'
import { SchemaState } from '../migration/snapshot.js'
import { type ModelSnapshot, modelSnapshot } from '../schema/to-snapshot.js'
import { userError } from './errors.js'

export interface HistoryMigration extends RecordedMigration {
  file: string
  description: string
  operations: readonly Operation[]
}

export interface AppHistory {
  app: RegisteredApp
  /** The app's migrations that loaded, sorted by ID. */
  migrations: HistoryMigration[]
  /** Why the app's history can't be trusted; the app is then not diffed. */
  errors: AutoMigrationsError[]
}

export interface ProjectHistory {
  project: LoadedProject
  /** Every app, in dependency order. */
  apps: AppHistory[]
  /** Every sound app's migrations replayed, app by app in dependency order, each in ID order. */
  state: SchemaState
  /** The table classes as a snapshot; undefined when the model is invalid (see `errors`). */
  model: ModelSnapshot | undefined
  /** Why the model is invalid (also in `errors`). */
  modelError: AutoMigrationsError | undefined
  /** Broken history and an invalid model, in the order found. */
  errors: AutoMigrationsError[]
  /** The project's watch files and every migration file. */
  watchFiles: string[]
}

export interface LoadHistoryOptions {
  root: string
  configFile?: string | undefined
  cache?: LoaderCache | undefined
}

/** What a migration's forwards() must return: checked by shape, the manager may be another copy. */
interface ManagerLike {
  appName: string
  migrationId: string
  operations: Operation[]
}

function isManagerLike(value: unknown): value is ManagerLike {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.appName === 'string' && typeof v.migrationId === 'string' && Array.isArray(v.operations)
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object that is not a MigrationManager' : `a ${typeof value}`
}

/**
 * Loads the project and its history.
 * @throws the loader's errors when the project itself can't be loaded (no config, a cycle, an app
 *   file that doesn't load…): without a registry there is nothing to report per app.
 */
export async function loadHistory(options: LoadHistoryOptions): Promise<ProjectHistory> {
  const project = await loadProject({ root: options.root, configFile: options.configFile, cache: options.cache })
  const errors: AutoMigrationsError[] = []
  const apps: AppHistory[] = []
  const watch = new Set(project.watchFiles)
  for (const app of project.registry.apps) {
    const history = await loadAppHistory(app, project, options.cache)
    for (const migration of history.migrations) watch.add(migration.file)
    apps.push(history)
  }

  const state = new SchemaState()
  for (const history of apps) {
    if (history.errors.length > 0) continue
    try {
      replay(history.migrations, state)
    } catch (error) {
      history.errors.push(userError(error))
    }
  }
  for (const history of apps) errors.push(...history.errors)

  let model: ModelSnapshot | undefined
  let modelError: AutoMigrationsError | undefined
  try {
    model = modelSnapshot(project.registry)
  } catch (error) {
    modelError = userError(error)
    errors.push(modelError)
  }
  return { project, apps, state, model, modelError, errors, watchFiles: [...watch].sort() }
}

async function loadAppHistory(app: RegisteredApp, project: LoadedProject, cache: LoaderCache | undefined): Promise<AppHistory> {
  const history: AppHistory = { app, migrations: [], errors: [] }
  let files: Awaited<ReturnType<typeof loadMigrationFiles>>
  try {
    files = await loadMigrationFiles(app, { root: project.root, cache })
  } catch (error) {
    history.errors.push(userError(error))
    return history
  }
  for (const file of files) {
    let manager: unknown
    try {
      manager = await runForwards(file)
    } catch (error) {
      history.errors.push(userError(error))
      continue
    }
    const where = { app: app.name, migrationId: file.id, file: file.file }
    if (!isManagerLike(manager)) {
      history.errors.push(
        new AutoMigrationsError(
          'INVALID_MIGRATION',
          `forwards() of migration ${file.id} (${file.file}) returned ${describeValue(manager)}. End it with: return manager`,
          where,
        ),
      )
      continue
    }
    if (manager.appName !== app.name) {
      history.errors.push(
        new AutoMigrationsError(
          'INVALID_MIGRATION',
          `Migration ${file.file} is in the migrations folder of app "${app.name}" but records its operations for app "${manager.appName}". ` +
            `Set appName: '${app.name}' in its MigrationManager, or move the file to app "${manager.appName}".`,
          where,
        ),
      )
      continue
    }
    if (manager.migrationId !== file.id) {
      history.errors.push(
        new AutoMigrationsError(
          'INVALID_MIGRATION',
          `Migration ${file.file} exports ID ${file.id} but its MigrationManager says ${manager.migrationId}. Use migrationId: ID.`,
          where,
        ),
      )
      continue
    }
    history.migrations.push({ app: app.name, id: file.id, file: file.file, description: file.description, operations: manager.operations })
  }
  return history
}

/** The app of `history` by name, or a USAGE error listing the apps there are. */
export function requireApp(history: ProjectHistory, name: string): AppHistory {
  const found = history.apps.find((a) => a.app.name === name)
  if (found) return found
  const names = history.apps.map((a) => a.app.name)
  throw new AutoMigrationsError(
    'USAGE',
    `No app is named "${name}". ${names.length ? `The apps are: ${names.join(', ')}.` : 'The config lists no apps yet: create one with npx auto-migrations app new <name>.'}`,
    { app: name },
  )
}
