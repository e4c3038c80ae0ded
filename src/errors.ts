/**
 * Every error the product raises is an AutoMigrationsError with a stable code, so callers (the CLI,
 * the plugin, tests) can branch on the kind of failure and users get a message that says what to do.
 */
export type ErrorCode =
  // table model
  | 'INVALID_TABLE'
  | 'INVALID_COLUMN'
  | 'DUPLICATE_COLUMN'
  | 'IDENTIFIER_TOO_LONG'
  | 'INVALID_DEFAULT'
  | 'UNKNOWN_COLUMN'
  | 'UNKNOWN_FK_TARGET'
  | 'ENUM_CONFLICT'
  // apps and registry
  | 'INVALID_APP'
  | 'APP_CYCLE'
  | 'APP_MISSING'
  | 'APP_DUPLICATE'
  | 'TABLE_IN_TWO_APPS'
  | 'FK_APP_NOT_DEPENDENCY'
  | 'CONFIG_NOT_FOUND'
  | 'INVALID_CONFIG'
  // loading and history
  | 'LOAD_FAILED'
  | 'MIGRATION_LOAD_FAILED'
  | 'MIGRATION_FORWARDS_THREW'
  | 'INVALID_MIGRATION'
  | 'DUPLICATE_MIGRATION_ID'
  | 'REPLAY_FAILED'
  | 'MIGRATION_CYCLE'
  | 'MIGRATION_DEPENDENCY_MISSING'
  | 'IRREVERSIBLE'
  // runner
  | 'MIGRATION_FAILED'
  | 'CHECKSUM_CHANGED'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'CONNECTION_LOST'
  | 'CONNECT_TIMEOUT'
  | 'HISTORY_TABLE_CONFLICT'
  | 'MIGRATION_PARTIAL'
  | 'EMBEDDED_DB_LOCKED'
  | 'UNKNOWN_MIGRATION'
  | 'ROLLBACK_BLOCKED'
  | 'DATABASE_ERROR'
  // differ / cli
  | 'AMBIGUOUS_CHANGE'
  | 'DESTRUCTIVE_CHANGE'
  | 'USAGE'
  | 'CANCELLED'
  | 'APP_EXISTS'
  | 'WRITE_FAILED'
  | 'DISCARD_RAN'
  | 'DISCARD_NEEDED'
  | 'PULL_UNSUPPORTED'

export interface ErrorDetails {
  app?: string
  table?: string
  column?: string
  file?: string
  migrationId?: string
  operation?: string
  sql?: string
  /** Postgres' SQLSTATE, kept from the driver's error. */
  pgCode?: string
  [key: string]: unknown
}

export class AutoMigrationsError extends Error {
  override readonly name = 'AutoMigrationsError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isAutoMigrationsError(error: unknown, code?: ErrorCode): error is AutoMigrationsError {
  return error instanceof AutoMigrationsError && (code === undefined || error.code === code)
}
