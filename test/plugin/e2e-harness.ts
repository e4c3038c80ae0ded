/**
 * End-to-end helpers: the plugin as users get it (the built `unplugin-auto-migrations/<bundler>`
 * entries of dist/, so run `npx tsup` first) with the real project session and runtime, on a copy of
 * a fixture project whose `node_modules/unplugin-auto-migrations` links to this repository.
 *
 * `buildServer` bundles a Node server the way the README recommends for each bundler: packages stay
 * external (Node loads them from node_modules at run time), everything of the project is bundled,
 * the migrations included.
 */
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { BuildOptions } from 'esbuild'
import pg from 'pg'
import type { Options } from 'unplugin-auto-migrations/vite'
import { afterAll } from 'vitest'
import { removeProjects } from '../cli/helpers.js'
import { cleanMessages, messageOf, recordingLogger, runCompiler } from '../helpers/bundler-messages.js'

export const BUNDLERS = ['vite', 'esbuild', 'rollup', 'rolldown', 'webpack', 'rspack'] as const
export type BundlerName = (typeof BUNDLERS)[number]

/**
 * A bare package specifier (`pg`, `@scope/pkg/sub`): what a server bundle leaves to Node. No colon:
 * that keeps out `virtual:auto-migrations`, `node:` builtins (each bundler's Node target handles
 * those), Windows paths, and Rollup's `\0` ids.
 */
export const BARE_PACKAGE = /^[@a-z][^:]*$/i

export interface ServerBuild {
  ok: boolean
  errors: string[]
  warnings: string[]
  outFile: string
}

export interface ServerBuildRequest {
  root: string
  /** Relative to root. */
  entry: string
  outDir: string
  options?: Options
  /**
   * Overrides the recommended way of keeping packages external (Rollup, Rolldown: `external`;
   * webpack, rspack: `externals`), to try what users write.
   */
  external?: ((id: string) => boolean) | RegExp
  /** webpack and rspack: CommonJS output (`entry.cjs`, packages `require`d) instead of an ES module. */
  commonjs?: boolean
}

/**
 * Rollup has no root: it (and the plugin) work in the process's directory, as from its CLI. Builds
 * that change it must not overlap, which the tests guarantee by building one at a time.
 */
export async function inDirectory<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.cwd()
  process.chdir(dir)
  try {
    return await fn()
  } finally {
    process.chdir(previous)
  }
}

/** esbuild's options for a server bundle `outFile` (an ES module, packages left to Node), without the plugins. */
export function esbuildServerOptions(root: string, entry: string, outFile: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: outFile,
    logLevel: 'silent',
  }
}

/**
 * Builds `entry` as a server bundle `<outDir>/entry.mjs` (an ES module; `entry.cjs` for webpack and
 * rspack with `commonjs`) with the plugin's dist entry.
 */
export async function buildServer(bundler: BundlerName, request: ServerBuildRequest): Promise<ServerBuild> {
  const { root, outDir } = request
  const entry = path.resolve(root, request.entry)
  let outFile = path.join(outDir, 'entry.mjs')
  const external = request.external ?? ((id: string) => BARE_PACKAGE.test(id))
  const isExternal = (id: string) => (external instanceof RegExp ? external.test(id) : external(id))
  const errors: string[] = []
  const warnings: string[] = []
  try {
    switch (bundler) {
      case 'vite': {
        const [{ build }, { default: AutoMigrations }] = await Promise.all([
          import('vite'),
          import('unplugin-auto-migrations/vite'),
        ])
        await build({
          root,
          configFile: false,
          logLevel: 'warn',
          customLogger: recordingLogger(errors, warnings),
          plugins: [AutoMigrations(request.options)],
          // An SSR build leaves installed packages external by default; this package is linked
          // into the fixture (outside any node_modules once resolved), which Vite would bundle.
          ssr: { external: true },
          build: {
            ssr: entry,
            outDir,
            emptyOutDir: true,
            minify: false,
            rolldownOptions: { output: { entryFileNames: 'entry.mjs' } },
          },
        })
        break
      }
      case 'esbuild': {
        const [esbuild, { default: AutoMigrations }] = await Promise.all([
          import('esbuild'),
          import('unplugin-auto-migrations/esbuild'),
        ])
        const result = await esbuild.build({
          ...esbuildServerOptions(root, entry, outFile),
          plugins: [AutoMigrations(request.options)],
        })
        warnings.push(...result.warnings.map((message) => message.text))
        break
      }
      case 'rollup': {
        const [{ rollup }, { default: AutoMigrations }] = await Promise.all([
          import('rollup'),
          import('unplugin-auto-migrations/rollup'),
        ])
        await inDirectory(root, async () => {
          const bundle = await rollup({
            input: entry,
            external,
            plugins: [AutoMigrations(request.options)],
            onwarn: (warning) => warnings.push(warning.message),
          })
          await bundle.write({ file: outFile, format: 'es' })
          await bundle.close()
        })
        break
      }
      case 'rolldown': {
        const [{ rolldown }, { default: AutoMigrations }] = await Promise.all([
          import('rolldown'),
          import('unplugin-auto-migrations/rolldown'),
        ])
        const bundle = await rolldown({
          input: entry,
          cwd: root,
          platform: 'node',
          external,
          plugins: [AutoMigrations(request.options)],
          onLog: (level, log) => {
            if (level === 'warn') warnings.push(log.message)
          },
        })
        await bundle.write({ file: outFile, format: 'esm' })
        await bundle.close()
        break
      }
      case 'webpack':
      case 'rspack': {
        const esm = request.commonjs !== true
        if (!esm) outFile = path.join(outDir, 'entry.cjs')
        const output = esm
          ? {
              path: outDir,
              filename: 'entry.mjs',
              module: true,
              chunkFormat: 'module' as const,
              library: { type: 'module' as const },
            }
          : { path: outDir, filename: 'entry.cjs', library: { type: 'commonjs2' as const } }
        const config = {
          mode: 'none' as const,
          context: root,
          entry,
          target: 'node' as const,
          devtool: false as const,
          output,
          // `import` statements (or `require` calls) for the packages, loaded by Node at run time.
          externalsType: esm ? ('module' as const) : ('commonjs' as const),
          externals: [
            ({ request }: { request?: string }, callback: (error?: Error | null, result?: string) => void) =>
              request !== undefined && isExternal(request) ? callback(null, request) : callback(),
          ],
        }
        const compiler =
          bundler === 'webpack'
            ? (await import('webpack')).default({
                ...config,
                // webpack 5 still calls ES module output an experiment; rspack 2 does not.
                experiments: { outputModule: esm },
                plugins: [(await import('unplugin-auto-migrations/webpack')).default(request.options)],
              })
            : (await import('@rspack/core')).rspack({
                ...config,
                plugins: [(await import('unplugin-auto-migrations/rspack')).default(request.options)],
              })
        await runCompiler(compiler, errors, warnings)
        break
      }
    }
  } catch (error) {
    // esbuild's BuildFailure carries every message; keep them rather than its summary line.
    // (Rolldown's and Vite's carry theirs as `message`.)
    if (error instanceof Error && 'errors' in error && Array.isArray(error.errors) && error.errors.length > 0) {
      errors.push(
        ...error.errors.map(
          (problem: { text?: string; message?: string }) => problem.text ?? problem.message ?? String(problem),
        ),
      )
    } else {
      errors.push(messageOf(error))
    }
  }
  const cleanErrors = cleanMessages(errors)
  return { ok: cleanErrors.length === 0, errors: cleanErrors, warnings: cleanMessages(warnings), outFile }
}

/** Runs a server bundle in its own Node process with `env` added, and parses the JSON line it prints. */
export async function runBundle(outFile: string, env: Record<string, string>): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [outFile], {
    env: { ...process.env, ...env },
    cwd: path.dirname(outFile),
    timeout: 30_000,
  })
  return JSON.parse(stdout.trim())
}

/** One query on a database of the test server. */
export async function queryPg<R extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** `table.column` for every column of the public schema (the history table aside), sorted. */
export async function publicColumns(url: string): Promise<string[]> {
  const rows = await queryPg<{ name: string }>(
    url,
    `SELECT table_name || '.' || column_name AS name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name NOT IN ('auto_migrations', 'auto_migrations_lock', 'auto_migrations_progress') ORDER BY 1`,
  )
  return rows.map((row) => row.name)
}

/** Migration files of an app of a project, sorted (hidden and temp files included). */
export async function migrationFiles(root: string, app: string): Promise<string[]> {
  try {
    return (await readdir(path.join(root, 'src', app, 'migrations'))).sort()
  } catch {
    return []
  }
}

/**
 * For a file whose tests set DATABASE_URL (the plugin and the app read it): once they are done, puts
 * back the one from before and removes the project copies. Call at the top of the file.
 */
export function restoreAfterAll(): void {
  const previousUrl = process.env.DATABASE_URL
  afterAll(async () => {
    if (previousUrl === undefined) delete process.env.DATABASE_URL
    else process.env.DATABASE_URL = previousUrl
    await removeProjects()
  })
}

/** Waits until `condition` holds, checking every 25 ms; fails naming `what` after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}
