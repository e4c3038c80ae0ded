/**
 * Loading an app's migration files: all of them in one esbuild build (a project accumulates
 * thousands; one build per file would take seconds), validated, sorted by ID. `forwards()` is not
 * called here: replaying is the snapshot's job, through `runForwards`.
 */
import { type Dirent, existsSync, readFileSync } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import type { RegisteredApp } from '../../model/registry.js'
import { AutoMigrationsError } from '../../errors.js'
import type { LoadedMigration } from '../../core/operations/migration.js'
import { type BundleResult, type LoaderCache, type StackLocator, bundleAndImport } from './bundle.js'
import { type MigrationSourceExports, parseMigrationSource } from './migration-source.js'
import { describeValue, tempDirOf } from './project.js'

/** `2026-11-27T10:15:03:123456`: a UTC timestamp with microseconds; sorts as text in time order. */
export const MIGRATION_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}:\d{6}$/

export interface LoadMigrationFilesOptions {
  /**
   * Project root: the temporary bundle goes into its node_modules, where the migrations' imports
   * (`unplugin-auto-migrations`) resolve from. Default: the nearest folder above the migrations that
   * has a node_modules folder (else a package.json).
   */
  root?: string | undefined
  /** Reuse the previous load when no migration file changed. */
  cache?: LoaderCache | undefined
  /** The text of a migration file when the caller has already read it (else undefined: read here). */
  read?: ((file: string) => string | undefined) | undefined
}

/** Where each loaded migration came from, to locate a throw in `forwards()` (see runForwards). */
const locators = new WeakMap<LoadedMigration, StackLocator>()

/**
 * The migration files of a folder (absolute paths, sorted by name): `*.ts`, `*.mts`, `*.js`,
 * `*.mjs`, but not declaration files, nor names starting with `_` (helpers) or `.` (hidden and
 * in-progress atomic writes). A missing folder has none.
 */
export async function listMigrationFiles(dir: string): Promise<string[]> {
  let entries: Dirent[]
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return []
    const text = error instanceof Error ? error.message : String(error)
    throw new AutoMigrationsError(
      'MIGRATION_LOAD_FAILED',
      `Cannot read the migrations folder ${dir}: ${text}`,
      { file: dir },
      { cause: error },
    )
  }
  const files: string[] = []
  for (const entry of entries) {
    if (!isMigrationFileName(entry.name)) continue
    const file = path.join(dir, entry.name)
    if (entry.isFile() || (entry.isSymbolicLink() && (await stat(file).catch(() => undefined))?.isFile())) {
      files.push(file)
    }
  }
  return files.sort()
}

/** True for names that `listMigrationFiles` loads. */
export function isMigrationFileName(name: string): boolean {
  return /\.(?:ts|mts|js|mjs)$/.test(name) && !/\.d\.m?ts$/.test(name) && !name.startsWith('_') && !name.startsWith('.')
}

/**
 * Loads every migration of `app` (from `app.migrationsPath`) in one build and returns them sorted by
 * ID. An app without `migrationsPath` (not loaded from disk) has none.
 * @throws `MIGRATION_LOAD_FAILED` (a file that does not bundle or throws at top level),
 *   `INVALID_MIGRATION` (bad or missing `ID`, `DESCRIPTION`, `forwards`), `DUPLICATE_MIGRATION_ID`.
 */
export async function loadMigrationFiles(
  app: RegisteredApp,
  options: LoadMigrationFilesOptions = {},
): Promise<LoadedMigration[]> {
  return (await loadAppMigrations(app, options)).migrations
}

export interface LoadedAppMigrations {
  /** The app's migrations, sorted by ID. */
  migrations: LoadedMigration[]
  /**
   * Local files other than the migration files that loading them read (helpers they import),
   * absolute and sorted: their contents matter as much as the migrations' own.
   */
  inputs: string[]
}

/** `loadMigrationFiles`, and the other local files the migrations depend on. */
export async function loadAppMigrations(
  app: RegisteredApp,
  options: LoadMigrationFilesOptions = {},
): Promise<LoadedAppMigrations> {
  if (app.migrationsPath === undefined) return { migrations: [], inputs: [] }
  // Real paths, as esbuild reports them (and as loadProject gives them).
  const dir = await migrationsDirOf(app.migrationsPath)
  const files = await listMigrationFiles(dir)
  if (files.length === 0) return { migrations: [], inputs: [] }
  // Files in the writer's shape are read as data; only the others are bundled and evaluated.
  const namespaces = new Map<string, Record<string, unknown>>()
  const bundled: string[] = []
  for (const file of files) {
    const exports = readGenerated(file, options.read?.(file))
    if (exports) namespaces.set(file, exports as unknown as Record<string, unknown>)
    else bundled.push(file)
  }
  let bundle: BundleResult | undefined
  if (bundled.length > 0) {
    const root = options.root ? path.resolve(options.root) : projectRootOf(dir)
    bundle = await bundleAndImport({
      files: bundled,
      tempDir: tempDirOf(root),
      cwd: root,
      label: `migrations-${app.name}`,
      failureCode: 'MIGRATION_LOAD_FAILED',
      what: `the migrations of app "${app.name}" (${dir})`,
      keepNames: false,
      pick: ['ID', 'DESCRIPTION', 'DEPENDS_ON', 'forwards'],
      preread: true,
      cache: options.cache,
      cacheKey: `migrations:${app.name}:${dir}`,
    })
    for (const [i, file] of bundled.entries()) namespaces.set(file, bundle.namespaces[i]!)
  }
  const loaded = files.map((file) => migrationOf(namespaces.get(file), file, app.name))
  const byId = new Map<string, LoadedMigration>()
  for (const migration of loaded) {
    const other = byId.get(migration.id)
    if (other) {
      throw new AutoMigrationsError(
        'DUPLICATE_MIGRATION_ID',
        `App "${app.name}" has two migrations with ID ${migration.id}: ${other.file} and ${migration.file}. ` +
          `Give one of them a new, later ID (and rename its file to match).`,
        { app: app.name, migrationId: migration.id, file: migration.file, files: [other.file, migration.file] },
      )
    }
    byId.set(migration.id, migration)
    if (bundle) locators.set(migration, bundle.locator)
  }
  const requested = new Set(files)
  const inputs = [...(bundle?.graph.keys() ?? [])]
    .filter((file) => !requested.has(file) && !file.split(/[\\/]/).includes('node_modules'))
    .sort()
  return { migrations: loaded.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), inputs }
}

/** The exports of a migration file in the writer's shape, read without evaluating it; else undefined. */
function readGenerated(file: string, known: string | undefined): MigrationSourceExports | undefined {
  let text = known
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      // esbuild reports it.
      return undefined
    }
  }
  return parseMigrationSource(text)
}

/** The real path of a migrations folder (as esbuild reports paths); the path itself when it does not exist. */
export async function migrationsDirOf(migrationsPath: string): Promise<string> {
  return realpath(migrationsPath).catch(() => migrationsPath)
}

/**
 * Calls the migration's `forwards()` and returns what it returned (its MigrationManager).
 * @throws `MIGRATION_FORWARDS_THREW` naming the file (and line, when known), the app and the ID,
 *   with the original error as `cause`.
 */
export async function runForwards(migration: LoadedMigration): Promise<unknown> {
  try {
    return await migration.forwards()
  } catch (error) {
    const at = await locators.get(migration)?.locate(error)
    const where = at && at.file === migration.file ? `${at.file}:${at.line}:${at.column}` : migration.file
    const text = error instanceof Error ? error.message : String(error)
    throw new AutoMigrationsError(
      'MIGRATION_FORWARDS_THREW',
      `Migration ${migration.id} of app "${migration.app}" threw in forwards() (${where}): ${text}`,
      { app: migration.app, migrationId: migration.id, file: migration.file, ...(at ? { location: at } : {}) },
      { cause: error },
    )
  }
}

function migrationOf(namespace: Record<string, unknown> | undefined, file: string, app: string): LoadedMigration {
  const { ID: id, DESCRIPTION: description, DEPENDS_ON: dependsOn, REPLACES: replaces, forwards } = namespace ?? {}
  const problems: string[] = []
  if (id === undefined) {
    problems.push(`it exports no ID (add: export const ID = '${exampleId()}')`)
  } else if (
    typeof id !== 'string' ||
    !MIGRATION_ID_PATTERN.test(id) ||
    Number.isNaN(Date.parse(`${id.slice(0, 19)}Z`))
  ) {
    problems.push(
      `its ID ${typeof id === 'string' ? JSON.stringify(id) : `is ${describeValue(id)}, which`} is not a UTC timestamp like '${exampleId()}'`,
    )
  }
  if (description !== undefined && typeof description !== 'string') {
    problems.push(`its DESCRIPTION is ${describeValue(description)}, not a string`)
  }
  if (dependsOn !== undefined && !isDependsOn(dependsOn)) {
    problems.push(
      `its DEPENDS_ON is ${describeValue(dependsOn)}, not an object of app names and migration IDs (like { auth: '${exampleId()}' })`,
    )
  }
  if (replaces !== undefined && !isReplaces(replaces)) {
    problems.push(
      `its REPLACES is ${describeValue(replaces)}, not a list of this app's migration IDs (like ['${exampleId()}'])`,
    )
  }
  if (forwards === undefined) {
    problems.push('it exports no forwards() function (add: export async function forwards() { … return manager })')
  } else if (typeof forwards !== 'function') {
    problems.push(`its forwards is ${describeValue(forwards)}, not a function`)
  }
  if (problems.length > 0) {
    throw new AutoMigrationsError(
      'INVALID_MIGRATION',
      `Invalid migration ${file} (app "${app}"): ${problems.join('; ')}.`,
      { app, file, ...(typeof id === 'string' ? { migrationId: id } : {}) },
    )
  }
  return {
    app,
    file,
    id: id as string,
    description: (description as string | undefined) ?? '',
    dependsOn: dependsOn === undefined ? undefined : { ...(dependsOn as Record<string, string>) },
    ...(replaces === undefined ? {} : { replaces: [...(replaces as string[])] }),
    forwards: forwards as () => unknown,
  }
}

function isDependsOn(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((id) => typeof id === 'string' && MIGRATION_ID_PATTERN.test(id))
  )
}

function isReplaces(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((id) => typeof id === 'string' && MIGRATION_ID_PATTERN.test(id))
}

function exampleId(): string {
  return '2026-11-27T10:15:03:123456'
}

/**
 * The folder whose node_modules the migrations' packages resolve from: the nearest one above `dir`
 * with a node_modules folder, else with a package.json, else the migrations' parent folder.
 */
function projectRootOf(dir: string): string {
  const start = path.dirname(path.resolve(dir))
  let withPackageJson: string | undefined
  for (let at = start; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, 'node_modules'))) return at
    withPackageJson ??= existsSync(path.join(at, 'package.json')) ? at : undefined
    if (path.dirname(at) === at) break
  }
  return withPackageJson ?? start
}
