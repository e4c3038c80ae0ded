/**
 * The Postgres-server engine, on the `pg` driver.
 *
 * Accepts a connection string, a `PoolConfig` (we own the pool and end it on close) or an existing
 * `pg.Pool` / `pg.Client` (the caller owns it; close() leaves it open).
 *
 * The migration lock is a SESSION advisory lock on a dedicated, non-pooled connection, taken by
 * polling `pg_try_advisory_lock`:
 * - session-level, because a migration run spans many transactions;
 * - dedicated, because locking on one pooled client and unlocking on another leaves the lock held;
 * - polling rather than a blocking `pg_advisory_lock`, because a blocked waiter can deadlock a
 *   `CREATE INDEX CONCURRENTLY` run by the holder (it waits for every older transaction) and leave
 *   an INVALID index; polling also gives a clean timeout.
 */
import pg from 'pg'
import type { ClientConfig, PoolConfig } from 'pg'
import { AutoMigrationsError } from '../../errors.js'
import type { Engine, Queryable, QueryResult } from './engine.js'
import { DEFAULT_LOCK_KEY, DEFAULT_LOCK_POLL_MS, DEFAULT_LOCK_TIMEOUT_MS } from './lock-key.js'
import { Mutex } from './mutex.js'

export { DEFAULT_LOCK_KEY, DEFAULT_LOCK_POLL_MS, DEFAULT_LOCK_TIMEOUT_MS } from './lock-key.js'

/** What PgEngine accepts. */
export type PgSource = string | PoolConfig | pg.Pool | pg.Client

export interface PgEngineOptions {
  /** Interval between `pg_try_advisory_lock` attempts. Default 75 ms (jittered by up to 50%). */
  lockPollMs?: number
  /**
   * How long to wait for a connection (ms) on the pools and clients the engine opens from a URL or
   * a config without `connectionTimeoutMillis`. pg waits forever by default: a server that accepts
   * and never answers (a wrong port behind a proxy, a paused VM) would hang a deploy's start.
   * Default 15 s.
   */
  connectTimeoutMs?: number
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000

/** The part of a pg client that queries (a Client, a PoolClient). */
interface PgQueryTarget {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>
}

function isPool(source: PgSource): source is pg.Pool {
  // Duck-typed: a pool passed in may come from another copy of `pg` than ours.
  return typeof source === 'object' && typeof (source as { totalCount?: unknown }).totalCount === 'number'
}

function isClient(source: PgSource): source is pg.Client {
  return (
    typeof source === 'object' &&
    !isPool(source) &&
    typeof (source as { query?: unknown }).query === 'function' &&
    typeof (source as { connect?: unknown }).connect === 'function'
  )
}

function queryableOf(target: PgQueryTarget): Queryable {
  return {
    async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      const result = await target.query(sql, params)
      return { rows: result.rows as R[] }
    },
    async exec(sql: string): Promise<void> {
      // No parameters: `pg` uses the simple query protocol, which runs several statements in one
      // round trip and, without an explicit COMMIT in it, as one implicit transaction.
      await target.query(sql)
    },
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The release of an advisory lock: unlocks it on the very session that took it, then `after` (even
 * when the unlock fails); a second call does nothing.
 */
function unlockOnce(session: PgQueryTarget, key: number, after: () => unknown): () => Promise<void> {
  let released = false
  return async () => {
    if (released) return
    released = true
    try {
      await session.query('select pg_advisory_unlock($1::bigint)', [key])
    } finally {
      await after()
    }
  }
}

function ignoreError(): void {
  // An idle connection dropped by the server emits 'error'; without a listener Node would crash
  // the process. The pool discards that client and the next query opens a new one.
}

export class PgEngine implements Engine {
  readonly kind = 'pg' as const
  /** The pool queries go through (undefined when a single Client was passed in). */
  readonly #pool: pg.Pool | undefined
  /** A single Client passed in: every use is serialised so a transaction is not interleaved. */
  readonly #client: pg.Client | undefined
  readonly #clientMutex = new Mutex()
  /** A single Client passed in: keeps lock() callers of this process apart (the lock is re-entrant). */
  readonly #lockMutex = new Mutex()
  /** How to open the lock's dedicated connection (undefined: lock on the passed-in client). */
  readonly #lockConfig: ClientConfig | undefined
  readonly #ownsPool: boolean
  readonly #lockPollMs: number
  #closed = false

  constructor(source: PgSource, options: PgEngineOptions = {}) {
    this.#lockPollMs = options.lockPollMs ?? DEFAULT_LOCK_POLL_MS
    const connectionTimeoutMillis = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    if (typeof source === 'string') {
      this.#pool = new pg.Pool({ connectionString: source, connectionTimeoutMillis })
      this.#pool.on('error', ignoreError)
      this.#ownsPool = true
      this.#lockConfig = { connectionString: source, connectionTimeoutMillis }
    } else if (isPool(source)) {
      this.#pool = source
      this.#ownsPool = false
      this.#lockConfig = { ...source.options }
    } else if (isClient(source)) {
      // A session advisory lock on the caller's own client is still one session from lock to
      // unlock, and we cannot open a second connection without its credentials.
      this.#client = source
      this.#ownsPool = false
      this.#lockConfig = undefined
    } else {
      const config = { connectionTimeoutMillis, ...source }
      this.#pool = new pg.Pool(config)
      this.#pool.on('error', ignoreError)
      this.#ownsPool = true
      this.#lockConfig = config
    }
  }

  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.#withTarget((target) => queryableOf(target).query<R>(sql, params))
  }

  exec(sql: string): Promise<void> {
    return this.#withTarget((target) => queryableOf(target).exec(sql))
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#assertOpen()
    if (this.#client) {
      const client = this.#client
      return this.#clientMutex.run(() => runTransaction(client, fn))
    }
    const client = await (this.#pool as pg.Pool).connect()
    let broken: Error | undefined
    try {
      return await runTransaction(client, fn, (error) => {
        broken = error
      })
    } finally {
      // A client whose ROLLBACK failed is in an unknown state: destroy it instead of pooling it.
      client.release(broken ?? false)
    }
  }

  async lock(options: { timeoutMs?: number; key?: number } = {}): Promise<() => Promise<void>> {
    this.#assertOpen()
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    const key = options.key ?? DEFAULT_LOCK_KEY
    if (!Number.isSafeInteger(key)) {
      throw new AutoMigrationsError('USAGE', `The lock key must be a safe integer, got ${key}.`, { key })
    }
    const deadline = Date.now() + timeoutMs

    if (this.#client) {
      // On a shared client the advisory lock is re-entrant (same session), so callers in this
      // process are kept apart by a mutex first. Each statement still goes through the client
      // mutex, so a poll never lands inside another caller's transaction.
      const client = this.#client
      const serialised: PgQueryTarget = {
        query: (text, values) => this.#clientMutex.run(() => client.query(text, values)),
      }
      const releaseMutex = await this.#lockMutex.acquire(timeoutMs)
      if (!releaseMutex) throw await this.#timeoutError(serialised, key, timeoutMs)
      try {
        await this.#pollLock(serialised, key, deadline, timeoutMs)
      } catch (error) {
        releaseMutex()
        throw error
      }
      return unlockOnce(serialised, key, releaseMutex)
    }

    const client = new pg.Client({
      ...this.#lockConfig,
      application_name: this.#lockConfig?.application_name ?? 'auto-migrations lock',
    })
    client.on('error', ignoreError)
    try {
      await client.connect()
      await this.#pollLock(client, key, deadline, timeoutMs)
    } catch (error) {
      await client.end().catch(ignoreError)
      throw error
    }
    // Ending the connection would release the lock too, but an explicit unlock does not depend on
    // how fast the server notices the disconnect.
    return unlockOnce(client, key, () => client.end().catch(ignoreError))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#ownsPool && this.#pool) await this.#pool.end()
  }

  async #pollLock(client: PgQueryTarget, key: number, deadline: number, timeoutMs: number): Promise<void> {
    for (;;) {
      const { rows } = await client.query('select pg_try_advisory_lock($1::bigint) as locked', [key])
      if ((rows[0] as { locked?: boolean } | undefined)?.locked === true) return
      const left = deadline - Date.now()
      if (left <= 0) throw await this.#timeoutError(client, key, timeoutMs)
      // Jitter, so that many processes started together do not poll in lockstep.
      await sleep(Math.min(left, this.#lockPollMs * (0.5 + Math.random())))
    }
  }

  /** LOCK_TIMEOUT naming the session that holds the lock, when Postgres lets us see it. */
  async #timeoutError(client: PgQueryTarget, key: number, timeoutMs: number): Promise<AutoMigrationsError> {
    let holder = ''
    try {
      // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits.
      const { rows } = await client.query(
        `select l.pid, a.application_name, a.client_addr::text as client_addr, a.backend_start::text as since
           from pg_locks l left join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.granted and l.objsubid = 1
            and l.classid = ($1::bigint >> 32)::oid and l.objid = ($1::bigint & 4294967295)::oid
            and l.database = (select oid from pg_database where datname = current_database())`,
        [key],
      )
      const row = rows[0] as
        | { pid: number; application_name: string | null; client_addr: string | null; since: string | null }
        | undefined
      if (row) {
        holder =
          ` It is held by Postgres backend pid ${row.pid}` +
          `${row.application_name ? ` (${row.application_name})` : ''}` +
          `${row.client_addr ? ` from ${row.client_addr}` : ''}${row.since ? `, connected since ${row.since}` : ''}.`
      }
    } catch {
      // The diagnosis is a courtesy; the timeout is the error.
    }
    return new AutoMigrationsError(
      'LOCK_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for the migration lock (advisory lock ${key}): another ` +
        `process is running migrations on this database.${holder} Wait for it to finish, or raise the ` +
        'lock timeout; if that process hung, terminate its backend (pg_terminate_backend).',
      { key, timeoutMs },
    )
  }

  async #withTarget<T>(fn: (target: PgQueryTarget) => Promise<T>): Promise<T> {
    this.#assertOpen()
    if (this.#client) {
      const client = this.#client
      return this.#clientMutex.run(() => fn(client))
    }
    return fn(this.#pool as pg.Pool)
  }

  #assertOpen(): void {
    if (this.#closed) throw new AutoMigrationsError('DATABASE_ERROR', 'This Postgres engine was closed; open a new one.')
  }
}

async function runTransaction<T>(
  client: PgQueryTarget,
  fn: (tx: Queryable) => Promise<T>,
  onBroken?: (error: Error) => void,
): Promise<T> {
  await client.query('BEGIN')
  let result: T
  try {
    result = await fn(queryableOf(client))
  } catch (error) {
    try {
      await client.query('ROLLBACK')
    } catch (rollbackError) {
      onBroken?.(rollbackError as Error)
    }
    throw error
  }
  try {
    await client.query('COMMIT')
  } catch (error) {
    onBroken?.(error as Error)
    throw error
  }
  return result
}
