/**
 * The database behind the runner: one small interface, two real implementations (`pg` for a Postgres
 * server, PGlite for the embedded database). The runner, the history table and introspection only
 * talk to this interface.
 */
import type { Queryable } from '../../core/state/queryable.js'

export type { Queryable, QueryResult } from '../../core/state/queryable.js'

/** What `lock()` is asked for. */
export interface LockOptions {
  /** How long to wait for another runner's lock before `LOCK_TIMEOUT`. */
  timeoutMs?: number
  /** The schema of the history table; Postgres keeps the lock's lease row next to it. */
  schema?: string
  /** The lock's name (one lock per name and database). */
  name?: string
  /** Postgres: how long a lease lasts without renewal (a crashed runner's lease frees after it). */
  leaseMs?: number
}

/** The migration lock, held for a whole run. */
export interface MigrationLock {
  /**
   * SQL to run first in every transaction that commits migration work: it fails the transaction
   * (`LOCK_LOST`) unless this runner still holds the lock, and keeps the lock held until the commit.
   * Empty when the engine needs none (the embedded database has one process and one backend).
   */
  readonly fence: string
  /** A comment that starts every statement of the run, so a later runner can see it still running. */
  readonly tag: string
  /** The reason the lock was lost (seen by its renewal), or undefined while it is held. */
  lost(): Error | undefined
  /** Frees the lock; never throws (a lost connection frees it by expiry). */
  release(): Promise<void>
}

/** A batch that failed: the driver's error, and the index of the statement that failed in it. */
export class BatchError extends Error {
  constructor(
    /** Undefined when the batch failed before its first statement (a lost connection). */
    readonly statementIndex: number | undefined,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause))
  }
}

export interface Engine extends Queryable {
  readonly kind: 'pg' | 'pglite'
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /**
   * Runs the statements as one transaction in one round trip where the engine can. On failure it
   * rejects with a `BatchError` naming the statement that failed; nothing of the batch is applied,
   * and nothing is run again to find it.
   */
  execBatch(statements: readonly string[]): Promise<void>
  /** Takes the migration lock for a whole run (polling, up to `timeoutMs`). */
  lock(options?: LockOptions): Promise<MigrationLock>
  /** Closes what the engine opened itself (not a pool or PGlite instance the user passed in). */
  close(): Promise<void>
}

/**
 * A `pg` pool config, typed here by its shape so that the published types need no `@types/pg`
 * (a project that never installed it still compiles them without `skipLibCheck`). Every option of
 * `pg`'s `PoolConfig` (8.x) is listed; a `PoolConfig` value is accepted as is. Callbacks that `pg`
 * calls with its own objects take them as `unknown` here.
 */
export interface PgPoolConfig {
  user?: string | undefined
  database?: string | undefined
  password?: string | (() => string | Promise<string>) | undefined
  port?: number | undefined
  host?: string | undefined
  connectionString?: string | undefined
  keepAlive?: boolean | undefined
  stream?(): unknown
  statement_timeout?: false | number | undefined
  /** `true`, `false`, or Node's `tls.ConnectionOptions`. */
  ssl?: boolean | object | undefined
  enableChannelBinding?: boolean | undefined
  sslnegotiation?: 'postgres' | 'direct' | undefined
  query_timeout?: number | undefined
  lock_timeout?: number | undefined
  keepAliveInitialDelayMillis?: number | undefined
  idle_in_transaction_session_timeout?: number | undefined
  application_name?: string | undefined
  fallback_application_name?: string | undefined
  connectionTimeoutMillis?: number | undefined
  /** `pg`'s `CustomTypesConfig`. */
  types?: object | undefined
  options?: string | undefined
  client_encoding?: string | undefined
  pipeline?: boolean | undefined
  max?: number | undefined
  min?: number | undefined
  idleTimeoutMillis?: number | undefined | null
  log?(...messages: unknown[]): void
  Promise?: PromiseConstructorLike | undefined
  allowExitOnIdle?: boolean | undefined
  maxUses?: number | undefined
  maxLifetimeSeconds?: number | undefined
  Client?: (new () => unknown) | undefined
  onConnect?(client: unknown): void
  verify?(client: unknown, done: (err?: Error) => void): void
}

/** What `database` in the config, `--database` and `migrate(db)` accept. */
export type DatabaseOption =
  | string
  | PgPoolConfig
  | { pglite: string }
  | Engine
  /** A `pg.Pool`, a `pg.Client` or a PGlite instance, used as is (never closed by us). */
  | { query: (...args: never[]) => Promise<unknown> }
  | undefined
