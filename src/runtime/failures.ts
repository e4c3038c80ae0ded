/**
 * What a failed run tells its user: the cause as Postgres or the network gave it (with its code),
 * where it happened (app, migration, operation, SQL), and what of the run is applied.
 */
import { AutoMigrationsError, type ErrorCode } from '../errors.js'
import type { RecordedMigration } from '../core/operations/migration.js'
import { LOCK_LOST_SQLSTATE } from './engines/lease.js'

/** SQLSTATEs and socket codes of a connection that went away under a running statement. */
const LOST_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'])

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** True for a lost connection: terminated by the server or an admin, reset, or closed by the driver. */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error)
  if (code !== undefined) return LOST_CODES.has(code)
  return (
    error instanceof Error &&
    /^(Connection terminated|Client has encountered a connection error|Client was closed)/.test(error.message)
  )
}

export const NOTHING_APPLIED = 'Nothing of this migration was applied.'

/** The migration a failure is about. */
export type FailedMigration = Pick<RecordedMigration, 'app' | 'id' | 'file'>

export interface FailurePlace {
  /** One line naming the operation (its describe()). */
  operation?: string
  sql?: string
}

/** How much of a migration with steps outside its transaction had committed when it failed. */
export interface Committed {
  done: number
  total: number
}

function codeFor(cause: unknown): ErrorCode {
  if (codeOf(cause) === LOCK_LOST_SQLSTATE) return 'LOCK_LOST'
  if (isConnectionLost(cause)) return 'CONNECTION_LOST'
  return 'MIGRATION_FAILED'
}

function whatStays(code: ErrorCode, committed: Committed | undefined): string {
  if (committed && committed.done > 0) {
    return (
      `${committed.done} of its ${committed.total} steps committed before (steps outside a transaction cannot be rolled back) and are recorded: ` +
      'status shows it as partial, and the next run resumes at the step that failed.'
    )
  }
  if (code === 'CONNECTION_LOST') {
    return 'Its transaction was rolled back by the server, unless the connection went during its COMMIT: the next run reads the history and knows. Running again is safe.'
  }
  return NOTHING_APPLIED
}

/** The extension that provides each column type of the model that core Postgres lacks. */
const TYPE_EXTENSIONS: Record<string, string> = {
  vector: 'vector (pgvector)',
  citext: 'citext',
  hstore: 'hstore',
  ltree: 'ltree',
}

/**
 * What to do when a column's type is missing (42704, `type "vector" does not exist`) because its
 * extension is not created in the database: which extension provides it and how to get it.
 */
export function missingTypeHint(pgCode: string | undefined, message: string): string {
  if (pgCode !== '42704') return ''
  const type = /^type "(?:[^"]+\.)?([a-z_]+)" does not exist/.exec(message)?.[1]
  const extension = type ? TYPE_EXTENSIONS[type] : undefined
  if (!extension) return ''
  const name = extension.split(' ')[0]
  return (
    `. Type "${type}" comes from the extension ${extension}: install it on the database server if it lacks it, ` +
    `and create it before this migration (declare it in the app's extensions, or CREATE EXTENSION IF NOT EXISTS ${name} in an earlier migration)`
  )
}

/** The error of a migration that failed (MIGRATION_FAILED, or LOCK_LOST / CONNECTION_LOST by its cause). */
export function migrationFailure(
  m: FailedMigration,
  direction: string,
  cause: unknown,
  place: FailurePlace = {},
  committed?: Committed,
): AutoMigrationsError {
  const code = codeFor(cause)
  const pgCode = codeOf(cause)
  const message = cause instanceof Error ? cause.message : String(cause)
  const where = `${m.app} ${m.id}${m.file ? ` (${m.file})` : ''}`
  const what = place.operation ? `, operation "${place.operation}"` : ''
  const why =
    code === 'CONNECTION_LOST'
      ? 'the connection to the database was lost: '
      : code === 'LOCK_LOST'
        ? 'this runner lost the migration lock: '
        : ''
  return new AutoMigrationsError(
    code,
    `Migration ${where} failed ${direction}${what}: ${why}${message}${missingTypeHint(pgCode, message)}${pgCode ? ` [${pgCode}]` : ''}${place.sql ? `\nSQL: ${place.sql}` : ''}\n${whatStays(code, committed)}`,
    {
      app: m.app,
      migrationId: m.id,
      file: m.file,
      operation: place.operation,
      sql: place.sql,
      pgCode,
      ...(committed && committed.done > 0 ? { stepsCommitted: committed.done, stepsTotal: committed.total } : {}),
    },
    { cause },
  )
}

/**
 * A failure between migrations (reading the history, taking the lock): a lost connection becomes
 * CONNECTION_LOST naming the cause; anything else is returned as it is.
 */
export function runFailure(error: unknown): unknown {
  if (error instanceof AutoMigrationsError || !isConnectionLost(error)) return error
  const pgCode = codeOf(error)
  return new AutoMigrationsError(
    'CONNECTION_LOST',
    `The connection to the database was lost between migrations: ${(error as Error).message}${pgCode ? ` [${pgCode}]` : ''}. ` +
      'Every migration listed as applied is committed; running again is safe and applies the rest.',
    { pgCode },
    { cause: error },
  )
}
