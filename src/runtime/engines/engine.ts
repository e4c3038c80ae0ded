/**
 * The database behind the runner: one small interface, two real implementations (`pg` for a Postgres
 * server, PGlite for the embedded database). The runner, the history table and introspection only
 * talk to this interface.
 */
import type { PoolConfig } from 'pg'

export interface QueryResult<R> {
  rows: R[]
}

export interface Queryable {
  /** One statement, with `$1` parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>
  /** Several statements in one round trip (simple query protocol, no parameters). */
  exec(sql: string): Promise<void>
}

export interface Engine extends Queryable {
  readonly kind: 'pg' | 'pglite'
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  /**
   * Takes the migration lock for a whole run and resolves to its release function. Postgres: a session
   * advisory lock on a dedicated connection, taken by polling `pg_try_advisory_lock` until `timeoutMs`.
   */
  lock(options?: { timeoutMs?: number; key?: number }): Promise<() => Promise<void>>
  /** Closes what the engine opened itself (not a pool or PGlite instance the user passed in). */
  close(): Promise<void>
}

/** What `database` in the config, `--database` and `migrate(db)` accept. */
export type DatabaseOption =
  | string
  | PoolConfig
  | { pglite: string }
  | Engine
  /** A `pg.Pool`, a `pg.Client` or a PGlite instance, used as is (never closed by us). */
  | { query: (...args: never[]) => Promise<unknown> }
  | undefined
