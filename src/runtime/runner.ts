/**
 * The runner: applies, reverses and tracks migrations on a database. One class, a small surface
 * (`migrate`, `rollback`, `status`), the engine and the history table behind it.
 *
 * Order: the migration graph's (core/migration-graph.ts: each migration after what it needs, an app's
 * own in ID order, otherwise by app order); that is also the replay order, so each operation's SQL is
 * generated from the schema as it is at that point of history.
 * Safety: the whole run holds the migration lock (a fenced lease on Postgres, see engines/lease.ts);
 * each migration runs in one transaction together with its history row (run-migration.ts); a migration
 * whose checksum changed after it ran blocks the run.
 */
import { existsSync } from 'node:fs'
import { orderByDependencies } from '../core/app-order.js'
import { MigrationGraph, replacedKeys } from '../core/migration-graph.js'
import { resolveSquashes } from '../core/replacements.js'
import type { Operation } from '../core/operations/index.js'
import type { LoadedMigration, RecordedMigration } from '../core/operations/migration.js'
import { extensionsAdded } from '../core/operations/extensions.js'
import { checksumOf } from '../core/operations/manager.js'
import { replay, stepsOf } from '../core/operations/replay.js'
import { AutoMigrationsError } from '../errors.js'
import type { DatabaseOption, Engine, MigrationLock } from './engines/engine.js'
import type { EmbeddedProgressListener } from './engines/pglite-image.js'
import { embeddedDirOf, isEngine, isPgliteInstance, type OpenEngineOptions, openEngine } from './engines/open.js'
import { runFailure } from './failures.js'
import {
  DEFAULT_HISTORY_SCHEMA,
  deleteHistoryRowSql,
  ensureHistoryTable,
  type HistoryRow,
  insertHistoryRowSql,
  type ProgressRow,
  readHistory,
  readProgress,
} from './history.js'
import { partialError, type RunContext, runMigration } from './run-migration.js'

/**
 * What `createMigrator({ migrations })` takes: a migration as loaded from its file (what the file
 * exports, as the virtual module gives it), whose description and file may be left out.
 */
export type MigrationSource = Omit<LoadedMigration, 'description' | 'file'> &
  Partial<Pick<LoadedMigration, 'description' | 'file'>>

export interface AppInfo {
  name: string
  dependencies: readonly string[]
}

export interface MigratorOptions {
  apps: readonly AppInfo[]
  migrations: readonly MigrationSource[]
  /** The configured database (undefined: the embedded one under `root`). */
  database?: DatabaseOption
  /** Project root, for the embedded database. Default: process.cwd(). */
  root?: string
  historySchema?: string
  /** How long the run waits for another process's migration lock. Default 60 s. */
  lockTimeoutMs?: number
  /**
   * Postgres: how long the lock's lease lasts without renewal (renewed every third of it while the
   * run is alive). A runner that crashed keeps others waiting up to this long. Default 15 s.
   */
  lockLeaseMs?: number
  /** Postgres: how long to wait for a connection before CONNECT_TIMEOUT. Default 15 s, or the URL's `?connect_timeout=SECONDS`. */
  connectTimeoutMs?: number
  /** `SET LOCAL lock_timeout` for each migration's DDL, so a migration never freezes tables behind a queued lock. Default 10 s. */
  ddlLockTimeoutMs?: number
  /** Told when a new embedded database is being created, and when it is ready (nothing is printed). */
  onEmbeddedProgress?: EmbeddedProgressListener
  /**
   * The extensions the embedded database loads (besides those it holds). Default: the ones the
   * migrations add (addExtension).
   */
  extensions?: readonly string[]
}

export type MigrationState = 'ran' | 'pending' | 'partial' | 'changed' | 'missing'

export interface MigrationStatus {
  app: string
  id: string
  description: string
  state: MigrationState
  ranOn?: Date
  file?: string
  /** A partial migration: how many of its steps committed, running which way. */
  steps?: { done: number; total: number; direction: 'forwards' | 'backwards' }
  /** A squashed migration counted as ran because every migration it replaces ran; it has no history row yet. */
  ranAsReplaced?: true
}

export interface AppliedMigration {
  app: string
  id: string
  description: string
  durationMs: number
  /** Applied although a newer migration of its app had already run (a merged branch). */
  outOfOrder: boolean
}

export interface MigrateResult {
  applied: AppliedMigration[]
  /** Squashed migrations recorded as ran, without running anything: every migration they replace had run. */
  recorded: { app: string; id: string; description: string }[]
  /** History rows with no migration file. */
  missing: { app: string; id: string }[]
}

export interface RollbackResult {
  reversed: { app: string; id: string; description: string }[]
}

export interface MigrateOptions {
  database?: DatabaseOption
  /** Only this app (and what it depends on). */
  app?: string
  /** With `app`: stop after this migration ID. */
  to?: string
  /** Record migrations as run without running them. */
  fake?: boolean
  /** Called as each migration commits (the CLI prints a line per migration as it goes). */
  onApplied?: (migration: AppliedMigration) => void
}

export interface RollbackOptions {
  database?: DatabaseOption
  app: string
  /** Reverse every migration after this ID (the migration itself stays). */
  to?: string
  /** How many migrations to reverse (default 1, unless `to` is given). */
  steps?: number
  fake?: boolean
  /**
   * Also reverse, first, the applied migrations of other apps that depend on them (else such a
   * dependent makes the rollback fail with ROLLBACK_BLOCKED, naming it).
   */
  cascade?: boolean
  /** Only say what would be reversed (newest first), reversing nothing. */
  preview?: boolean
}

/** A migration of this run, recorded from its source, with the checksum of its operations. */
interface Recorded extends RecordedMigration {
  source: MigrationSource
  checksum: string
}

function isRecorder(
  value: unknown,
): value is { operations: readonly Operation[]; description?: string; appName?: string } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { operations?: unknown }).operations)
}

export class Migrator {
  readonly #options: MigratorOptions
  readonly #apps: AppInfo[]
  #recorded: Promise<Recorded[]> | undefined
  /** The graph when no migration is squashed: the same for every database, built once. */
  #plainGraph: MigrationGraph<Recorded> | undefined
  #engine: Promise<Engine> | undefined

  constructor(options: MigratorOptions) {
    this.#options = options
    this.#apps = orderByDependencies(options.apps)
  }

  get #openOptions(): OpenEngineOptions {
    const { root = process.cwd(), connectTimeoutMs, onEmbeddedProgress } = this.#options
    return {
      root,
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(onEmbeddedProgress ? { onEmbeddedProgress } : {}),
    }
  }

  get #historySchema(): string {
    return this.#options.historySchema ?? DEFAULT_HISTORY_SCHEMA
  }

  /** The extensions the migrations add: what the embedded database must load to run them. */
  async #extensions(): Promise<readonly string[]> {
    if (this.#options.extensions) return this.#options.extensions
    // A migration that cannot be loaded is reported by the run itself, not by opening the database.
    const recorded = await this.#load().catch(() => [])
    return extensionsAdded(recorded.flatMap((m) => m.operations))
  }

  async #open(database: DatabaseOption): Promise<Engine> {
    // Only an embedded database opened here loads extensions: no migration is read for any other.
    const embedded = embeddedDirOf(database, this.#openOptions.root) !== undefined
    return openEngine(database, { ...this.#openOptions, ...(embedded ? { extensions: await this.#extensions() } : {}) })
  }

  /** The configured database, opened once and shared (in dev, with the plugin). */
  getDatabase(): Promise<Engine> {
    this.#engine ??= this.#open(this.#options.database)
    return this.#engine
  }

  /**
   * Takes over another migrator's database handle (not yet opened: nothing happens). The virtual
   * module uses it across HMR updates, so each update doesn't open a new pool or PGlite reference.
   */
  adoptDatabase(previous: Migrator): void {
    this.#engine = previous.#engine
  }

  /** Closes the database handle this migrator opened (a pool or PGlite passed in stays open). */
  async close(): Promise<void> {
    const engine = this.#engine
    this.#engine = undefined
    if (engine) await (await engine).close()
  }

  /** Every migration in logical order: apps by dependency, then ID. forwards() runs once per migration. */
  #load(): Promise<Recorded[]> {
    this.#recorded ??= (async () => {
      const known = new Set(this.#apps.map((a) => a.name))
      const sorted = this.#options.migrations
      const out: Recorded[] = []
      for (const source of sorted) {
        if (!known.has(source.app)) {
          throw new AutoMigrationsError(
            'APP_MISSING',
            `Migration ${source.id} belongs to app "${source.app}", which is not registered.`,
            { app: source.app, migrationId: source.id, file: source.file },
          )
        }
        let manager: unknown
        try {
          manager = await source.forwards()
        } catch (error) {
          throw new AutoMigrationsError(
            'MIGRATION_FORWARDS_THREW',
            `forwards() of migration ${source.app} ${source.id}${source.file ? ` (${source.file})` : ''} threw: ${error instanceof Error ? error.message : String(error)}`,
            { app: source.app, migrationId: source.id, file: source.file },
            { cause: error },
          )
        }
        if (!isRecorder(manager)) {
          throw new AutoMigrationsError(
            'INVALID_MIGRATION',
            `forwards() of migration ${source.app} ${source.id}${source.file ? ` (${source.file})` : ''} must return its MigrationManager.`,
            { app: source.app, migrationId: source.id, file: source.file },
          )
        }
        out.push({
          source,
          app: source.app,
          id: source.id,
          file: source.file,
          dependsOn: source.dependsOn,
          replaces: source.replaces,
          operations: manager.operations,
          checksum: checksumOf(manager.operations),
          description: source.description ?? manager.description ?? '',
        })
      }
      return out
    })()
    return this.#recorded
  }

  /**
   * What runs on a database with this history: squashed migrations or the ones they replace
   * (core/replacements.ts), in the order of their graph.
   */
  #plan(recorded: readonly Recorded[], ran: ReadonlyMap<string, HistoryRow>): RunPlan {
    const squashes = resolveSquashes(recorded, (app, id) => ran.has(keyOf(app, id)))
    const plain = squashes.active.length === recorded.length && squashes.aliases.size === 0
    if (plain) this.#plainGraph ??= new MigrationGraph(this.#apps, recorded)
    const graph = plain ? this.#plainGraph! : new MigrationGraph(this.#apps, squashes.active, squashes.aliases)
    const isRan = (m: Recorded) => ran.has(keyOfMigration(m)) || squashes.ranByReplaced.has(m)
    return { order: graph.order, graph, isRan, ranByReplaced: squashes.ranByReplaced, waiting: squashes.waiting }
  }

  async #withEngine<T>(database: DatabaseOption | undefined, fn: (engine: Engine) => Promise<T>): Promise<T> {
    if (database === undefined) return fn(await this.getDatabase())
    const engine = await this.#open(database)
    try {
      return await fn(engine)
    } finally {
      await engine.close()
    }
  }

  /**
   * Runs `fn` holding the migration lock, with the history tables in place. The lock is released
   * whatever happens, and a failure to release it never hides `fn`'s own error.
   */
  async #locked<T>(engine: Engine, fn: (lock: MigrationLock) => Promise<T>): Promise<T> {
    const lock = await engine.lock({
      timeoutMs: this.#options.lockTimeoutMs,
      schema: this.#historySchema,
      leaseMs: this.#options.lockLeaseMs,
    })
    try {
      await ensureHistoryTable(engine, this.#historySchema)
      return await fn(lock)
    } finally {
      await lock.release()
    }
  }

  /** The history and the progress of migrations stopped between steps, as the database has them. */
  async #readRecords(
    engine: Engine,
  ): Promise<{ history: HistoryRow[]; ran: Map<string, HistoryRow>; progress: Map<string, ProgressRow> }> {
    const history = await readHistory(engine, this.#historySchema)
    const progress = await readProgress(engine, this.#historySchema)
    return {
      history,
      ran: new Map(history.map((h) => [keyOf(h.app, h.migrationId), h])),
      progress: new Map(progress.map((p) => [keyOf(p.app, p.migrationId), p])),
    }
  }

  /**
   * Applies pending migrations, each in its own transaction with its history row. Takes the
   * configured database, or another one: a URL, a `pg` pool or client, a PGlite instance.
   * When every migration has already run it returns without taking the lock (replicas starting
   * together don't queue).
   * @throws `MIGRATION_FAILED` (or `CONNECTION_LOST`, `LOCK_LOST`) at the first migration that fails;
   *   its `details.applied` lists the migrations this call applied before it, which stay applied.
   * @example
   * const result = await migrator.migrate()
   * for (const m of result.applied) console.log(`applied ${m.app} ${m.id}`)
   */
  async migrate(optionsOrDatabase: MigrateOptions | DatabaseOption = {}): Promise<MigrateResult> {
    const options = asOptions<MigrateOptions>(optionsOrDatabase)
    const recorded = await this.#load()
    // One app: its migrations (up to `to`) and what they need, of any app.
    const scopeOf = (plan: RunPlan) =>
      options.app
        ? plan.graph.withNeeds(
            plan.order.filter((m) => m.app === options.app && !(options.to !== undefined && m.id > options.to)),
          )
        : undefined
    const nothingPending = (plan: RunPlan) => {
      const scope = scopeOf(plan)
      const wanted = (m: Recorded) => !scope || scope.has(m)
      return (
        !plan.order.some((m) => wanted(m) && !plan.isRan(m)) &&
        ![...plan.ranByReplaced].some(wanted) &&
        plan.waiting.size === 0
      )
    }
    const applied: AppliedMigration[] = []
    const squashedRecorded: MigrateResult['recorded'] = []
    const result = (history: readonly HistoryRow[]): MigrateResult => ({
      applied,
      recorded: squashedRecorded,
      missing: missingOf(recorded, history).map(idOf),
    })
    return this.#withEngine(options.database, async (engine) => {
      try {
        // Replicas starting together on a server read first and need no lock when all has run. The
        // embedded database's lock is an in-process mutex: a read before it would only add to the dev apply.
        if (engine.kind === 'pg') {
          const before = await this.#readRecords(engine)
          const plan = this.#plan(recorded, before.ran)
          this.#assertNoChanged(plan.order, before.ran)
          if (nothingPending(plan)) return result(before.history)
        }
        return await this.#locked(engine, async (lock) => {
          const { history, ran, progress } = await this.#readRecords(engine)
          const plan = this.#plan(recorded, ran)
          this.#assertNoChanged(plan.order, ran)
          // Another runner applied everything while this one waited: nothing to replay.
          if (nothingPending(plan)) return result(history)
          const scope = scopeOf(plan)
          const wanted = (m: Recorded) => !scope || scope.has(m)
          const newestRan = new Map<string, string>()
          for (const h of history) if ((newestRan.get(h.app) ?? '') < h.migrationId) newestRan.set(h.app, h.migrationId)
          // The schema as the database has it: every migration that ran, whatever its app (a pending
          // migration's SQL may have to reach tables of apps after it, e.g. foreign keys that take the
          // type of a key it changes); the steps of pending ones are taken on top of it, in logical order.
          const state = replay(plan.order.filter(plan.isRan))
          const record = async (m: Recorded) => {
            await runMigration(this.#runContext(engine, lock), {
              ...runOf(m, 'forwards'),
              steps: [],
              finish: [this.#historyRow(m, null)],
              stopped: undefined,
            })
            squashedRecorded.push({ app: m.app, id: m.id, description: m.description })
          }
          const ranNow = new Set<Recorded>()
          for (const m of plan.order) {
            const { app, id } = m.source
            if (plan.ranByReplaced.has(m) && wanted(m)) await record(m)
            if (plan.isRan(m)) continue
            if (!wanted(m)) {
              replay([m], state)
              continue
            }
            const steps = stepsOf(m, state, 'forwards')
            const started = performance.now()
            await runMigration(this.#runContext(engine, lock), {
              ...runOf(m, 'forwards'),
              steps: options.fake ? [] : steps,
              finish: [this.#historyRow(m, options.fake ? null : undefined)],
              stopped: progress.get(keyOfMigration(m)),
            })
            ranNow.add(m)
            const done = {
              app,
              id,
              description: m.description,
              durationMs: Math.round(performance.now() - started),
              outOfOrder: (newestRan.get(app) ?? '') > id,
            }
            applied.push(done)
            options.onApplied?.(done)
          }
          // A database that ran part of a squashed migration's run has now run the rest: it counts as ran.
          for (const [squashed, replaced] of plan.waiting)
            if (replaced.every((m) => plan.isRan(m) || ranNow.has(m))) await record(squashed)
          return result(history)
        })
      } catch (error) {
        // What this run applied before the failure stays applied: say which (a server's log, the
        // CLI's report), without a second look at the history.
        const failure = runFailure(error)
        if (failure instanceof AutoMigrationsError) failure.details.applied = [...applied]
        throw failure
      }
    })
  }

  /** The history row of `m` (duration: undefined = measured by the database, null = none, as when faked). */
  #historyRow(m: Recorded, durationMs: null | undefined): string {
    return insertHistoryRowSql(this.#historySchema, {
      app: m.source.app,
      migrationId: m.source.id,
      description: m.description,
      checksum: m.checksum,
      durationMs,
    })
  }

  /** Reverses the latest migrations of one app (`steps`, default 1), or every one after `to`. */
  async rollback(options: RollbackOptions): Promise<RollbackResult> {
    const recorded = await this.#load()
    if (!this.#apps.some((a) => a.name === options.app)) {
      throw new AutoMigrationsError('APP_MISSING', `No app is named "${options.app}".`, { app: options.app })
    }
    const reversed: RollbackResult['reversed'] = []
    return this.#withEngine(options.database, (engine) =>
      this.#locked(engine, async (lock) => {
        const { ran, progress } = await this.#readRecords(engine)
        const plan = this.#plan(recorded, ran)
        const { graph, isRan } = plan
        const order = plan.order
        this.#assertNoChanged(order, ran)
        const ranOfApp = order.filter((m) => m.source.app === options.app && isRan(m))
        if (
          options.to !== undefined &&
          !order.some((m) => m.source.app === options.app && m.source.id === options.to)
        ) {
          throw new AutoMigrationsError('UNKNOWN_MIGRATION', `App "${options.app}" has no migration ${options.to}.`, {
            app: options.app,
            migrationId: options.to,
          })
        }
        const chosen =
          options.to !== undefined
            ? ranOfApp.filter((m) => m.source.id > options.to!)
            : ranOfApp.slice(-Math.max(0, options.steps ?? 1))
        // Applied migrations of other apps that need what goes: reversed first (cascade), or refused.
        const dependents = [...graph.withDependents(chosen)].filter((m) => !chosen.includes(m) && isRan(m))
        if (dependents.length > 0 && !options.cascade)
          throw rollbackBlocked(options.app, chosen, dependents, order.filter(isRan), graph)
        const going = new Set([...chosen, ...dependents])
        const targets = order.filter((m) => going.has(m))
        for (const m of order.filter((r) => r.app === options.app || going.has(r))) {
          const stopped = progress.get(keyOfMigration(m))
          if (stopped?.direction === 'forwards')
            throw partialError(runOf(m, 'backwards'), stopped, ': run forwards to finish it first, then reverse it.')
        }
        if (options.preview)
          return { reversed: [...targets].reverse().map((m) => ({ app: m.app, id: m.id, description: m.description })) }
        // The schema as the database has it, the targets last (they come off the top): every other
        // migration that ran, whatever its app (reversing a key's type change must reach the foreign
        // keys of apps after it), then the targets, in graph order.
        const others = order.filter((m) => isRan(m) && !targets.includes(m))
        const state = replay([...others, ...targets])
        try {
          for (const m of [...targets].reverse()) {
            const steps = stepsOf(m, state, 'backwards')
            // A squashed migration takes the rows of the migrations it replaces with it.
            const finish = [m.source.id, ...(m.replaces ?? [])].map((id) =>
              deleteHistoryRowSql(this.#historySchema, m.source.app, id),
            )
            await runMigration(this.#runContext(engine, lock), {
              ...runOf(m, 'backwards'),
              steps: options.fake ? [] : steps,
              finish,
              stopped: progress.get(keyOfMigration(m)),
            })
            reversed.push({ app: m.source.app, id: m.source.id, description: m.description })
          }
        } catch (error) {
          const failure = runFailure(error)
          if (failure instanceof AutoMigrationsError) failure.details.reversed = [...reversed]
          throw failure
        }
        return { reversed }
      }),
    )
  }

  /** Every migration with ran / pending / partial / changed (edited after it ran) / missing (in history, no file). */
  async status(options: { database?: DatabaseOption } | DatabaseOption = {}): Promise<MigrationStatus[]> {
    const { database } = asOptions<{ database?: DatabaseOption }>(options)
    const recorded = await this.#load()
    // An embedded database that was never created has no history: reading it must not create it
    // (a `status` on a fresh checkout would leave a database behind).
    const root = this.#options.root ?? process.cwd()
    const dir = this.#engine === undefined ? embeddedDirOf(database ?? this.#options.database, root) : undefined
    const report = async (engine: Engine | undefined): Promise<MigrationStatus[]> => {
      const { history, ran, progress } =
        engine === undefined
          ? { history: [], ran: new Map<string, HistoryRow>(), progress: new Map<string, ProgressRow>() }
          : await this.#readRecords(engine)
      const plan = this.#plan(recorded, ran)
      // A squashed migration waiting for the rest of its run to catch up is listed after that run.
      const listed = plan.order.flatMap((m) => {
        const waiting = [...plan.waiting].filter(([, replaced]) => replaced.at(-1) === m).map(([s]) => s)
        return [m, ...waiting]
      })
      const out: MigrationStatus[] = listed.map((m) => {
        const row = ran.get(keyOfMigration(m))
        const stopped = progress.get(keyOfMigration(m))
        const state: MigrationState = stopped
          ? 'partial'
          : plan.ranByReplaced.has(m)
            ? 'ran'
            : !row
              ? 'pending'
              : row.checksum === m.checksum
                ? 'ran'
                : 'changed'
        return {
          app: m.source.app,
          id: m.source.id,
          description: m.description,
          state,
          ranOn: row?.ranOn,
          file: m.source.file,
          ...(stopped
            ? { steps: { done: stopped.stepsDone, total: stopped.stepsTotal, direction: stopped.direction } }
            : {}),
          ...(plan.ranByReplaced.has(m) ? { ranAsReplaced: true as const } : {}),
        }
      })
      for (const h of missingOf(recorded, history))
        out.push({ app: h.app, id: h.migrationId, description: h.description, state: 'missing', ranOn: h.ranOn })
      return out
    }
    if (dir !== undefined && !existsSync(dir)) return report(undefined)
    return this.#withEngine(database, report)
  }

  #runContext(engine: Engine, lock: MigrationLock): RunContext {
    return {
      engine,
      lock,
      historySchema: this.#historySchema,
      ddlLockTimeoutMs: this.#options.ddlLockTimeoutMs ?? 10_000,
    }
  }

  #assertNoChanged(recorded: Recorded[], ran: Map<string, HistoryRow>): void {
    const changed = recorded.filter((m) => {
      const row = ran.get(keyOfMigration(m))
      return row !== undefined && row.checksum !== m.checksum
    })
    if (changed.length) {
      const list = changed
        .map((m) => `${m.source.app} ${m.source.id}${m.source.file ? ` (${m.source.file})` : ''}`)
        .join(', ')
      throw new AutoMigrationsError(
        'CHECKSUM_CHANGED',
        `Migration ${list} changed after it ran. Restore the file as it was, or write the change as a new migration (npx auto-migrations new <app> --auto).`,
        { app: changed[0]!.source.app, migrationId: changed[0]!.source.id, file: changed[0]!.source.file },
      )
    }
  }
}

const keyOf = (app: string, id: string) => `${app}\u0000${id}`
const keyOfMigration = (m: Recorded) => keyOf(m.source.app, m.source.id)

const runOf = (m: Recorded, direction: 'forwards' | 'backwards') => ({
  app: m.source.app,
  id: m.source.id,
  file: m.source.file,
  direction,
})

/** History rows with no migration file (the rows of migrations a squashed one replaces are not missing). */
function missingOf(recorded: readonly Recorded[], history: readonly HistoryRow[]): HistoryRow[] {
  const known = new Set(recorded.map(keyOfMigration))
  for (const key of replacedKeys(recorded)) known.add(key)
  return history.filter((h) => !known.has(keyOf(h.app, h.migrationId)))
}

const idOf = (h: HistoryRow) => ({ app: h.app, id: h.migrationId })

/** What runs on one database: see `Migrator.#plan`. */
interface RunPlan {
  order: Recorded[]
  graph: MigrationGraph<Recorded>
  /** Ran: the database has its row, or it is squashed and the database ran everything it replaces. */
  isRan: (m: Recorded) => boolean
  ranByReplaced: ReadonlySet<Recorded>
  waiting: ReadonlyMap<Recorded, Recorded[]>
}

/** `migrate(db)` and `status(db)` take the database itself: a URL, a pool, a client, a PGlite instance. */
function asOptions<T extends { database?: DatabaseOption }>(value: T | DatabaseOption): T {
  if (value === undefined) return {} as T
  if (
    typeof value === 'string' ||
    isEngine(value) ||
    isPgliteInstance(value) ||
    typeof (value as { query?: unknown }).query === 'function'
  )
    return { database: value } as T
  return value as T
}

export function createMigrator(options: MigratorOptions): Migrator {
  return new Migrator(options)
}

/** ROLLBACK_BLOCKED: what depends on the migrations to reverse, and the command that reverses it first. */
function rollbackBlocked(
  app: string,
  chosen: readonly Recorded[],
  dependents: readonly Recorded[],
  applied: readonly Recorded[],
  graph: MigrationGraph<Recorded>,
): AutoMigrationsError {
  const first = dependents[0]!
  const needed = chosen.find((c) => graph.withNeeds([first]).has(c)) ?? chosen[0]!
  const earliest = dependents.filter((d) => d.app === first.app).reduce((a, b) => (b.id < a.id ? b : a))
  const steps = applied.filter((m) => m.app === first.app && m.id >= earliest.id).length
  const names = dependents.map((d) => `${d.app} ${d.id}${d.description ? ` (${d.description})` : ''}`)
  const one = dependents.length === 1
  return new AutoMigrationsError(
    'ROLLBACK_BLOCKED',
    `Cannot reverse ${app} ${needed.id}: ${names.join(', ')} ${one ? 'depends' : 'depend'} on it and ${one ? 'has' : 'have'} run. ` +
      `Reverse ${one ? 'it' : 'them'} first (npx auto-migrations backwards ${first.app} --steps ${steps}), or pass --cascade to reverse ${one ? 'it' : 'them'} too.`,
    { app, migrationId: needed.id, file: needed.file, dependents: dependents.map((d) => ({ app: d.app, id: d.id })) },
  )
}
