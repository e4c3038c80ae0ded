/**
 * Builds a fixture project with the real JavaScript API of each supported bundler and reduces what
 * it reports to `{ ok, errors, warnings }`, so one test can hold all six to the same expectation.
 * The plugin comes from the sources (not dist), so tests need no build first.
 */
import { execFile } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { BuildOptions, Plugin as EsbuildPlugin } from 'esbuild'
import type { InputOptions as RolldownInputOptions } from 'rolldown'
import type { InputOptions as RollupInputOptions } from 'rollup'
import type { BuildEnvironmentOptions, InlineConfig } from 'vite'
import type { InternalOptions } from '../../src/plugin/options.js'
import { unplugin } from '../../src/plugin/index.js'
import { vitePlugin } from '../../src/plugin/vite.js'
import { cleanMessages, collectStats, messageOf, recordingLogger, runCompiler } from './bundler-messages.js'

const created: string[] = []

/** Call in `afterAll`, once watchers and servers are closed (vitest ends its workers with a kill). */
export async function removeTemporaryDirectories(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}

/** A new directory under the system's temporary one, for `removeTemporaryDirectories`. */
export async function temporaryDirectory(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `auto-migrations-${prefix}-`))
  created.push(dir)
  return dir
}

/** A copy of a fixture project to change freely. */
export async function copyProject(fixture: string, prefix: string): Promise<string> {
  const root = await temporaryDirectory(prefix)
  await cp(fixture, root, { recursive: true })
  return root
}

export const BUNDLERS = ['vite', 'esbuild', 'rollup', 'rolldown', 'webpack', 'rspack'] as const
export type BundlerName = (typeof BUNDLERS)[number]

export interface BuildRequest {
  /** Project root: Vite's root, webpack's context, esbuild's working directory. */
  root: string
  /** Entry module, relative to root. */
  entry: string
  plugin: InternalOptions
  /** Where the bundle goes; default a new temporary directory. Inside the project, Node finds its packages. */
  outDir?: string
}

export interface BuildOutcome {
  ok: boolean
  errors: string[]
  warnings: string[]
  outDir: string
  /** The bundled entry: `.mjs`, or `.cjs` from webpack and rspack. */
  outFile: string
}

/**
 * Vite's build of the entry as an SSR bundle `<outDir>/entry.mjs`, keeping its warnings and errors;
 * `build` adds to its build options (`watch` for `vite build --watch`).
 */
function viteConfig(
  request: BuildRequest,
  entry: string,
  outDir: string,
  errors: string[],
  warnings: string[],
  build: BuildEnvironmentOptions = {},
): InlineConfig {
  return {
    root: request.root,
    configFile: false,
    logLevel: 'warn',
    customLogger: recordingLogger(errors, warnings),
    plugins: [vitePlugin(request.plugin)],
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      minify: false,
      ...build,
      rolldownOptions: { output: { entryFileNames: 'entry.mjs' } },
    },
  }
}

/** esbuild's options for an ES module bundle for Node, with the plugin and then `plugins`. */
function esbuildOptions(
  request: BuildRequest,
  entry: string,
  outFile: string,
  ...plugins: EsbuildPlugin[]
): BuildOptions {
  return {
    absWorkingDir: request.root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: outFile,
    logLevel: 'silent',
    plugins: [unplugin.esbuild(request.plugin), ...plugins],
  }
}

/** Rollup's input options, keeping its warnings. */
function rollupInput(request: BuildRequest, entry: string, warnings: string[]): RollupInputOptions {
  return {
    input: entry,
    plugins: [unplugin.rollup(request.plugin)],
    onwarn: (warning) => warnings.push(warning.message),
  }
}

/** Rolldown's input options, keeping its warnings. */
function rolldownInput(request: BuildRequest, entry: string, warnings: string[]): RolldownInputOptions {
  return {
    input: entry,
    cwd: request.root,
    platform: 'node',
    plugins: [unplugin.rolldown(request.plugin)],
    onLog: (level, log) => {
      if (level === 'warn') warnings.push(log.message)
    },
  }
}

/** A webpack or rspack compiler with the same configuration: a Node bundle in CommonJS, unminified. */
async function webpackLikeCompiler(
  bundler: 'webpack' | 'rspack',
  request: BuildRequest,
  entry: string,
  outDir: string,
) {
  const config = {
    mode: 'none' as const,
    context: request.root,
    entry,
    target: 'node' as const,
    devtool: false as const,
    output: { path: outDir, filename: 'entry.cjs', library: { type: 'commonjs2' as const } },
  }
  return bundler === 'webpack'
    ? (await import('webpack')).default({ ...config, plugins: [unplugin.webpack(request.plugin)] })
    : (await import('@rspack/core')).rspack({ ...config, plugins: [unplugin.rspack(request.plugin)] })
}

export async function buildWith(bundler: BundlerName, request: BuildRequest): Promise<BuildOutcome> {
  const outDir = request.outDir ?? (await temporaryDirectory(bundler))
  const entry = path.resolve(request.root, request.entry)
  const errors: string[] = []
  const warnings: string[] = []
  let outFile = path.join(outDir, 'entry.mjs')

  switch (bundler) {
    case 'vite': {
      const { build } = await import('vite')
      try {
        await build(viteConfig(request, entry, outDir, errors, warnings))
      } catch (error) {
        errors.push(messageOf(error))
      }
      break
    }
    case 'esbuild': {
      const esbuild = await import('esbuild')
      try {
        const result = await esbuild.build(esbuildOptions(request, entry, outFile))
        warnings.push(...result.warnings.map((message) => message.text))
      } catch (error) {
        // esbuild's BuildFailure carries every message; keep them rather than its summary line.
        if (error instanceof Error && 'errors' in error && Array.isArray(error.errors)) {
          errors.push(...error.errors.map((message: { text: string }) => message.text))
          if ('warnings' in error && Array.isArray(error.warnings)) {
            warnings.push(...error.warnings.map((message: { text: string }) => message.text))
          }
        } else {
          errors.push(messageOf(error))
        }
      }
      break
    }
    case 'rollup': {
      const { rollup } = await import('rollup')
      // Rollup has no root: it and its plugins work in the process's directory, as from its CLI.
      const previous = process.cwd()
      process.chdir(request.root)
      try {
        const bundle = await rollup(rollupInput(request, entry, warnings))
        await bundle.write({ file: outFile, format: 'es' })
        await bundle.close()
      } catch (error) {
        errors.push(messageOf(error))
      } finally {
        process.chdir(previous)
      }
      break
    }
    case 'rolldown': {
      const { rolldown } = await import('rolldown')
      try {
        const bundle = await rolldown(rolldownInput(request, entry, warnings))
        await bundle.write({ file: outFile, format: 'esm' })
        await bundle.close()
      } catch (error) {
        errors.push(messageOf(error))
      }
      break
    }
    case 'webpack':
    case 'rspack': {
      outFile = path.join(outDir, 'entry.cjs')
      const compiler = await webpackLikeCompiler(bundler, request, entry, outDir)
      await runCompiler(compiler, errors, warnings)
      break
    }
  }
  const cleanErrors = cleanMessages(errors)
  return { ok: cleanErrors.length === 0, errors: cleanErrors, warnings: cleanMessages(warnings), outDir, outFile }
}

/** Runs a bundle in its own Node process and parses the JSON line it prints. */
export async function runOutput(outFile: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [outFile], { timeout: 20_000 })
  return JSON.parse(stdout.trim())
}

export interface Watching {
  /** Every completed build, oldest first (the first is the initial build). */
  builds: BuildOutcome[]
  /** Resolves once `count` builds have completed. */
  waitForBuild(count: number): Promise<BuildOutcome>
  close(): Promise<void>
}

/**
 * Starts each bundler's own watch mode on a project (Vite: `vite build --watch`; esbuild:
 * `context().watch()`) and records every build it completes.
 */
export async function watchWith(bundler: BundlerName, request: BuildRequest): Promise<Watching> {
  const outDir = await temporaryDirectory(`watch-${bundler}`)
  const entry = path.resolve(request.root, request.entry)
  const builds: BuildOutcome[] = []
  const waiters: { count: number; resolve: (outcome: BuildOutcome) => void }[] = []
  // Filled by each build and emptied in place when it ends: loggers and callbacks keep these arrays.
  const errors: string[] = []
  const warnings: string[] = []
  let outFile = path.join(outDir, 'entry.mjs')

  const finish = () => {
    const cleanErrors = cleanMessages(errors)
    builds.push({
      ok: cleanErrors.length === 0,
      errors: cleanErrors,
      warnings: cleanMessages(warnings),
      outDir,
      outFile,
    })
    errors.length = 0
    warnings.length = 0
    for (const waiter of waiters.filter((candidate) => builds.length >= candidate.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(builds[waiter.count - 1] as BuildOutcome)
    }
  }
  const waitForBuild = (count: number) =>
    new Promise<BuildOutcome>((resolve, reject) => {
      if (builds.length >= count) return resolve(builds[count - 1] as BuildOutcome)
      const timer = setTimeout(
        () => reject(new Error(`${bundler}: build ${count} did not come (${builds.length} so far)`)),
        40_000,
      )
      waiters.push({
        count,
        resolve: (outcome) => {
          clearTimeout(timer)
          resolve(outcome)
        },
      })
    })

  /** Rollup, Rolldown and Vite's build watcher share one event protocol. */
  type RollupLikeEvent =
    | { code: 'START' | 'END' | 'BUNDLE_START' }
    | { code: 'BUNDLE_END'; result: { close(): Promise<void> } }
    | { code: 'ERROR'; error: { message: string }; result: { close(): Promise<void> } | null }
  const onRollupLikeEvent = (event: RollupLikeEvent) => {
    if (event.code === 'BUNDLE_END') void event.result.close().then(finish)
    if (event.code === 'ERROR') {
      errors.push(messageOf(event.error))
      void (event.result?.close() ?? Promise.resolve()).then(finish)
    }
  }

  switch (bundler) {
    case 'vite': {
      const { build } = await import('vite')
      const watcher = await build(viteConfig(request, entry, outDir, errors, warnings, { watch: {} }))
      if (!('on' in watcher)) throw new Error('vite build --watch returned no watcher')
      watcher.on('event', onRollupLikeEvent)
      return { builds, waitForBuild, close: () => watcher.close() }
    }
    case 'rollup': {
      const { watch } = await import('rollup')
      const watcher = watch({ ...rollupInput(request, entry, warnings), output: { file: outFile, format: 'es' } })
      watcher.on('event', onRollupLikeEvent)
      return { builds, waitForBuild, close: () => watcher.close() }
    }
    case 'rolldown': {
      const { watch } = await import('rolldown')
      const watcher = watch({ ...rolldownInput(request, entry, warnings), output: { file: outFile, format: 'esm' } })
      watcher.on('event', onRollupLikeEvent)
      return { builds, waitForBuild, close: () => watcher.close() }
    }
    case 'esbuild': {
      const esbuild = await import('esbuild')
      const context = await esbuild.context(
        esbuildOptions(request, entry, outFile, {
          name: 'record-builds',
          setup(build) {
            build.onEnd((result) => {
              errors.push(...result.errors.map((message) => message.text))
              warnings.push(...result.warnings.map((message) => message.text))
              finish()
            })
          },
        }),
      )
      await context.watch()
      return { builds, waitForBuild, close: () => context.dispose() }
    }
    case 'webpack':
    case 'rspack': {
      outFile = path.join(outDir, 'entry.cjs')
      const compiler = await webpackLikeCompiler(bundler, request, entry, outDir)
      const watching = compiler.watch({ aggregateTimeout: 20 }, (error, stats) => {
        collectStats(error, stats, errors, warnings)
        finish()
      })
      return {
        builds,
        waitForBuild,
        close: () =>
          new Promise<void>((resolve) =>
            watching ? watching.close(() => compiler.close(() => resolve())) : resolve(),
          ),
      }
    }
  }
}
