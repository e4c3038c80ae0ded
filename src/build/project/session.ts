/**
 * The project session: the façade the plugin talks to (and the CLI's `check`). Each call reloads the
 * project from disk (config, apps, tables), takes the replayed project state from the state cache when
 * the migrations did not change (see state-cache.ts; the session keeps it in memory and applies
 * the migrations it writes to it) and diffs; a loader cache kept for the session's life makes a
 * reload after one saved file cheap. Only applying to the dev database loads every migration.
 *
 * User errors never throw out of `check()` and `emit()`: they come back in `.errors`, so a dev server
 * keeps running while the user fixes them. Calls run one at a time (a save during a running emit
 * waits), which is what keeps one schema change from becoming two migration files.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { AutoMigrationsError } from '../../errors.js'
import { type Registry, dependsOn } from '../../model/registry.js'
import { CONFIG_FILE_NAMES, findConfigFile } from '../loader/config-file.js'
import type { LoaderCache } from '../loader/index.js'
import type { Difference } from '../../runtime/drift/difference.js'
import type { DevDatabase } from './apply.js'
import { userError } from './errors.js'
import { StateMemory, stateCacheEnabled } from './state-cache.js'
import type { RecordedProjectState, ProjectState, WrittenRecord } from './project-state.js'
import type { WrittenFile } from './plan.js'
import type { AppPlan } from './plan.js'
import type { ProjectOverview, WaitingAnswer } from './overview.js'
import type { AnswerResult, CheckResult, EmitResult, MigrationEntry, WrittenMigration } from './types.js'
import { unregisteredTables, unregisteredWarning } from './unregistered.js'
import { type CleanVerdict, dropCleanVerdict, readCleanVerdict, recordCleanVerdict } from './verdict-cache.js'

export interface ProjectSession {
  readonly root: string
  /** The config file (the default name in the root when none exists yet). */
  readonly configFile: string
  /** Load registry+apps+migrations, replay, diff. Never throws for user errors: they come back in .errors */
  check(): Promise<CheckResult>
  /** Dev: write new migration files (atomically) for un-migrated non-ambiguous changes and, if apply, run them on the dev db */
  emit(options: EmitOptions): Promise<EmitResult>
  /** All migration files in dependency and ID order, for the virtual module */
  migrationEntries(): Promise<MigrationEntry[]>
  /** Dev page: the tables, the timeline with the dev database's history, what waits for a person. */
  overview(options?: { drift?: boolean }): Promise<ProjectOverview>
  /**
   * Dev page: write the migration an answer resolves (the CLI's writer, the same file) and, with
   * `apply`, apply it to the dev database. Errors come back in `.errors`, as from emit().
   */
  answer(answer: WaitingAnswer, options: { apply: boolean }): Promise<AnswerResult>
  /**
   * Dev: how the dev database differs from what its applied migrations describe (see drift.ts);
   * undefined when there is nothing to compare (no database yet, broken history).
   */
  drift?(): Promise<Difference[] | undefined>
  close(): Promise<void>
}

export interface EmitOptions {
  allowDestructive: boolean
  apply: boolean
  /** Fold a change into the migration this session wrote just before, while git does not track it (amend.ts). */
  amend?: boolean
}

export interface OpenProjectSessionOptions {
  root: string
  /** Relative to `root`; default: the first of migrations.config.{ts,mts,js,mjs} found in it. */
  configFile?: string
  /** Use the state cache on disk (see state-cache.ts). Default true. */
  stateCache?: boolean
  /** Informational lines (a new embedded database being created, and when it is ready). */
  log?: (line: string) => void
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
  return new Session(root, configFile, options.configFile, options.stateCache ?? true, options.log)
}

type Loaded<H> = { replayed: H } | { error: AutoMigrationsError; watchFiles: string[] }

class Session implements ProjectSession {
  /** The loader, replay, planner and writer, imported on first use (see session-parts.ts). */
  #parts: Promise<typeof import('./session-parts.js')> | undefined
  // Incremental: a save rebuilds the apps with esbuild's context, parsing only the file that changed.
  #cache: LoaderCache | undefined
  /** The state cache as last loaded or written, and the content hashes of the files seen. */
  readonly #memory = new StateMemory()
  #database: DevDatabase | undefined
  /** The clean verdict that answered this session's first check, until anything is loaded. */
  #verdict: CleanVerdict | undefined
  #checkedOnce = false
  /** Migration files this session wrote (real paths), with their text: what a later change may amend. */
  readonly #wrote = new Map<string, string>()
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(
    readonly root: string,
    private currentConfigFile: string,
    private readonly explicitConfig: string | undefined,
    private readonly stateCache: boolean,
    private readonly log: ((line: string) => void) | undefined,
  ) {}

  get configFile(): string {
    return this.currentConfigFile
  }

  check(): Promise<CheckResult> {
    return this.#exclusive(async () => {
      const verdicts = this.stateCache && stateCacheEnabled()
      // The session's first check may be answered by the last clean one (see verdict-cache.ts):
      // later ones follow file changes the session has seen, which it loads incrementally anyway.
      if (verdicts && !this.#checkedOnce) {
        this.#checkedOnce = true
        const verdict = readCleanVerdict(this.root, this.explicitConfig ?? '')
        if (verdict) {
          this.#verdict = verdict
          this.currentConfigFile = verdict.configFile
          return { ok: true, changes: [], errors: [], watchFiles: verdict.watchFiles, unchanged: true }
        }
      }
      const loaded = await this.#load()
      if ('error' in loaded) {
        if (verdicts) dropCleanVerdict(this.root, this.explicitConfig ?? '')
        return { ok: false, changes: [], errors: [loaded.error], watchFiles: loaded.watchFiles }
      }
      const { replayed } = loaded
      const { planNewMigrations, reportPlans } = await this.#loadParts()
      const changes = await reportPlans(replayed, planNewMigrations(replayed))
      const errors = replayed.errors
      const ok = changes.length === 0 && errors.length === 0
      const warnings = await warningsOf(replayed)
      // A check with warnings is not clean: a cached verdict would answer the next one without them.
      if (verdicts) this.#recordVerdict(replayed, ok && warnings.length === 0)
      return { ok, changes, errors, watchFiles: replayed.watchFiles, ...(warnings.length ? { warnings } : {}) }
    })
  }

  emit(options: EmitOptions): Promise<EmitResult> {
    return this.#exclusive(async () => {
      const loaded = await this.#load()
      if ('error' in loaded) return { written: [], held: [], errors: [loaded.error], watchFiles: loaded.watchFiles }
      const { replayed } = loaded
      const { TableFiles, heldReports, planNewMigrations, rememberWritten, saveRemembered, writeMigrations } =
        await this.#loadParts()
      let plans = planNewMigrations(replayed, { allowDestructive: options.allowDestructive })
      const errors = [...replayed.errors]
      let written: WrittenFile[] = []
      const amended = options.amend && errors.length === 0 ? await this.#amend(replayed, plans, options) : undefined
      if (amended) {
        plans = amended.plans
        errors.push(...amended.errors)
      } else {
        try {
          written = await writeMigrations(replayed, plans)
        } catch (error) {
          errors.push(userError(error))
        }
        for (const w of written) this.#wrote.set(realPath(w.file), w.text)
      }
      const remembered: WrittenRecord[] = written
      const reload = options.apply && (written.length > 0 || amended?.written !== undefined) && errors.length === 0
      // The next load finds what was just written in memory instead of loading its app again (an
      // apply loads everything again below, which leaves the memory up to date anyway).
      if (this.stateCache && remembered.length > 0 && !reload && rememberWritten(replayed, this.#memory, remembered)) {
        // On disk too (for the CLI, the next server start), once this call has answered.
        void this.#exclusive(async () => saveRemembered(replayed.project, this.#memory)).catch(() => undefined)
      }
      if (reload) errors.push(...(await this.#applyFiles()))
      const held = await heldReports(replayed, plans, new TableFiles(replayed))
      const watchFiles = [...new Set([...replayed.watchFiles, ...written.map((w) => w.file)])].sort()
      const warnings = await warningsOf(replayed)
      return {
        written: amended?.written
          ? [amended.written]
          : written.map(({ app, id, file, lines }) => ({ app, id, file, lines })),
        held,
        errors,
        watchFiles,
        ...(warnings.length ? { warnings } : {}),
      }
    })
  }

  /**
   * Folds the only app's change into the migration this session wrote before it, when amend.ts
   * allows: reversed on the dev database first (when applying), then rewritten with the same ID or,
   * when nothing is left of it, removed. Undefined when it does not apply: write a new migration.
   */
  async #amend(
    replayed: ProjectState,
    plans: AppPlan[],
    options: EmitOptions,
  ): Promise<{ plans: AppPlan[]; errors: AutoMigrationsError[]; written?: WrittenMigration } | undefined> {
    const { isEmptyPlan } = await this.#loadParts()
    const changed = plans.filter((p) => !isEmptyPlan(p))
    if (changed.length !== 1) return undefined
    const { amendTarget, planAmendment } = await import('./amend.js')
    const target = amendTarget(replayed, changed[0]!.app, this.#wrote, readText)
    let amendment: Awaited<ReturnType<typeof planAmendment>>
    try {
      amendment = target && planAmendment(replayed, target, options.allowDestructive)
    } catch {
      amendment = undefined
    }
    if (!target || !amendment) return undefined
    const amendedPlans = plans.map((p) => (p.app === target.app ? amendment.plan : p))
    // Only held changes (a question, a drop to confirm): the migration stays as it is.
    if (amendment.text === this.#wrote.get(realPath(target.file))) return { plans: amendedPlans, errors: [] }
    if (options.apply) {
      const current = await this.#load(true)
      if ('error' in current) return { plans: amendedPlans, errors: [current.error] }
      const { reverseOnDevDatabase } = await import('./apply.js')
      const failed = await reverseOnDevDatabase(current.replayed, await this.#devDatabase(), target)
      if (failed.length > 0) return { plans: amendedPlans, errors: failed }
    }
    this.#memory.forget()
    const key = realPath(target.file)
    try {
      if (amendment.text === undefined) {
        await rm(target.file, { force: true })
        this.#wrote.delete(key)
      } else {
        const { writeFileAtomic } = await import('../writer/atomic.js')
        await writeFileAtomic(target.file, amendment.text)
        this.#wrote.set(key, amendment.text)
      }
    } catch (error) {
      return { plans: amendedPlans, errors: [userError(error)] }
    }
    const written: WrittenMigration = {
      app: target.app,
      id: target.id,
      file: target.file,
      lines: amendment.lines,
      amended: amendment.text === undefined ? 'removed' : 'rewritten',
    }
    return { plans: amendedPlans, errors: [], written }
  }

  migrationEntries(): Promise<MigrationEntry[]> {
    return this.#exclusive(async () => {
      // Right after a check answered by the verdict cache (a build whose inputs did not change).
      if (this.#verdict)
        return this.#verdict.entries.map((e) => ({
          ...e,
          ...(e.dependencies ? { dependencies: [...e.dependencies] } : {}),
          ...(e.dependsOn ? { dependsOn: { ...e.dependsOn } } : {}),
          ...(e.replaces ? { replaces: [...e.replaces] } : {}),
        }))
      const { loadMigrationFiles, loadProject, loadProjectState } = await this.#loadParts()
      const cache = this.#cache!
      const project = await loadProject({
        root: this.root,
        configFile: this.explicitConfig,
        cache,
        diskCache: this.stateCache,
      })
      this.currentConfigFile = project.configFile
      // IDs and files are what the state cache keeps: usually no migration has to be loaded (a
      // build checks first, which leaves it in memory). A history with problems is loaded the
      // plain way, which throws the loader's error as before.
      if (this.stateCache) {
        const state = await loadProjectState({ root: this.root, project, cache, memory: this.#memory, model: false })
        if (state.errors.length === 0) return entriesOf(state)
      }
      const entries: MigrationEntry[] = []
      for (const app of project.registry.apps) {
        const dependencies = dependenciesOf(project.registry, app.name)
        for (const m of await loadMigrationFiles(app, { root: project.root, cache }))
          entries.push(entryOf(app.name, dependencies, m))
      }
      return entries
    })
  }

  overview(options: { drift?: boolean } = {}): Promise<ProjectOverview> {
    return this.#exclusive(async () => {
      const { readOverview } = await import('./dev-page.js')
      const loaded = await this.#load(true)
      if ('error' in loaded) return emptyOverview(loaded.error.message)
      return readOverview(loaded.replayed, await this.#devDatabase(), { drift: options.drift === true })
    })
  }

  answer(answer: WaitingAnswer, options: { apply: boolean }): Promise<AnswerResult> {
    return this.#exclusive(async () => {
      const { writeAnswer } = await import('./dev-page.js')
      const loaded = await this.#load(true)
      if ('error' in loaded) return { written: [], errors: [loaded.error] }
      let written: WrittenFile[]
      try {
        written = await writeAnswer(loaded.replayed, answer)
      } catch (error) {
        return { written: [], errors: [userError(error)] }
      }
      const errors = options.apply && written.length > 0 ? await this.#applyFiles() : []
      return { written: written.map(({ app, id, file, lines }) => ({ app, id, file, lines })), errors }
    })
  }

  drift(): Promise<Difference[] | undefined> {
    return this.#exclusive(async () => {
      const loaded = await this.#load(true)
      if ('error' in loaded || loaded.replayed.errors.length > 0) return undefined
      const { replayed } = loaded
      const database = replayed.project.config.database
      const { embeddedDirOf } = await import('../../runtime/engines/open.js')
      // A dev database that was never created has no history to compare: don't create it for that.
      const dir = embeddedDirOf(database, this.root)
      if (dir !== undefined && !existsSync(dir)) return undefined
      const { findDrift } = await import('./drift.js')
      const engine = await (await this.#devDatabase()).get(database)
      // At every start: the expected schema is kept while the applied migrations stay the same.
      return (await findDrift(replayed, { engine, cache: true })).differences
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#tail.catch(() => undefined)
    await this.#cache?.dispose()
    await this.#database?.close()
  }

  /**
   * Records a clean check's verdict with what it was computed from (the session's memory of the
   * state cache, as this load left it), or forgets the last one.
   */
  #recordVerdict(replayed: ProjectState, ok: boolean): void {
    const request = this.explicitConfig ?? ''
    const cached = this.#memory.cached
    const bundles = replayed.project.keptBundles
    const complete =
      cached !== undefined &&
      this.#memory.state === replayed.state &&
      cached.apps.length === replayed.apps.length &&
      cached.apps.every((a, i) => a.name === replayed.apps[i]!.app.name)
    if (!ok || !complete || !bundles) {
      dropCleanVerdict(this.root, request)
      return
    }
    recordCleanVerdict(
      this.root,
      request,
      { configFile: replayed.project.configFile, watchFiles: replayed.watchFiles, entries: entriesOf(replayed) },
      {
        bundles,
        folders: cached.apps.flatMap((a): [string, number | null][] => (a.dir === null ? [] : [[a.dir, a.dirMtimeMs]])),
        files: cached.apps.flatMap((a) => [...a.files, ...a.inputs]),
      },
    )
  }

  /** What the migrations replay to; with `operations`, every migration's operations too. */
  async #load(operations: true): Promise<Loaded<RecordedProjectState>>
  async #load(operations?: false): Promise<Loaded<ProjectState>>
  async #load(operations = false): Promise<Loaded<ProjectState>> {
    this.#verdict = undefined
    try {
      const { loadProjectState } = await this.#loadParts()
      const options = {
        root: this.root,
        configFile: this.explicitConfig,
        cache: this.#cache,
        stateCache: this.stateCache,
        memory: this.#memory,
        operations,
      }
      const replayed = await loadProjectState(options)
      this.currentConfigFile = replayed.project.configFile
      return { replayed }
    } catch (thrown) {
      this.#memory.forget()
      const error = userError(thrown)
      return { error, watchFiles: this.#watchFilesAfter(error) }
    }
  }

  /** Applies what the files now say (see apply.ts), so the recorded checksums match later runs. */
  async #applyFiles(): Promise<AutoMigrationsError[]> {
    const fresh = await this.#load(true)
    if ('error' in fresh) return [fresh.error]
    if (fresh.replayed.errors.length > 0) return [...fresh.replayed.errors]
    const { applyPending } = await import('./apply.js')
    return applyPending(fresh.replayed, await this.#devDatabase())
  }

  /**
   * The dev database, opened on first use. Loaded then: the database drivers (PGlite's WebAssembly,
   * pg) cost a build or a `check` that never applies anything a noticeable start-up time.
   */
  async #devDatabase(): Promise<DevDatabase> {
    const { DevDatabase } = await import('./apply.js')
    this.#database ??= new DevDatabase(this.root, this.log)
    return this.#database
  }

  /** The session's build code (imported once), with its loader cache. */
  async #loadParts(): Promise<typeof import('./session-parts.js')> {
    this.#parts ??= import('./session-parts.js')
    const parts = await this.#parts
    this.#cache ??= new parts.LoaderCache({ incremental: true })
    return parts
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

/** Every migration of a loaded project state in dependency and ID order, with the apps it depends on. */
/** The project's warnings (see `CheckResult.warnings`). */
async function warningsOf(replayed: ProjectState): Promise<string[]> {
  const root = replayed.project.root
  return (await unregisteredTables(replayed.project)).map((t) => unregisteredWarning(t, root))
}

/** The page of a project that does not load: only why. */
function emptyOverview(problem: string): ProjectOverview {
  return { diagram: { apps: [], foreignKeys: [] }, timeline: [], waiting: [], problems: [problem] }
}

function entriesOf(replayed: ProjectState): MigrationEntry[] {
  const entries: MigrationEntry[] = []
  for (const { app, migrations } of replayed.apps) {
    const dependencies = dependenciesOf(replayed.project.registry, app.name)
    for (const m of migrations) entries.push(entryOf(app.name, dependencies, m))
  }
  return entries
}

/** Every app `app` depends on, directly or not, in registry order. */
function dependenciesOf(registry: Registry, app: string): string[] {
  return registry.apps.filter((other) => dependsOn(registry, app, other.name)).map((other) => other.name)
}

function entryOf(
  app: string,
  dependencies: string[],
  m: Pick<MigrationEntry, 'id' | 'file' | 'dependsOn' | 'replaces'>,
): MigrationEntry {
  return {
    app,
    id: m.id,
    file: m.file,
    dependencies,
    ...(m.dependsOn ? { dependsOn: m.dependsOn } : {}),
    ...(m.replaces ? { replaces: m.replaces } : {}),
  }
}

/** The real path of a file (as the loader reports migration files), or the path itself. */
function realPath(file: string): string {
  try {
    return realpathSync(file)
  } catch {
    return path.resolve(file)
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
