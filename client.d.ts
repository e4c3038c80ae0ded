// Types for the plugin's virtual module. Reference them once in the app:
//   /// <reference types="unplugin-auto-migrations/client" />
// or list "unplugin-auto-migrations/client" in tsconfig's compilerOptions.types.
// With a custom `virtualModuleId`, copy this declaration under that id.

declare module 'virtual:auto-migrations' {
  type Migrator = import('unplugin-auto-migrations/runtime').Migrator
  type MigrationSource = import('unplugin-auto-migrations/runtime').MigrationSource

  /** Every migration the build bundled, in dependency and ID order. */
  export const migrations: readonly MigrationSource[]
  /** Apply pending migrations to the configured database, or to `{ database }` given here. */
  export const migrate: Migrator['migrate']
  /** Run one app's migrations backwards: `rollback({ app, to })` or `rollback({ app, steps })`. */
  export const rollback: Migrator['rollback']
  /** Each migration with ran / pending / changed / missing. */
  export const status: Migrator['status']
  /** The configured database, opened once and shared with the plugin in dev, for the app's own queries. */
  export const getDatabase: Migrator['getDatabase']
  /** Closes the database handle (for scripts that must exit; a server keeps it open). */
  export const close: Migrator['close']
}
