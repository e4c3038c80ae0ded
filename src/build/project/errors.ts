/**
 * Errors crossing the façade. Tables and migration files import the published package, so an error
 * raised inside them may come from another copy of this code (dist vs. src in tests, or a second
 * install): `instanceof` fails across copies, so an error is recognised by its shape and rebuilt
 * as ours, keeping its code, message, details and cause.
 */
import { AutoMigrationsError, type ErrorCode } from '../../errors.js'

export function asAutoMigrationsError(error: unknown): AutoMigrationsError | undefined {
  if (error instanceof AutoMigrationsError) return error
  if (!(error instanceof Error) || error.name !== 'AutoMigrationsError') return undefined
  const { code, details } = error as Error & { code?: unknown; details?: unknown }
  if (typeof code !== 'string') return undefined
  const copy = new AutoMigrationsError(
    code as ErrorCode,
    error.message,
    (details ?? {}) as AutoMigrationsError['details'],
    {
      cause: error.cause,
    },
  )
  copy.stack = error.stack
  return copy
}

/** Our error as is; anything else is not a user error (a bug): rethrown, so it keeps its stack. */
export function userError(error: unknown): AutoMigrationsError {
  const known = asAutoMigrationsError(error)
  if (known) return known
  throw error
}
