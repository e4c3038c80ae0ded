/**
 * The migration lock's defaults, shared by both engines (kept apart from pg.ts so that the embedded
 * engine does not load the `pg` driver).
 */

/** The lock's name: one migration lock per database (and history schema). */
export const DEFAULT_LOCK_NAME = 'migrations'

/** How long `lock()` waits by default before `LOCK_TIMEOUT`. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000

/** How often a Postgres runner tries the lease again while another runner holds it. */
export const DEFAULT_LOCK_POLL_MS = 75

/**
 * How long a lease lasts without renewal; it is renewed every third of it. A runner that crashed
 * holds the lock up to this long, so it is short; a run that is alive renews it however long it takes.
 */
export const DEFAULT_LEASE_MS = 15_000
