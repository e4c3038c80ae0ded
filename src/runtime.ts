/**
 * unplugin-auto-migrations/runtime: what a server needs to run migrations, and nothing of the build
 * (no loader, no differ, no bundler, no esbuild). The virtual module imports this.
 */
export { Migrator, createMigrator } from './runtime/runner.js'
export type {
  AppInfo,
  AppliedMigration,
  MigrateOptions,
  MigrateResult,
  MigrationSource,
  MigrationState,
  MigrationStatus,
  MigratorOptions,
  RollbackOptions,
  RollbackResult,
} from './runtime/runner.js'
export { openEngine } from './runtime/engines/open.js'
export { describeEmbeddedProgress } from './runtime/engines/pglite-image.js'
export type { EmbeddedProgress, EmbeddedProgressListener } from './runtime/engines/pglite-image.js'
export type { DatabaseOption, Engine, PgPoolConfig, Queryable, QueryResult } from './runtime/engines/engine.js'
export { introspect } from './runtime/introspect.js'
export { MigrationManager } from './core/operations/manager.js'
export { sql } from './core/state/sql.js'
export { AutoMigrationsError, isAutoMigrationsError, type ErrorCode } from './errors.js'
