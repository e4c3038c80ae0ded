/**
 * Loading a project from disk: the config file, then every app it lists, into a registry, with
 * the exact set of files each app depends on (the plugin re-diffs when one of them is saved).
 */
import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import type { App, Config } from '../../model/define.js'
import { type RegisteredApp, type Registry, createRegistry } from '../../model/registry.js'
import { AutoMigrationsError, isAutoMigrationsError } from '../../errors.js'
import { type KeptBundleRef, type LoaderCache, bundleAndImport, closureOf } from './bundle.js'
import { findConfigFile } from './config-file.js'
import { diskCachesEnabled } from '../../version.js'
import { tempDirOf } from './temp-dir.js'

export { tempDirOf } from './temp-dir.js'

export interface LoadProjectOptions {
  /** The project root: where the config is looked for and whose node_modules packages come from. */
  root: string
  /** The config file, relative to `root` (default: `migrations.config.ts`, `.mts`, `.js`, `.mjs`). */
  configFile?: string | undefined
  /** Reuse modules whose files did not change since the last load with the same cache. */
  cache?: LoaderCache | undefined
  /**
   * Keep the bundled config and apps on disk and reuse them in later processes while their inputs
   * are unchanged (see "Bundles kept on disk" in bundle.ts). Default: on, unless
   * `AUTO_MIGRATIONS_CACHE=off`.
   */
  diskCache?: boolean | undefined
}

/** Paths are absolute and real (symlinks resolved), as in esbuild's and Vite's module graphs. */
export interface LoadedProject {
  /** Absolute project root. */
  root: string
  /** Absolute path of the config file. */
  configFile: string
  config: Config
  registry: Registry
  /** App name → absolute path of its app file. */
  appFiles: Map<string, string>
  /**
   * App name → every local file (absolute, sorted) the app's module graph uses: the app file, its
   * tables and what they import, including other apps' files it imports. Packages are not listed.
   */
  dependencies: Map<string, string[]>
  /** The config file and what it imports, and every app's dependencies: what to watch (sorted). */
  watchFiles: string[]
  /**
   * The bundles kept on disk that the config and the apps were loaded from (see bundle.ts); undefined
   * when one of them is not kept (disk caches off, a read-only node_modules).
   */
  keptBundles: KeptBundleRef[] | undefined
}

/**
 * Loads the config file and all its apps.
 *
 * The config is bundled and evaluated on its own first: the app list is only known once it ran, and
 * evaluating it a second time would repeat its side effects (a `pg.Pool` created in `database`).
 * All app files are then bundled in ONE build, so a table class imported by two apps is one class.
 *
 * Errors (AutoMigrationsError) carry `details.watchFiles`: the files to watch to retry after a fix.
 * @throws `CONFIG_NOT_FOUND`, `LOAD_FAILED` (syntax error, missing import, a file that throws),
 *   `INVALID_CONFIG`, `APP_MISSING`, `INVALID_APP`, and the registry's errors (`APP_CYCLE`, …).
 */
export async function loadProject(options: LoadProjectOptions): Promise<LoadedProject> {
  // Real paths throughout: esbuild reports real paths in its metafile (as Vite's module ids are),
  // so a project reached through a symlink would otherwise get no dependencies.
  const root = await realpathOrSame(path.resolve(options.root))
  const configFile = await realpathOrSame(await findConfigFile(root, options.configFile))
  const known = new Set<string>([configFile])
  const tempDir = tempDirOf(root)
  const cache = options.cache
  const persist = (options.diskCache ?? true) && diskCachesEnabled()
  const configKey = `config:${configFile}`
  const appsKey = `apps:${configFile}`
  try {
    const configBundle = await bundleAndImport({
      files: [configFile],
      tempDir,
      cwd: root,
      label: 'config',
      failureCode: 'LOAD_FAILED',
      what: `the config ${configFile}`,
      cache,
      cacheKey: configKey,
      persist,
    })
    const configFiles = closureOf(configBundle.graph, configFile)
    for (const file of configFiles) known.add(file)
    const config = configOf(configBundle.namespaces[0], configFile)

    const files = await resolveAppFiles(config.apps, configFile)
    for (const file of files) known.add(file)
    const appsBundle =
      files.length === 0
        ? undefined
        : await bundleAndImport({
            files,
            tempDir,
            cwd: root,
            label: 'apps',
            failureCode: 'LOAD_FAILED',
            what: `the apps of ${configFile}`,
            cache,
            cacheKey: appsKey,
            persist,
          })

    const depsOf = files.map((file) => (appsBundle ? closureOf(appsBundle.graph, file) : [file]))
    for (const file of depsOf.flat()) known.add(file)

    const apps: RegisteredApp[] = []
    const appFiles = new Map<string, string>()
    const dependencies = new Map<string, string[]>()
    files.forEach((file, i) => {
      const app = appOf(appsBundle?.namespaces[i], file)
      apps.push({ ...app, file, migrationsPath: path.resolve(path.dirname(file), app.migrationsDir) })
      // Two apps with one name: keep the first here; createRegistry reports the clash.
      if (!appFiles.has(app.name)) {
        appFiles.set(app.name, file)
        dependencies.set(app.name, depsOf[i] ?? [file])
      }
    })
    const registry = createRegistry(apps)
    const bundles = [configBundle, ...(appsBundle ? [appsBundle] : [])]
    const keptBundles = bundles.every((b) => b.kept) ? bundles.map((b) => b.kept!) : undefined
    return { root, configFile, config, registry, appFiles, dependencies, watchFiles: [...known].sort(), keptBundles }
  } catch (error) {
    if (isAutoMigrationsError(error) && error.details.watchFiles === undefined) {
      // After a failure the plugin still has to know what to watch, to retry once it is fixed.
      const files = new Set(known)
      for (const key of [configKey, appsKey]) for (const file of cache?.filesOf(key) ?? []) files.add(file)
      for (const file of [error.details.file, ...asStrings(error.details.files)]) {
        if (typeof file === 'string') files.add(file)
      }
      error.details.watchFiles = [...files].sort()
    }
    throw error
  }
}

function configOf(namespace: Record<string, unknown> | undefined, file: string): Config {
  const value = namespace?.default
  const problem =
    value === undefined
      ? 'it has no default export'
      : typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'config'
        ? `its default export is ${describeValue(value)}, not the result of defineConfig`
        : !isStringArray((value as { apps?: unknown }).apps)
          ? '"apps" is not a list of app file paths'
          : undefined
  if (problem) {
    throw new AutoMigrationsError(
      'INVALID_CONFIG',
      `Invalid config ${file}: ${problem}. Write: export default defineConfig({ apps: ['./src/<app>/app.ts'] }) ` +
        `(defineConfig from 'unplugin-auto-migrations').`,
      { file },
    )
  }
  return value as Config
}

function appOf(namespace: Record<string, unknown> | undefined, file: string): App {
  const value = namespace?.default
  const fail = (problem: string) =>
    new AutoMigrationsError(
      'INVALID_APP',
      `Invalid app file ${file}: ${problem}. Write: export default defineApp({ name: '<app>', tables: [...] }) ` +
        `(defineApp from 'unplugin-auto-migrations').`,
      { file },
    )
  if (value === undefined) throw fail('it has no default export')
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'app') {
    throw fail(`its default export is ${describeValue(value)}, not the result of defineApp`)
  }
  const app = value as App
  if (typeof app.name !== 'string' || app.name === '') throw fail('the app has no name')
  if (!Array.isArray(app.tables)) throw fail('"tables" is not a list of table classes')
  app.tables.forEach((table, i) => {
    // Usually an import cycle: the class was read before its module ran, so it is undefined.
    if (typeof table !== 'function') {
      throw fail(`tables[${i}] is ${describeValue(table)}, not a table class (an import cycle can cause this)`)
    }
  })
  if (typeof app.migrationsDir !== 'string') throw fail('"migrationsDir" is not a path')
  if (!isStringArray(app.dependencies)) throw fail('"dependencies" is not a list of apps')
  return app
}

/**
 * App paths are relative to the config file. An extension may be left out, as in an import.
 * @throws `APP_MISSING` naming the listed path, the file looked for and the config.
 */
async function resolveAppFiles(apps: readonly string[], configFile: string): Promise<string[]> {
  const dir = path.dirname(configFile)
  const out: string[] = []
  for (const listed of apps) {
    const file = path.resolve(dir, listed)
    const found = await firstFile([file, ...['.ts', '.mts', '.js', '.mjs'].map((ext) => file + ext)])
    if (!found) {
      throw new AutoMigrationsError(
        'APP_MISSING',
        `App file "${listed}" listed in ${configFile} does not exist (looked for ${file}). ` +
          `Fix the path in "apps", or create the app with: npx auto-migrations app new <name>`,
        { file, config: configFile },
      )
    }
    out.push(await realpathOrSame(found))
  }
  return out
}

async function realpathOrSame(file: string): Promise<string> {
  try {
    return await realpath(file)
  } catch {
    return file
  }
}

async function firstFile(candidates: string[]): Promise<string | undefined> {
  for (const file of candidates) {
    try {
      if ((await stat(file)).isFile()) return file
    } catch {
      // not this one
    }
  }
  return undefined
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/** A short description of a wrong value, for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value} (${JSON.stringify(value)})`
}
