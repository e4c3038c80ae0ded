/**
 * The runner: applies, reverses and tracks migrations on a database. One class, a small surface
 * (`migrate`, `rollback`, `status`), the engine and the history table behind it.
 *
 * Order: apps in dependency order, each app's migrations in ID order; that "logical order" is also the
 * replay order, so each operation's SQL is generated from the schema as it is at that point of history.
 * Safety: the whole run holds the migration lock; each migration runs in one transaction together with
 * its history row; a migration whose checksum changed after it ran blocks the run.
 */
import { existsSync } from 'node:fs'
import { AutoMigrationsError } from '../errors.js'
import { checksumOf } from '../migration/manager.js'
import type { Operation } from '../migration/operations/index.js'
import { type PlannedStep, plan, replay } from '../migration/replay.js'
import type { DatabaseOption, Engine, Queryable } from './engines/engine.js'
import { embeddedDirOf, openEngine } from './engines/open.js'
import { DEFAULT_HISTORY_SCHEMA, type HistoryRow, deleteHistoryRowSql, ensureHistoryTable, insertHistoryRowSql, readHistory } from './history.js'

const NOTHING_APPLIED = 'Nothing of this migration was applied.'

/** What a migration file exports (or what the loader gives for one). */
export interface MigrationSource {
  app: string
  id: string
  description?: string
  /** For error messages. */
  file?: string
  forwards: () => unknown
}

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
  /** `SET LOCAL lock_timeout` for each migration's DDL, so a migration never freezes tables behind a queued lock. Default 10 s. */
  ddlLockTimeoutMs?: number
}

export type MigrationState = 'ran' | 'pending' | 'changed' | 'missing'

export interface MigrationStatus {
  app: string
  id: string
  description: string
  state: MigrationState
  ranOn?: Date
  file?: string
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
}

interface Recorded {
  source: MigrationSource
  operations: readonly Operation[]
  checksum: string
  description: string
}

function isRecorder(value: unknown): value is { operations: readonly Operation[]; description?: string; appName?: string } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { operations?: unknown }).operations)
}

function orderApps(apps: readonly AppInfo[]): AppInfo[] {
  const byName = new Map(apps.map((a) => [a.name, a]))
  const done = new Set<string>()
  const out: AppInfo[] = []
  const visit = (app: AppInfo, path: string[]) => {
    if (done.has(app.name)) return
    if (path.includes(app.name)) {
      throw new AutoMigrationsError('APP_CYCLE', `App dependencies form a cycle: ${[...path, app.name].join(' -> ')}.`, { app: app.name })
    }
    for (const dep of [...app.dependencies].sort()) {
      const found = byName.get(dep)
      if (!found) throw new AutoMigrationsError('APP_MISSING', `App "${app.name}" depends on "${dep}", which is not registered.`, { app: app.name })
      visit(found, [...path, app.name])
    }
    done.add(app.name)
    out.push(app)
  }
  for (const app of [...apps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(app, [])
  return out
}

function dependencyClosure(apps: readonly AppInfo[], name: string): Set<string> {
  const byName = new Map(apps.map((a) => [a.name, a]))
  const out = new Set<string>()
  const stack = [name]
  while (stack.length) {
    const next = stack.pop()!
    if (out.has(next)) continue
    out.add(next)
    stack.push(...(byName.get(next)?.dependencies ?? []))
  }
  return out
}

const recordedMigration = (m: Recorded) => ({ app: m.source.app, id: m.source.id, file: m.source.file, operations: m.operations })

const stepText = (step: PlannedStep) => (step.step.kind === 'sql' ? step.step.sql : '(raw function)')

export class Migrator {
  readonly #options: MigratorOptions
  readonly #apps: AppInfo[]
  #recorded: Promise<Recorded[]> | undefined
  #engine: Promise<Engine> | undefined

  constructor(options: MigratorOptions) {
    this.#options = options
    this.#apps = orderApps(options.apps)
  }

  get #historySchema(): string {
    return this.#options.historySchema ?? DEFAULT_HISTORY_SCHEMA
  }

  /** The configured database, opened once and shared (in dev, with the plugin). */
  getDatabase(): Promise<Engine> {
    this.#engine ??= openEngine(this.#options.database, { root: this.#options.root ?? process.cwd() })
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
      const rank = new Map(this.#apps.map((a, i) => [a.name, i]))
      const sorted = [...this.#options.migrations].sort((a, b) => (rank.get(a.app) ?? 0) - (rank.get(b.app) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      const out: Recorded[] = []
      for (const source of sorted) {
        if (!rank.has(source.app)) {
          throw new AutoMigrationsError('APP_MISSING', `Migration ${source.id} belongs to app "${source.app}", which is not registered.`, { app: source.app, migrationId: source.id, file: source.file })
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
          throw new AutoMigrationsError('INVALID_MIGRATION', `forwards() of migration ${source.app} ${source.id}${source.file ? ` (${source.file})` : ''} must return its MigrationManager.`, { app: source.app, migrationId: source.id, file: source.file })
        }
        out.push({ source, operations: manager.operations, checksum: checksumOf(manager.operations), description: source.description ?? manager.description ?? '' })
      }
      return out
    })()
    return this.#recorded
  }

  async #withEngine<T>(database: DatabaseOption | undefined, fn: (engine: Engine) => Promise<T>): Promise<T> {
    if (database === undefined) return fn(await this.getDatabase())
    const engine = await openEngine(database, { root: this.#options.root ?? process.cwd() })
    try {
      return await fn(engine)
    } finally {
      await engine.close()
    }
  }

  async #locked<T>(engine: Engine, fn: () => Promise<T>): Promise<T> {
    const release = await engine.lock({ timeoutMs: this.#options.lockTimeoutMs })
    try {
      await ensureHistoryTable(engine, this.#historySchema)
      return await fn()
    } finally {
      await release()
    }
  }

  /**
   * Applies pending migrations, each in its own transaction with its history row.
   * @throws `MIGRATION_FAILED` at the first migration that fails (nothing of it applied); its
   *   `details.applied` lists the migrations this call applied before it, which stay applied.
   * @example
   * const result = await migrator.migrate()
   * for (const m of result.applied) console.log(`applied ${m.app} ${m.id}`)
   */
  async migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
    const recorded = await this.#load()
    const scope = options.app ? dependencyClosure(this.#apps, options.app) : undefined
    return this.#withEngine(options.database, (engine) =>
      this.#locked(engine, async () => {
        const history = await readHistory(engine, this.#historySchema)
        const ran = new Map(history.map((h) => [`${h.app}\u0000${h.migrationId}`, h]))
        this.#assertNoChanged(recorded, ran)
        const newestRan = new Map<string, string>()
        for (const h of history) if ((newestRan.get(h.app) ?? '') < h.migrationId) newestRan.set(h.app, h.migrationId)
        // The schema as the database has it: every migration that ran, whatever its app (a pending
        // migration's SQL may have to reach tables of apps after it, e.g. foreign keys that take the
        // type of a key it changes); pending ones are planned on top of it, in logical order.
        const isRan = (m: Recorded) => ran.has(`${m.source.app}\u0000${m.source.id}`)
        const state = replay(recorded.filter(isRan).map(recordedMigration))
        const applied: AppliedMigration[] = []
        for (const m of recorded) {
          const { app, id } = m.source
          const migration = recordedMigration(m)
          const inScope = !scope || scope.has(app)
          const beyondTarget = options.to !== undefined && app === options.app && id > options.to
          if (isRan(m)) continue
          if (!inScope || beyondTarget) {
            replay([migration], state)
            continue
          }
          const steps = plan(migration, state, 'forwards')
          const started = performance.now()
          const historySql = insertHistoryRowSql(this.#historySchema, { app, migrationId: id, description: m.description, checksum: m.checksum, durationMs: options.fake ? null : undefined })
          try {
            await this.#run(engine, options.fake ? [] : steps, historySql, m, 'forwards')
          } catch (error) {
            // What this run applied before the failure stays applied: say which (a server's log,
            // the CLI's report), without a second look at the history.
            if (error instanceof AutoMigrationsError) error.details.applied = [...applied]
            throw error
          }
          const done = { app, id, description: m.description, durationMs: Math.round(performance.now() - started), outOfOrder: (newestRan.get(app) ?? '') > id }
          applied.push(done)
          options.onApplied?.(done)
        }
        const known = new Set(recorded.map((m) => `${m.source.app}\u0000${m.source.id}`))
        const missing = history.filter((h) => !known.has(`${h.app}\u0000${h.migrationId}`)).map((h) => ({ app: h.app, id: h.migrationId }))
        return { applied, missing }
      }),
    )
  }

  /** Reverses the latest migrations of one app (`steps`, default 1), or every one after `to`. */
  async rollback(options: RollbackOptions): Promise<RollbackResult> {
    const recorded = await this.#load()
    if (!this.#apps.some((a) => a.name === options.app)) {
      throw new AutoMigrationsError('APP_MISSING', `No app is named "${options.app}".`, { app: options.app })
    }
    return this.#withEngine(options.database, (engine) =>
      this.#locked(engine, async () => {
        const history = await readHistory(engine, this.#historySchema)
        const ran = new Map(history.map((h) => [`${h.app}\u0000${h.migrationId}`, h]))
        this.#assertNoChanged(recorded, ran)
        const ranOfApp = recorded.filter((m) => m.source.app === options.app && ran.has(`${m.source.app}\u0000${m.source.id}`))
        if (options.to !== undefined && !recorded.some((m) => m.source.app === options.app && m.source.id === options.to)) {
          throw new AutoMigrationsError('UNKNOWN_MIGRATION', `App "${options.app}" has no migration ${options.to}.`, { app: options.app, migrationId: options.to })
        }
        const targets = options.to !== undefined ? ranOfApp.filter((m) => m.source.id > options.to!) : ranOfApp.slice(-Math.max(0, options.steps ?? 1))
        if (targets.length === 0) return { reversed: [] }
        // The schema as the database has it, the targets last (they come off the top): every other
        // migration that ran, whatever its app (reversing a key's type change must reach the foreign
        // keys of apps after it), then the targets, in logical order.
        const others = recorded.filter((m) => ran.has(`${m.source.app}\u0000${m.source.id}`) && !targets.includes(m))
        const state = replay([...others, ...targets].map(recordedMigration))
        const reversed: RollbackResult['reversed'] = []
        for (const m of [...targets].reverse()) {
          const migration = recordedMigration(m)
          const steps = plan(migration, state, 'backwards')
          await this.#run(engine, options.fake ? [] : steps, deleteHistoryRowSql(this.#historySchema, m.source.app, m.source.id), m, 'backwards')
          reversed.push({ app: m.source.app, id: m.source.id, description: m.description })
        }
        return { reversed }
      }),
    )
  }

  /** Every migration with ran / pending / changed (edited after it ran) / missing (in history, no file). */
  async status(options: { database?: DatabaseOption } = {}): Promise<MigrationStatus[]> {
    const recorded = await this.#load()
    // An embedded database that was never created has no history: reading it must not create it
    // (a `status` on a fresh checkout would leave a database behind).
    const root = this.#options.root ?? process.cwd()
    const dir = this.#engine === undefined ? embeddedDirOf(options.database ?? this.#options.database, root) : undefined
    const report = async (engine: Engine | undefined): Promise<MigrationStatus[]> => {
      const history = engine === undefined ? [] : await readHistory(engine, this.#historySchema)
      const ran = new Map(history.map((h) => [`${h.app}\u0000${h.migrationId}`, h]))
      const out: MigrationStatus[] = recorded.map((m) => {
        const row = ran.get(`${m.source.app}\u0000${m.source.id}`)
        const state: MigrationState = !row ? 'pending' : row.checksum === m.checksum ? 'ran' : 'changed'
        return { app: m.source.app, id: m.source.id, description: m.description, state, ranOn: row?.ranOn, file: m.source.file }
      })
      const known = new Set(recorded.map((m) => `${m.source.app}\u0000${m.source.id}`))
      for (const h of history) {
        if (!known.has(`${h.app}\u0000${h.migrationId}`)) out.push({ app: h.app, id: h.migrationId, description: h.description, state: 'missing', ranOn: h.ranOn })
      }
      return out
    }
    if (dir !== undefined && !existsSync(dir)) return report(undefined)
    return this.#withEngine(options.database, report)
  }

  #assertNoChanged(recorded: Recorded[], ran: Map<string, HistoryRow>): void {
    const changed = recorded.filter((m) => {
      const row = ran.get(`${m.source.app}\u0000${m.source.id}`)
      return row !== undefined && row.checksum !== m.checksum
    })
    if (changed.length) {
      const list = changed.map((m) => `${m.source.app} ${m.source.id}${m.source.file ? ` (${m.source.file})` : ''}`).join(', ')
      throw new AutoMigrationsError(
        'CHECKSUM_CHANGED',
        `Migration ${list} changed after it ran. Restore the file as it was, or write the change as a new migration (npx auto-migrations new <app> --auto).`,
        { app: changed[0]!.source.app, migrationId: changed[0]!.source.id, file: changed[0]!.source.file },
      )
    }
  }

  /**
   * Runs one migration's steps and its history statement. Transactional steps are batched into one
   * transaction (one round trip for the SQL); a step Postgres refuses inside a transaction runs on its
   * own; the history row goes with the last transaction, so it is written only if everything succeeded.
   */
  async #run(engine: Engine, steps: PlannedStep[], historySql: string, m: Recorded, direction: 'forwards' | 'backwards'): Promise<void> {
    const groups: { transactional: boolean; steps: PlannedStep[] }[] = []
    for (const step of steps) {
      const last = groups[groups.length - 1]
      if (step.step.transactional && last?.transactional) last.steps.push(step)
      else groups.push({ transactional: step.step.transactional, steps: [step] })
    }
    if (!groups.length || !groups[groups.length - 1]!.transactional) groups.push({ transactional: true, steps: [] })
    const lockTimeout = `SET LOCAL lock_timeout = '${Math.max(0, Math.round(this.#options.ddlLockTimeoutMs ?? 10_000))}ms'`
    /** Steps of groups that committed before the last one (only a migration with steps outside the transaction has any). */
    const committed: PlannedStep[] = []
    let outside: PlannedStep | undefined
    try {
      for (const [at, group] of groups.entries()) {
        const isLast = at === groups.length - 1
        if (!group.transactional) {
          outside = group.steps[0]!
          await this.#exec(m, outside, direction, () => engine.exec(stepText(outside!)))
          committed.push(outside)
          outside = undefined
          continue
        }
        await this.#runTransaction(engine, m, group.steps, direction, lockTimeout, isLast ? historySql : undefined)
        if (!isLast) committed.push(...group.steps)
      }
    } catch (error) {
      if (error instanceof AutoMigrationsError && (committed.length || outside)) await this.#afterPartialFailure(engine, error, committed, outside, direction)
      throw error
    }
  }

  /** One transactional group of steps, with the history row when it is the migration's last. */
  async #runTransaction(engine: Engine, m: Recorded, steps: PlannedStep[], direction: string, lockTimeout: string, historySql: string | undefined): Promise<void> {
    const history = historySql === undefined ? [] : [historySql]
    try {
      if (steps.every((s) => s.step.kind === 'sql')) {
        // One round trip: a multi-statement simple query is one implicit transaction, atomic on
        // its own (SET LOCAL applies to it), so no BEGIN/COMMIT round trips are needed.
        await engine.exec([lockTimeout, ...steps.map(stepText), ...history].join(';\n'))
        return
      }
      await engine.transaction(async (tx) => {
        await tx.exec(lockTimeout)
        for (const step of steps) {
          await this.#exec(m, step, direction, () => (step.step.kind === 'raw' ? Promise.resolve(step.step.run(tx)) : tx.exec(step.step.sql)))
        }
        for (const sql of history) await tx.exec(sql)
      })
    } catch (error) {
      if (error instanceof AutoMigrationsError) throw error
      // Only after the failed transaction is gone: PGlite runs one transaction at a time.
      throw await this.#locate(engine, m, steps, direction, error)
    }
  }

  /**
   * A migration with steps outside its transaction failed after some of its groups committed (or
   * in such a step). What a step left behind and has a cleanup for is taken away (an index built
   * CONCURRENTLY, or left INVALID by a failed build); the rest stays, and the error says which
   * operations and what to do, instead of "nothing was applied".
   */
  async #afterPartialFailure(engine: Engine, error: AutoMigrationsError, committed: PlannedStep[], failed: PlannedStep | undefined, direction: 'forwards' | 'backwards'): Promise<void> {
    const left: PlannedStep[] = []
    for (const step of [...committed, ...(failed ? [failed] : [])].reverse()) {
      const cleanup = step.step.kind === 'sql' ? step.step.cleanup : undefined
      if (cleanup === undefined) {
        if (step !== failed) left.unshift(step)
        continue
      }
      try {
        await engine.exec(cleanup)
      } catch {
        left.unshift(step)
      }
    }
    if (!left.length) return
    const operations = [...new Set(left.map((s) => s.operation.describe()))]
    const repeatable = left.every((s) => s.step.kind === 'sql' && s.step.repeatable === true)
    error.details.leftApplied = left.map(stepText)
    error.message = error.message.replace(
      NOTHING_APPLIED,
      `Postgres runs some of its steps outside the migration's transaction, so what ran before the failure stays applied: ${operations.join('; ')}. The migration is not recorded as run. ` +
        (repeatable
          ? 'Running it again is safe (those steps skip what is already done).'
          : `Undo those operations by hand (\`auto-migrations sql <app> <ID>${direction === 'forwards' ? ' --backwards' : ''}\` prints their statements), or fix the migration so that it runs past them, before running it again.`),
    )
  }

  async #exec(m: Recorded, step: PlannedStep, direction: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run()
    } catch (error) {
      throw this.#failure(m, step, direction, error)
    }
  }

  /** A batch failed: find the statement by re-running the batch step by step in a rolled-back transaction. */
  async #locate(engine: Engine, m: Recorded, steps: PlannedStep[], direction: string, error: unknown): Promise<AutoMigrationsError> {
    let culprit: PlannedStep | undefined
    let culpritError: unknown = error
    const probe = new Error('probe done')
    try {
      await engine.transaction(async (tx: Queryable) => {
        for (const step of steps) {
          try {
            await tx.exec(stepText(step))
          } catch (e) {
            culprit = step
            culpritError = e
            break
          }
        }
        throw probe
      })
    } catch {
      // Always rolled back: this transaction only finds the failing statement.
    }
    return culprit ? this.#failure(m, culprit, direction, culpritError) : this.#failure(m, undefined, direction, error)
  }

  #failure(m: Recorded, step: PlannedStep | undefined, direction: string, error: unknown): AutoMigrationsError {
    const pgCode = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined
    const message = error instanceof Error ? error.message : String(error)
    const where = `${m.source.app} ${m.source.id}${m.source.file ? ` (${m.source.file})` : ''}`
    const what = step ? `, operation "${step.operation.describe()}"` : ''
    const sqlText = step ? `\nSQL: ${stepText(step)}` : ''
    return new AutoMigrationsError(
      'MIGRATION_FAILED',
      `Migration ${where} failed ${direction}${what}: ${message}${pgCode ? ` [${pgCode}]` : ''}${sqlText}\n${NOTHING_APPLIED}`,
      { app: m.source.app, migrationId: m.source.id, file: m.source.file, operation: step?.operation.describe(), sql: step ? stepText(step) : undefined, pgCode },
      { cause: error },
    )
  }
}

export function createMigrator(options: MigratorOptions): Migrator {
  return new Migrator(options)
}
