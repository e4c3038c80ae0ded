/** The migration file writer: IDs and file names, rendering (pure), atomic writes. */
export {
  MIGRATION_ID_FORMAT,
  microsToMigrationId,
  migrationFileName,
  migrationIdToMicros,
  newMigrationId,
} from './ids.js'
export { type MigrationFileInput, PACKAGE_NAME, renderMigration } from './render.js'
export { writeFileAtomic } from './atomic.js'
