/**
 * The project session: the façade the plugin talks to (and the CLI's `check`). Each call reloads the
 * project from disk (config, apps, tables, migrations), replays the history and diffs; a loader cache
 * kept for the session's life makes a reload after one saved file cheap.
 *
 * User errors never throw out of `check()` and `emit()`: they come back in `.errors`, so a dev server
 * keeps running while the user fixes them. Calls run one at a time (a save during a running emit
 * waits), which is what keeps one schema change from becoming two migration files.
 */
import path from 'node:path'
import type { AutoMigrationsError } from '../errors.js'
import { CONFIG_FILE_NAMES, LoaderCache, findConfigFile, loadMigrationFiles, loadProject } from '../loader/index.js'
import type { DevDatabase } from './apply.js'
import { userError } from './errors.js'
import { type ProjectHistory, loadHistory } from './history.js'
import { TableFiles, heldReports, planNewMigrations, reportPlans, writeMigrations } from './plan.js'
import { dependsOn } from '../app/registry.js'
import type { CheckResult, EmitResult, MigrationEntry } from './types.js'

export interface ProjectSession {
  readonly root: string
  /** The config file (the default name in the root when none exists yet). */
  readonly configFile: string
  /** Load registry+apps+migrations, replay, diff. Never throws for user errors: they come back in .errors */
  check(): Promise<CheckResult>
  /** Dev: write new migration files (atomically) for un-migrated non-ambiguous changes and, if apply, run them on the dev db */
  emit(options: { allowDestructive: boolean; apply: boolean }): Promise<EmitResult>
  /** All migration files in dependency and ID order, for the virtual module */
  migrationEntries(): Promise<MigrationEntry[]>
  close(): Promise<void>
}

export interface OpenProjectSessionOptions {
  root: string
  /** Relative to `root`; default: the first of migrations.config.{ts,mts,js,mjs} found in it. */
  configFile?: string
}

/**
 * Opens a session on the project in `root`. It does not fail when the config does not exist yet:
 * `check()` reports that (CONFIG_NOT_FOUND) and lists the config names to watch, so a dev server
 * picks the config up once it is created.
 */
export async function openProjectSession(options: OpenProjectSessionOptions): Promise<ProjectSession> {
  const root = path.resolve(options.root)
  let configFile: string
  try {
    configFile = await findConfigFile(root, options.configFile)
  } catch {
    configFile = path.resolve(root, options.configFile ?? CONFIG_FILE_NAMES[0])
  }
  return new Session(root, configFile, options.configFile)
}

type Loaded = { history: ProjectHistory } | { error: AutoMigrationsError; watchFiles: string[] }

class Session implements ProjectSession {
  readonly #cache = new LoaderCache()
  #database: DevDatabase | undefined
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(
    readonly root: string,
    private currentConfigFile: string,
    private readonly explicitConfig: string | undefined,
  ) {}

  get configFile(): string {
    return this.currentConfigFile
  }

  check(): Promise<CheckResult> {
    return this.#exclusive(async () => {
      const loaded = await this.#load()
      if ('error' in loaded) return { ok: false, changes: [], errors: [loaded.error], watchFiles: loaded.watchFiles }
      const { history } = loaded
      const changes = await reportPlans(history, planNewMigrations(history))
      return {
        ok: changes.length === 0 && history.errors.length === 0,
        changes,
        errors: history.errors,
        watchFiles: history.watchFiles,
      }
    })
  }

  emit(options: { allowDestructive: boolean; apply: boolean }): Promise<EmitResult> {
    return this.#exclusive(async () => {
      const loaded = await this.#load()
      if ('error' in loaded) return { written: [], held: [], errors: [loaded.error], watchFiles: loaded.watchFiles }
      const { history } = loaded
      const plans = planNewMigrations(history, { allowDestructive: options.allowDestructive })
      const errors = [...history.errors]
      const written: EmitResult['written'] = []
      // App by app: a write that fails for one app (a read-only folder) still reports the others.
      for (const plan of plans) {
        try {
          written.push(...(await writeMigrations(history, [plan])))
        } catch (error) {
          errors.push(userError(error))
        }
      }
      if (options.apply && written.length > 0 && errors.length === 0) {
        // Apply what the files now say (see apply.ts), so the recorded checksums match later runs.
        const fresh = await this.#load()
        if ('error' in fresh) errors.push(fresh.error)
        else if (fresh.history.errors.length > 0) errors.push(...fresh.history.errors)
        else {
          // Loaded on first use: the database drivers (PGlite's WebAssembly, pg) cost a build or a
          // `check` that never applies anything a noticeable start-up time.
          const { DevDatabase, applyPending } = await import('./apply.js')
          this.#database ??= new DevDatabase(this.root)
          errors.push(...(await applyPending(fresh.history, this.#database)))
        }
      }
      const held = await heldReports(history, plans, new TableFiles(history))
      const watchFiles = [...new Set([...history.watchFiles, ...written.map((w) => w.file)])].sort()
      return { written, held, errors, watchFiles }
    })
  }

  migrationEntries(): Promise<MigrationEntry[]> {
    return this.#exclusive(async () => {
      const project = await loadProject({ root: this.root, configFile: this.explicitConfig, cache: this.#cache })
      this.currentConfigFile = project.configFile
      const entries: MigrationEntry[] = []
      for (const app of project.registry.apps) {
        for (const m of await loadMigrationFiles(app, { root: project.root, cache: this.#cache })) {
          entries.push({ app: app.name, id: m.id, file: m.file, dependencies: project.registry.apps.filter((other) => dependsOn(project.registry, app.name, other.name)).map((other) => other.name) })
        }
      }
      return entries
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#tail.catch(() => undefined)
    await this.#database?.close()
  }

  async #load(): Promise<Loaded> {
    try {
      const history = await loadHistory({ root: this.root, configFile: this.explicitConfig, cache: this.#cache })
      this.currentConfigFile = history.project.configFile
      return { history }
    } catch (thrown) {
      const error = userError(thrown)
      return { error, watchFiles: this.#watchFilesAfter(error) }
    }
  }

  /** What to watch to retry after a load failure: what the loader names, else the config candidates. */
  #watchFilesAfter(error: AutoMigrationsError): string[] {
    const listed = error.details.watchFiles
    if (Array.isArray(listed) && listed.length > 0) return listed.filter((f): f is string => typeof f === 'string')
    if (this.explicitConfig !== undefined) return [path.resolve(this.root, this.explicitConfig)]
    return CONFIG_FILE_NAMES.map((name) => path.join(this.root, name))
  }

  /** Runs calls one after another, in call order; a failed call does not block the next. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The project session is closed.'))
    const run = this.#tail.then(fn)
    this.#tail = run.catch(() => undefined)
    return run
  }
}
