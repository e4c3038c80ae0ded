/**
 * The migration lock's defaults, shared by both engines (kept apart from pg.ts so that the embedded
 * engine does not load the `pg` driver).
 */
import { createHash } from 'node:crypto'

/**
 * The default advisory-lock key: the first 48 bits of sha256('auto_migrations'). Fixed, so every
 * process of every version agrees on it; 48 bits so it is exact as a JS number (and a Postgres
 * bigint), yet unlikely to collide with keys other tools pick.
 */
export const DEFAULT_LOCK_KEY: number = Number.parseInt(
  createHash('sha256').update('auto_migrations').digest('hex').slice(0, 12),
  16,
)

/** How long `lock()` waits by default before `LOCK_TIMEOUT`. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000

/** How often Postgres' `pg_try_advisory_lock` is retried while another session holds the lock. */
export const DEFAULT_LOCK_POLL_MS = 75
