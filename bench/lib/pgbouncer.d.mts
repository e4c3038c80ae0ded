/** Types of pgbouncer.mjs, for the tests that start PgBouncer through it (test/helpers/pgbouncer.ts). */
export interface StartedPgBouncer {
  port: number
  /** PgBouncer's process id (it runs in the foreground: no fork). */
  pid: number
  version: string | undefined
  poolSize: number
  /** `postgres://<user>@127.0.0.1:<port>/<database>`: a database of the server, through PgBouncer. */
  url(database: string): string
  /** ERROR / WARNING / FATAL lines of its log so far. */
  problems(): string[]
  /** Kills PgBouncer (by its pid), waits for it to exit and removes its folder; safe to call twice. */
  stop(): Promise<void>
}
export function findPgBouncer(): string | undefined
export function pgBouncerVersion(binary?: string): string | undefined
export function startPgBouncer(options: {
  server: string
  poolSize?: number
  maxClients?: number
}): Promise<StartedPgBouncer>
