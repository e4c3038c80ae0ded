/**
 * The plugin's behaviour, independent of any bundler: when to check, when to write migrations, what
 * to report, which file changes matter, and what the virtual module contains. ./index.ts only
 * translates each bundler's hooks and reporting channels into calls on this class.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { CONFIG_FILE_NAMES } from '../build/loader/config-file.js'
import type { ProjectSession } from '../build/project/session.js'
import type { ProjectOverview, WaitingAnswer } from '../build/project/overview.js'
import type { AnswerResult, ChangeReport, MigrationEntry, WrittenMigration } from '../build/project/types.js'
import { AutoMigrationsError } from '../errors.js'
import {
  devPageLine,
  IN_SYNC,
  describeChanges,
  describeDrift,
  describeErrors,
  describeWritten,
  describeWarnings,
  heldHeading,
  toAutoMigrationsError,
  unmigratedHeading,
} from './messages.js'
import { type OnDiff, type Options, type ResolvedOptions, resolveOptions } from './options.js'
import { SerialDebouncer } from './scheduler.js'
import { consoleTerminal, type ServerContext, type Terminal } from './server-context.js'
import { appsFromEntries, generateVirtualModule } from './virtual-module.js'

/** How long the dev server must go without a run before it compares the dev database with its migrations. */
const DRIFT_CHECK_QUIET_MS = 2000

/** The bundler's own way of reporting, for one buildStart. */
export interface BuildReporter {
  /** Fails a build; in watch mode, a report that leaves the watcher running. */
  error(message: string): void
  warn(message: string): void
  /** A line for the terminal (what a build with `onDiff: 'emit'` wrote). */
  info(line: string): void
}

export interface BuildMode {
  root: string
  /** Watching or serving: write migrations as files change and never fail. */
  watchMode: boolean
  /** A dev server (Vite `serve`): problems go to its terminal and overlay as they happen. */
  devServer: boolean
  /**
   * Serve the virtual module and do nothing else: no check, no emit, no database (Vitest serving
   * the Vite config, see the `runInVitest` option).
   */
  idle?: boolean
}

export interface CoreSettings {
  options: Options | undefined
  virtualModuleId: string
  runtimeId: string
  openSession: (options: { root: string; configFile?: string; log?: (line: string) => void }) => Promise<ProjectSession>
  debounceMs: number
}

type FileEvent = 'create' | 'update' | 'delete'

/**
 * The folder of the config file the `config` option names (a folder named is that folder); without
 * the option, the config is looked for in the bundler's root, which is then its folder.
 */
export function configRootOf(root: string, configFile: string | undefined): string {
  if (configFile === undefined) return root
  try {
    if (statSync(configFile).isDirectory()) return configFile
  } catch {
    // Not there yet: the session waits for it to be created, in its folder.
  }
  return path.dirname(configFile)
}

const LOADABLE = /\.(?:[cm]?ts|[cm]?js)$/

/** What the last check or emit left unresolved, in watch mode. */
interface Outstanding {
  changes: ChangeReport[]
  /** 'held': changes emit did not write (ambiguous, destructive); otherwise what check found un-migrated. */
  kind: 'held' | OnDiff
  errors: AutoMigrationsError[]
  /** The façade's warnings: said in the terminal, never in the overlay on their own. */
  warnings?: string[] | undefined
}

export class PluginCore {
  private mode: BuildMode | undefined
  private options: ResolvedOptions | undefined
  private session: Promise<ProjectSession> | undefined
  private readonly scheduler: SerialDebouncer
  private started = false
  private disposed = false
  private server: ServerContext | undefined
  private terminal: Terminal = consoleTerminal
  private watchFiles = new Set<string>()
  private readonly migrationDirs = new Set<string>()
  /** Files the virtual module imports (registry and migrations): the ones the plugin may need to transpile. */
  private bundledFiles = new Set<string>()
  /** Migration files this plugin wrote, with their content: their own file events are not changes. */
  private readonly ownWrites = new Map<string, string>()
  /**
   * File events that arrive while a run is writing: the watcher reports a file as soon as it is
   * created, before the run can record it as its own. They are judged once the run is over.
   */
  private running = false
  /** When the last watch-mode run ended (performance.now()); the drift check waits for a quiet moment. */
  private lastRunEnded = 0
  private deferredEvents: { file: string; event: FileEvent }[] = []
  private migrationListEventsDuringRun: string[] = []
  private outstanding: Outstanding = { changes: [], kind: 'held', errors: [] }
  private lastAnnounced = ''
  private readonly syncListeners = new Set<() => void>()
  /** The last run announced something new (a problem, or that it is resolved). */
  private announcedChange = false
  /** The problems of the last announcement ('' for none): leaving them says "in sync". */
  private lastText = ''

  constructor(private readonly settings: CoreSettings) {
    this.scheduler = new SerialDebouncer(
      () => this.sync(),
      settings.debounceMs,
      (error) => {
        this.outstanding = { changes: [], kind: 'held', errors: [toAutoMigrationsError(error)] }
        this.announce()
      },
    )
  }

  /** The first call decides; later ones (every rebuild calls it) change nothing. */
  configure(mode: BuildMode): void {
    if (this.mode !== undefined) return
    this.mode = mode
    this.options = resolveOptions(this.settings.options, { watchMode: mode.watchMode })
  }

  get watching(): boolean {
    return this.mode?.watchMode === true
  }

  get servingDev(): boolean {
    return this.mode?.devServer === true
  }

  attachServer(server: ServerContext): void {
    this.server = server
    this.terminal = server
  }

  /**
   * Build: check once and report through the bundler (failing it for un-migrated changes unless
   * told otherwise). Watch: bring migrations in line with the tables, then report what is left.
   */
  async buildStart(reporter: BuildReporter, addWatchFile?: (file: string) => void): Promise<void> {
    const { mode, options } = this.configured()
    if (mode.idle === true) return
    if (!mode.watchMode) {
      await this.checkOnce(reporter, options)
      return
    }
    if (!this.started) {
      this.started = true
      const first = this.scheduler.runNow()
      // Once, after the first run has brought the dev database up to date: what it holds beyond that.
      void first.then(
        () => this.warnAboutDrift(),
        () => undefined,
      )
      // A dev server must start at once; the virtual module waits for this run when it is loaded.
      if (mode.devServer) return
      await first
    } else {
      await this.scheduler.flush()
    }
    for (const file of this.watchFiles) addWatchFile?.(file)
    if (!mode.devServer) this.reportOutstanding(reporter)
  }

  /** Build mode only: the session is not needed once the modules are loaded. */
  async buildEnd(): Promise<void> {
    if (this.mode !== undefined && !this.mode.watchMode) await this.releaseSession()
  }

  /** The watcher or server is closing. */
  async dispose(): Promise<void> {
    this.disposed = true
    this.scheduler.stop()
    await this.scheduler.flush()
    await this.releaseSession()
  }

  /** A file changed on disk (any bundler's watchChange, Vite's watcher). */
  fileChanged(file: string, event: FileEvent): void {
    if (this.disposed || !this.watching) return
    const absolute = path.resolve(file)
    if (this.running) {
      this.deferredEvents.push({ file: absolute, event })
      return
    }
    if (!this.isRelevant(absolute, event) || this.isOwnWrite(absolute, event)) return
    this.scheduler.schedule()
  }

  /**
   * A migration file appeared or disappeared without going through this plugin (written by hand,
   * by the CLI, by a branch switch): the virtual module must list it. During a run the answer
   * waits for the run, which then updates the module once for both.
   */
  changesMigrationList(file: string, event: FileEvent): boolean {
    const absolute = path.resolve(file)
    if (event === 'update' || !this.isMigrationCandidate(absolute)) return false
    if (this.running) {
      this.migrationListEventsDuringRun.push(absolute)
      return false
    }
    return !this.isOwnWrite(absolute, event)
  }

  /** Registry or migration source that the virtual module imports (for bundlers without TypeScript). */
  isBundledSource(id: string): boolean {
    return this.bundledFiles.has(path.resolve(id))
  }

  async loadVirtualModule(addWatchFile?: (file: string) => void): Promise<string> {
    const { mode } = this.configured()
    // In watch mode a run may be writing a migration right now: the module must include it.
    if (mode.watchMode) await this.scheduler.flush()
    let session: ProjectSession
    let entries: MigrationEntry[]
    try {
      session = await this.openSession()
      entries = await session.migrationEntries()
    } catch (cause) {
      // Thrown, not reported: the bundler attaches it to the importing module, and esbuild and
      // webpack would not stop on a reported one.
      const error = toAutoMigrationsError(cause)
      const message = `${this.settings.virtualModuleId} cannot be generated. ${describeErrors([error], mode.root)}`
      throw new AutoMigrationsError(error.code, message, error.details, { cause })
    }
    const configFile = path.resolve(session.root, session.configFile)
    for (const entry of entries) this.migrationDirs.add(path.dirname(path.resolve(entry.file)))
    this.bundledFiles = new Set([configFile, ...entries.map((entry) => path.resolve(entry.file))])
    // Not for a dev server: there a watch file becomes an HMR dependency of the module, so every save
    // of a table file would re-run it; it changes only when a migration is written (updateVirtualModule).
    if (addWatchFile !== undefined && !mode.devServer) {
      for (const file of new Set([...this.watchFiles, ...this.bundledFiles])) addWatchFile(file)
    }
    return generateVirtualModule({
      runtimeId: this.settings.runtimeId,
      configFile,
      root: session.root,
      apps: appsFromEntries(entries),
      migrations: entries,
      hot: mode.devServer,
    })
  }

  /** Dev page: what it shows (`drift`: with the dev database compared), once the run in progress (if any) is over. */
  async overview(options: { drift?: boolean } = {}): Promise<ProjectOverview> {
    await this.scheduler.flush()
    return (await this.openSession()).overview(options)
  }

  /**
   * Dev page: a person's answer. The migration is written and applied as the CLI would, between
   * two runs of the watcher, and the run after it says what is left (the overlay goes away when
   * nothing is).
   */
  answer(answer: WaitingAnswer): Promise<AnswerResult> {
    return this.scheduler.exclusive(async () => {
      let answered: AnswerResult = { written: [], errors: [] }
      try {
        await this.sync(async (session) => {
          answered = await session.answer(answer, { apply: this.configured().options.apply })
          return answered.written
        })
      } catch (error) {
        // A project that cannot be opened: the page shows why, as the overlay does.
        answered = { written: answered.written, errors: [...answered.errors, toAutoMigrationsError(error)] }
      }
      return answered
    })
  }

  /**
   * Dev page: `listener` is called after each run that wrote a migration or changed what waits,
   * so an open page can show it. Returns the call that stops it.
   */
  subscribe(listener: () => void): () => void {
    this.syncListeners.add(listener)
    return () => this.syncListeners.delete(listener)
  }

  /** Directories that hold migrations, for bundlers that can watch a directory for new files. */
  get migrationDirectories(): string[] {
    return [...this.migrationDirs]
  }

  private configured(): { mode: BuildMode; options: ResolvedOptions } {
    if (this.mode === undefined || this.options === undefined) {
      throw new Error('auto-migrations: the plugin was used before the bundler started it')
    }
    return { mode: this.mode, options: this.options }
  }

  private openSession(): Promise<ProjectSession> {
    if (this.session === undefined) {
      const { mode, options } = this.configured()
      const configFile = options.config === undefined ? undefined : path.resolve(mode.root, options.config)
      // The project root is the config's folder, as in the CLI: the embedded database, `{ pglite: dir }`
      // and the runtime's root all follow the config, not the bundler's root.
      const opening = this.settings.openSession({
        root: configRootOf(mode.root, configFile),
        configFile,
        log: (line) => this.terminal.info(line),
      })
      // A failed open is not kept: the user may be about to create the registry.
      opening.catch(() => {
        if (this.session === opening) this.session = undefined
      })
      this.session = opening
    }
    return this.session
  }

  private async releaseSession(): Promise<void> {
    const opening = this.session
    this.session = undefined
    if (opening === undefined) return
    const session = await opening.catch(() => undefined)
    await session?.close()
  }

  private async checkOnce(reporter: BuildReporter, options: ResolvedOptions): Promise<void> {
    const root = this.mode?.root ?? process.cwd()
    const report: { fatal: string[]; warnings: string[]; written: string[] } = { fatal: [], warnings: [], written: [] }
    try {
      const session = await this.openSession()
      if (options.onDiff === 'emit') {
        // A one-off build has written nothing before to amend; esbuild's watch mode comes this way too.
        const result = await session.emit({
          allowDestructive: options.allowDestructive,
          apply: options.apply,
          amend: options.amend,
        })
        this.setWatchFiles(result.watchFiles)
        report.written.push(...describeWritten(result.written, root))
        if (result.held.length > 0) report.warnings.push(describeChanges(result.held, root, heldHeading(result.held)))
        if (result.warnings?.length) report.warnings.push(describeWarnings(result.warnings))
        if (result.errors.length > 0) report.fatal.push(describeErrors(result.errors, root))
      } else {
        const result = await session.check()
        // esbuild in watch mode can only learn these from the virtual module's load.
        this.setWatchFiles(result.watchFiles)
        if (result.errors.length > 0) report.fatal.push(describeErrors(result.errors, root))
        if (result.warnings?.length) report.warnings.push(describeWarnings(result.warnings))
        if (result.changes.length > 0) {
          const message = describeChanges(result.changes, root, unmigratedHeading(result.changes))
          if (options.onDiff === 'error') report.fatal.push(message)
          else report.warnings.push(message)
        }
      }
    } catch (error) {
      // The session reports user errors in its results; this is a registry that cannot be opened, or a bug.
      report.fatal.push(describeErrors([toAutoMigrationsError(error)], root))
    }
    // Reported after the try: Rollup's error channel throws, and that is not a failure to report.
    for (const line of report.written) reporter.info(line)
    for (const message of report.warnings) reporter.warn(message)
    // One error for everything: some bundlers stop at the first.
    if (report.fatal.length > 0) reporter.error(report.fatal.join('\n\n'))
  }

  /**
   * One watch-mode run (after `first`, a dev page answer, has written its migrations), then the
   * file events that came in meanwhile.
   */
  private async sync(first?: (session: ProjectSession) => Promise<WrittenMigration[]>): Promise<void> {
    this.running = true
    const wrote: string[] = []
    try {
      if (first) wrote.push(...this.recordWritten(await first(await this.openSession())))
      wrote.push(...(await this.emitOrCheck()))
    } finally {
      this.running = false
      this.lastRunEnded = performance.now()
      const events = this.deferredEvents
      const listEvents = this.migrationListEventsDuringRun
      this.deferredEvents = []
      this.migrationListEventsDuringRun = []
      for (const { file, event } of events) this.fileChanged(file, event)
      const byHand = listEvents.some((file) => !wrote.includes(file))
      if (wrote.length > 0 || byHand) this.server?.updateVirtualModule()
      if (wrote.length > 0 || byHand || this.announcedChange) for (const listener of this.syncListeners) listener()
      this.announcedChange = false
    }
  }

  /** Emit (or check), remember what was written, report; returns the files written. */
  private async emitOrCheck(): Promise<string[]> {
    const { options } = this.configured()
    let session: ProjectSession
    try {
      session = await this.openSession()
    } catch (error) {
      this.outstanding = { changes: [], kind: options.onDiff, errors: [toAutoMigrationsError(error)] }
      this.announce()
      return []
    }
    const wrote: string[] = []
    if (options.onDiff === 'emit') {
      const result = await session.emit({
        allowDestructive: options.allowDestructive,
        apply: options.apply,
        amend: options.amend,
      })
      wrote.push(...this.recordWritten(result.written))
      this.setWatchFiles(result.watchFiles)
      this.outstanding = { changes: result.held, kind: 'held', errors: result.errors, warnings: result.warnings }
    } else {
      const result = await session.check()
      this.setWatchFiles(result.watchFiles)
      this.outstanding = {
        changes: result.changes,
        kind: options.onDiff,
        errors: result.errors,
        warnings: result.warnings,
      }
    }
    this.announce()
    return wrote
  }

  /** Migrations this plugin wrote: their own file events are not edits. Says them; returns their files. */
  private recordWritten(written: readonly WrittenMigration[]): string[] {
    const root = this.mode?.root ?? process.cwd()
    const files: string[] = []
    for (const migration of written) {
      const file = path.resolve(migration.file)
      this.migrationDirs.add(path.dirname(file))
      this.ownWrites.set(file, readIfExists(file) ?? '')
      files.push(file)
    }
    for (const line of describeWritten(written, root)) this.terminal.info(line)
    return files
  }

  /** One terminal line when the dev database differs from what its applied migrations describe. */
  private async warnAboutDrift(): Promise<void> {
    // A project that does not load has no schema to compare with: the first run said why.
    if (this.disposed || this.outstanding.errors.length > 0) return
    // Building the expected schema can take seconds on a long history: not while the user saves.
    for (;;) {
      const quietFor = performance.now() - this.lastRunEnded
      if (this.disposed) return
      if (!this.running && quietFor >= DRIFT_CHECK_QUIET_MS) break
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, DRIFT_CHECK_QUIET_MS - quietFor)).unref())
    }
    try {
      const session = await this.openSession()
      const differences = await session.drift?.()
      if (this.disposed || !differences || differences.length === 0) return
      this.terminal.warn(describeDrift(differences.map((d) => d.message)))
    } catch (error) {
      if (!this.disposed)
        this.terminal.info(
          `Could not compare the dev database with its migrations: ${toAutoMigrationsError(error).message}`,
        )
    }
  }

  private setWatchFiles(files: readonly string[]): void {
    this.watchFiles = new Set(files.map((file) => path.resolve(file)))
    this.server?.watch([...this.watchFiles])
  }

  private outstandingMessages(): { errors: string[]; warnings: string[]; notes: string[] } {
    const root = this.mode?.root ?? process.cwd()
    const { changes, kind, errors } = this.outstanding
    const notes = this.outstanding.warnings?.length ? [describeWarnings(this.outstanding.warnings)] : []
    const result: { errors: string[]; warnings: string[]; notes: string[] } = { errors: [], warnings: [], notes }
    if (errors.length > 0) result.errors.push(describeErrors(errors, root))
    if (changes.length > 0) {
      const heading = kind === 'held' ? heldHeading(changes) : unmigratedHeading(changes)
      const page = kind === 'held' ? this.server?.devPageUrl?.() : undefined
      const message = describeChanges(changes, root, heading) + (page ? `\n\n${devPageLine(page)}` : '')
      if (kind === 'error') result.errors.push(message)
      else result.warnings.push(message)
    }
    return result
  }

  /** Watch mode without a dev server: the bundler shows what is left on every rebuild. */
  private reportOutstanding(reporter: BuildReporter): void {
    const { errors, warnings, notes } = this.outstandingMessages()
    for (const message of [...notes, ...warnings]) reporter.warn(message)
    for (const message of errors) reporter.error(message)
  }

  /**
   * Dev server: say it now, in the terminal and in the overlay, since no rebuild will. The terminal
   * hears each distinct state once, not on every save.
   */
  private announce(): void {
    if (this.server === undefined) return
    const { errors, warnings, notes } = this.outstandingMessages()
    const text = [...errors, ...warnings].join('\n\n')
    const said = [text, ...notes].join('\n\n')
    if (said === this.lastAnnounced) return
    this.announcedChange = true
    const waited = this.lastText !== ''
    this.lastAnnounced = said
    this.lastText = text
    for (const message of notes) this.server.warn(message)
    if (text === '') {
      this.server.showError(null)
      // Whoever resolved it (a hint, the CLI, the dev page, a fixed file), the terminal hears so.
      if (waited) this.server.info(IN_SYNC)
      return
    }
    for (const message of errors) this.server.error(message)
    for (const message of warnings) this.server.warn(message)
    const first = this.outstanding.changes[0]?.file ?? this.outstanding.errors[0]?.details.file
    this.server.showError({ message: text, id: first })
  }

  private isRelevant(file: string, event: FileEvent): boolean {
    if (this.watchFiles.has(file)) return true
    if (this.isConfigCandidate(file)) return true
    return event !== 'update' && this.isMigrationCandidate(file)
  }

  private isConfigCandidate(file: string): boolean {
    const { mode, options } = this.configured()
    if (options.config !== undefined) return file === path.resolve(mode.root, options.config)
    return (
      path.dirname(file) === path.resolve(mode.root) &&
      (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(file))
    )
  }

  private isMigrationCandidate(file: string): boolean {
    const name = path.basename(file)
    // Atomic writes go through hidden or `.tmp` files next to the real one; those are not migrations.
    if (name.startsWith('.') || name.includes('.tmp')) return false
    return LOADABLE.test(name) && this.migrationDirs.has(path.dirname(file))
  }

  private isOwnWrite(file: string, event: FileEvent): boolean {
    const written = this.ownWrites.get(file)
    if (written === undefined) return false
    if (event === 'delete') {
      this.ownWrites.delete(file)
      return false
    }
    // Same bytes as written: the event is the plugin's own write echoing back, not an edit.
    return readIfExists(file) === written
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
