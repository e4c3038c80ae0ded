/**
 * A real PgBouncer in transaction pooling mode in front of the test server, as many production
 * deployments put one in front of Postgres: each transaction may run on a different server
 * connection, so session state (advisory locks, SET, prepared statements) does not follow a client.
 * The bench starts it the same way, so both use bench/lib/pgbouncer.mjs (plain JS, which a bench
 * script can import); this is its typed face for tests.
 */
import { type StartedPgBouncer, startPgBouncer as start } from '../../bench/lib/pgbouncer.mjs'
import { ADMIN_URL } from './databases.js'

export type PgBouncer = StartedPgBouncer

export interface PgBouncerOptions {
  /**
   * Server connections per database and user (`default_pool_size`, default 20). A small pool makes
   * tests deterministic: with every server connection held, the next transaction must wait for one.
   */
  poolSize?: number
}

/**
 * Starts PgBouncer on a free port of 127.0.0.1 in front of the test server and resolves once it
 * accepts connections.
 * @example
 * const bouncer = await startPgBouncer()
 * const client = new pg.Client(bouncer.url(database.name))
 * // …
 * await bouncer.stop()
 */
export function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  return start({ server: ADMIN_URL, poolSize: options.poolSize ?? 20 })
}
