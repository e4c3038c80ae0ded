/**
 * The loader: reads the user's config, apps, tables and migrations from disk (TypeScript included,
 * no compile step) and reports which files each result depends on.
 */
export { type KeptBundleRef, LoaderCache, type ModuleGraph, type SourceLocation, keptBundleHolds } from './bundle.js'
export { CONFIG_FILE_NAMES, findConfigFile } from './config-file.js'
export {
  isMigrationFileName,
  listMigrationFiles,
  loadAppMigrations,
  loadMigrationFiles,
  migrationsDirOf,
  type LoadedAppMigrations,
  type LoadMigrationFilesOptions,
  MIGRATION_ID_PATTERN,
  runForwards,
} from './migrations.js'
export { type LoadedProject, type LoadProjectOptions, loadProject, tempDirOf } from './project.js'
