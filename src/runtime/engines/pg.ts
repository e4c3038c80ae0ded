/**
 * The Postgres-server engine, on the `pg` driver.
 *
 * Accepts a connection string, a `PoolConfig` (we own the pool and end it on close) or an existing
 * `pg.Pool` / `pg.Client` (the caller owns it; close() leaves it open).
 *
 * Nothing here depends on a session staying on one server connection: every statement is its own
 * transaction or part of one multi-statement batch, and the migration lock is a lease row
 * (lease.ts). So the engine works the same directly and through a transaction pooler.
 */

import type { PoolConfig } from 'pg'
import pg from 'pg'
import { AutoMigrationsError } from '../../errors.js'
import {
  BatchError,
  type Engine,
  type LockOptions,
  type MigrationLock,
  type Queryable,
  type QueryResult,
} from './engine.js'
import { takeLease } from './lease.js'
import { DEFAULT_LOCK_POLL_MS } from './lock-defaults.js'
import { Mutex } from './mutex.js'

/** What PgEngine accepts. */
export type PgSource = string | PoolConfig | pg.Pool | pg.Client

export interface PgEngineOptions {
  /** Interval between attempts to take the migration lock. Default 75 ms (jittered by up to 50%). */
  lockPollMs?: number
  /**
   * How long to wait for a connection (ms) on the pools the engine opens from a URL or a config
   * without `connectionTimeoutMillis`. pg waits forever by default: a server that accepts and never
   * answers (a wrong port behind a proxy, a paused VM) would hang a deploy's start. Default 15 s,
   * or `?connect_timeout=SECONDS` in the URL (as libpq reads it).
   */
  connectTimeoutMs?: number
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000

/** The column of the markers `execBatch` puts before each statement. */
const MARKER = 'auto_migrations_statement'

/** The part of a pg client that queries (a Client, a PoolClient, a Pool). */
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

function ignoreError(): void {
  // A connection dropped by the server emits 'error'; without a listener Node would crash the
  // process. The query that used it fails on its own, and the pool discards the client.
}

/** The server a source points at, for error messages (never the password). */
function endpointOf(source: PgSource): string {
  const config: { host?: string; port?: number | string; connectionString?: string } =
    typeof source === 'string'
      ? { connectionString: source }
      : isPool(source)
        ? (source as unknown as { options: PoolConfig }).options
        : (source as PoolConfig)
  let host = config.host
  let port = config.port
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString)
      host ??= decodeURIComponent(url.hostname) || undefined
      port ??= url.port || undefined
    } catch {
      // Not a URL (a libpq key=value string): the defaults below.
    }
  }
  return `${host ?? process.env.PGHOST ?? 'localhost'}:${port ?? process.env.PGPORT ?? 5432}`
}

/** `connect_timeout` of a URL, in ms (libpq gives it in seconds). */
function urlConnectTimeout(url: string): number | undefined {
  try {
    const seconds = Number(new URL(url).searchParams.get('connect_timeout'))
    return seconds > 0 ? seconds * 1000 : undefined
  } catch {
    return undefined
  }
}

/** pg's and pg-pool's errors for a connect that got no answer in time (they carry no code). */
function isConnectTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === undefined &&
    /^(timeout expired|timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(
      error.message,
    )
  )
}

export class PgEngine implements Engine {
  readonly kind = 'pg' as const
  /** The pool queries go through (undefined when a single Client was passed in). */
  readonly #pool: pg.Pool | undefined
  /** A single Client passed in: every use is serialised so a transaction is not interleaved. */
  readonly #client: pg.Client | undefined
  readonly #clientMutex = new Mutex()
  readonly #ownsPool: boolean
  readonly #lockPollMs: number
  readonly #endpoint: string
  readonly #connectTimeoutMs: number | undefined
  #closed = false

  constructor(source: PgSource, options: PgEngineOptions = {}) {
    this.#lockPollMs = options.lockPollMs ?? DEFAULT_LOCK_POLL_MS
    this.#endpoint = endpointOf(source)
    const connectionTimeoutMillis =
      options.connectTimeoutMs ??
      (typeof source === 'string' ? urlConnectTimeout(source) : undefined) ??
      DEFAULT_CONNECT_TIMEOUT_MS
    if (typeof source === 'string') {
      this.#pool = new pg.Pool({ connectionString: source, connectionTimeoutMillis })
      this.#ownsPool = true
      this.#connectTimeoutMs = connectionTimeoutMillis
    } else if (isPool(source)) {
      this.#pool = source
      this.#ownsPool = false
      this.#connectTimeoutMs = (source as unknown as { options: PoolConfig }).options?.connectionTimeoutMillis
    } else if (isClient(source)) {
      this.#client = source
      this.#ownsPool = false
      this.#connectTimeoutMs = undefined
    } else {
      const config = { connectionTimeoutMillis, ...source }
      this.#pool = new pg.Pool(config)
      this.#ownsPool = true
      this.#connectTimeoutMs = config.connectionTimeoutMillis
    }
    if (this.#ownsPool) this.#pool?.on('error', ignoreError)
  }

  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    return this.#withTarget((target) => queryableOf(target).query<R>(sql, params))
  }

  exec(sql: string): Promise<void> {
    return this.#withTarget((target) => queryableOf(target).exec(sql))
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#withClient(async (client, broken) => runTransaction(client, fn, broken))
  }

  /**
   * One round trip: the statements as one multi-statement query (one implicit transaction), each
   * preceded by a marker row, so the statement that failed is known from the markers that came back.
   */
  execBatch(statements: readonly string[]): Promise<void> {
    // No marker before the first statement: the batch's text then starts with the run's tag comment,
    // which is how pg_stat_activity shows whose statement it is.
    const text = statements
      .map((sql, index) => (index === 0 ? sql : `SELECT ${index} AS ${MARKER};\n${sql}`))
      .join(';\n')
    return this.#withClient(
      (client, broken) =>
        new Promise<void>((resolve, reject) => {
          let reached = 0
          const query = new pg.Query(text)
          query.on('row', (row: Record<string, unknown>) => {
            if (MARKER in row) reached = Number(row[MARKER])
          })
          query.on('error', (error: Error) => {
            // A connection the server ended (57P0x) or that broke (no code) must not go back to the pool.
            const code = (error as { code?: unknown }).code
            if (code === undefined || (typeof code === 'string' && (code.startsWith('57P0') || code.startsWith('08'))))
              broken(error)
            reject(new BatchError(reached, error))
          })
          query.on('end', () => resolve())
          client.query(query)
        }),
    )
  }

  /** The lease (lease.ts), taken and renewed through this engine's own statements. */
  async lock(options: LockOptions = {}): Promise<MigrationLock> {
    this.#assertOpen()
    return takeLease(this, options, this.#lockPollMs)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#ownsPool && this.#pool) await this.#pool.end()
  }

  /** One connection for a while: the passed-in client (serialised), or one checked out of the pool. */
  async #withClient<T>(fn: (client: pg.ClientBase, broken: (error: Error) => void) => Promise<T>): Promise<T> {
    this.#assertOpen()
    if (this.#client) {
      const client = this.#client
      return this.#clientMutex.run(() => this.#connecting(() => fn(client, () => {})))
    }
    const client = await this.#connecting(() => (this.#pool as pg.Pool).connect())
    // A checked-out client has no error listener of the pool's: a connection the server ends would
    // otherwise crash the process; the query that was running fails with the cause.
    client.on('error', ignoreError)
    let broken: Error | undefined
    try {
      return await fn(client, (error) => {
        broken = error
      })
    } finally {
      client.off('error', ignoreError)
      // A client whose connection broke, or whose ROLLBACK failed, is in an unknown state: destroy it.
      client.release(broken ?? false)
    }
  }

  async #withTarget<T>(fn: (target: PgQueryTarget) => Promise<T>): Promise<T> {
    this.#assertOpen()
    if (this.#client) {
      const client = this.#client
      return this.#clientMutex.run(() => this.#connecting(() => fn(client)))
    }
    return this.#connecting(() => fn(this.#pool as pg.Pool))
  }

  /** Runs `fn`, turning a connect that got no answer in time into CONNECT_TIMEOUT naming the server. */
  async #connecting<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (!isConnectTimeout(error)) throw error
      const within = this.#connectTimeoutMs ? ` within ${this.#connectTimeoutMs} ms` : ''
      throw new AutoMigrationsError(
        'CONNECT_TIMEOUT',
        `Could not connect to Postgres at ${this.#endpoint}${within}: the server did not answer. Check the host and port ` +
          '(a proxy or a paused server accepts connections without answering), or raise the timeout with connectTimeoutMs / ?connect_timeout=SECONDS.',
        { endpoint: this.#endpoint, timeoutMs: this.#connectTimeoutMs },
        { cause: error },
      )
    }
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new AutoMigrationsError('DATABASE_ERROR', 'This Postgres engine was closed; open a new one.')
  }
}

async function runTransaction<T>(
  client: PgQueryTarget,
  fn: (tx: Queryable) => Promise<T>,
  onBroken: (error: Error) => void,
): Promise<T> {
  await client.query('BEGIN')
  let result: T
  try {
    result = await fn(queryableOf(client))
  } catch (error) {
    try {
      await client.query('ROLLBACK')
    } catch (rollbackError) {
      onBroken(rollbackError as Error)
    }
    throw error
  }
  try {
    await client.query('COMMIT')
  } catch (error) {
    onBroken(error as Error)
    throw error
  }
  return result
}
