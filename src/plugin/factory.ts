/**
 * The plugin factory (unplugin's form): connects each bundler's hooks and its real error and warning channels to
 * PluginCore. Per bundler:
 * - Vite, Rollup, Rolldown: `buildStart` through their native hook, for `this.meta.watchMode`,
 *   `this.warn` and `this.error` (unplugin's portable context has neither).
 * - esbuild: its own `onStart`, which can return `{ errors, warnings }`; esbuild has no `warn` there.
 * - webpack, rspack: `compilation.errors` / `compilation.warnings`, which fail a build without
 *   killing a watcher and print like every other webpack problem.
 */
import type { PartialMessage, PluginBuild } from 'esbuild'
import type { NativeBuildContext, UnpluginFactory, UnpluginOptions } from 'unplugin'
import { openProjectSession } from '../build/project/session.js'
import { type BuildReporter, PluginCore } from './core.js'
import { internalOptions, type Options, RUNTIME_MODULE_ID, resolveOptions, underVitest } from './options.js'
import { consoleTerminal, PLUGIN_NAME } from './server-context.js'
import { TYPESCRIPT_FILE, transpileTypeScript } from './transpile.js'
import { devPageMiddleware } from './dev-page/route.js'
import { createViteServerContext } from './vite-server.js'
import { resolvedVirtualModuleId, webpackSafeRequest } from './virtual-module.js'

export type { OnDiff, Options } from './options.js'

/** The part of a Rollup, Rolldown or Vite plugin context that buildStart uses. */
interface RollupLikeContext {
  meta: { watchMode: boolean }
  info(message: string): void
  warn(message: string): void
  error(error: { message: string; stack?: string }): never
  addWatchFile(id: string): void
}

type WebpackLikeContext = Extract<NativeBuildContext, { framework: 'webpack' | 'rspack' }>

function exactly(id: string): RegExp {
  return new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
}

export const unpluginFactory: UnpluginFactory<Options | undefined, false> = (options, meta) => {
  const seams = internalOptions(options)
  // Resolving now rejects bad options when the plugin is created, not in the middle of a build.
  const { virtualModuleId } = resolveOptions(options, { watchMode: false })
  const resolvedId = resolvedVirtualModuleId(virtualModuleId)
  const webpackRequest = webpackSafeRequest(virtualModuleId)
  const core = new PluginCore({
    options,
    virtualModuleId,
    runtimeId: seams.__runtimeId ?? RUNTIME_MODULE_ID,
    openSession: seams.__openSession ?? openProjectSession,
    debounceMs: seams.__debounceMs ?? 50,
  })
  const needsTranspile = meta.framework === 'rollup' || meta.framework === 'webpack' || meta.framework === 'rspack'

  async function rollupLikeBuildStart(this: RollupLikeContext, inputOptions: object): Promise<void> {
    // Vite has configured the core from its resolved config already; Rollup and Rolldown say it here
    // (Rolldown has a `cwd` option; Rollup works in the process's directory).
    const cwd = 'cwd' in inputOptions && typeof inputOptions.cwd === 'string' ? inputOptions.cwd : process.cwd()
    core.configure({ root: cwd, watchMode: this.meta.watchMode, devServer: false })
    const watching = core.watching
    const reporter: BuildReporter = {
      // A thrown error is Rollup's only error channel, and it would end a watch session's build.
      // An empty stack: Rolldown prints the stack after the message otherwise, and it is the plugin's.
      error: (message) => (watching ? this.warn(message) : this.error({ message, stack: '' })),
      warn: (message) => this.warn(message),
      info: (line) => this.info(line),
    }
    await core.buildStart(reporter, (file) => this.addWatchFile(file))
  }

  /**
   * A server bundle keeps packages external, and a usual way to say so (`external: (id) =>
   * !id.startsWith('.') && !path.isAbsolute(id)`, or a pattern for bare ids) also matches
   * `virtual:auto-migrations`, which Rollup and Rolldown test before any plugin resolves it: the
   * bundle would then import it at run time and fail to start. The plugin's own ids are never external.
   */
  function keepVirtualModuleInternal<T extends { external?: unknown }>(inputOptions: T): T | undefined {
    const external = inputOptions.external
    if (external === undefined || external === null || external === false) return undefined
    const matches = externalMatcher(external)
    return {
      ...inputOptions,
      external: (id: string, importer: string | undefined, isResolved: boolean) =>
        id === virtualModuleId || id === resolvedId ? false : matches(id, importer, isResolved),
    }
  }

  function closeWatcher(): Promise<void> {
    return core.dispose()
  }

  function webpackReporter(native: WebpackLikeContext): BuildReporter {
    const { compiler, compilation } = native
    const problem = (message: string): Error => {
      // The message says what to run; a stack into the plugin would bury it.
      return Object.assign(new compiler.webpack.WebpackError(message), { hideStack: true })
    }
    return {
      error: (message) => compilation?.errors.push(problem(message)),
      warn: (message) => compilation?.warnings.push(problem(message)),
      info: (line) => compilation?.getLogger(PLUGIN_NAME).info(line),
    }
  }

  function setupWebpackLike(compiler: WebpackLikeContext['compiler']): void {
    if (webpackRequest !== undefined) {
      compiler.hooks.normalModuleFactory.tap(PLUGIN_NAME, (factory) => {
        factory.hooks.beforeResolve.tap(PLUGIN_NAME, (data) => {
          if (data.request === virtualModuleId) data.request = webpackRequest
        })
      })
    }
    // webpack and rspack test `externals` against the request as written, before the rewrite above
    // or any resolver: a pattern for packages that also matches `virtual:…` makes the bundle import
    // the id at run time, where it cannot load. That cannot be undone from here; it fails the build.
    compiler.hooks.compilation.tap(PLUGIN_NAME, (compilation) => {
      compilation.hooks.finishModules.tap(PLUGIN_NAME, (modules) => {
        for (const module of modules) {
          if (!isExternalModuleOf(module, virtualModuleId)) continue
          const message = externalizedMessage(virtualModuleId)
          compilation.errors.push(Object.assign(new compiler.webpack.WebpackError(message), { hideStack: true }))
        }
      })
    })
    compiler.hooks.watchClose.tap(PLUGIN_NAME, () => {
      void core.dispose()
    })
    compiler.hooks.shutdown.tapPromise(PLUGIN_NAME, () => core.dispose())
  }

  const plugin: UnpluginOptions = {
    name: PLUGIN_NAME,
    // Before Vite's own resolver, which would look for a package named `virtual:auto-migrations`.
    enforce: 'pre',

    resolveId: {
      // The second form is what webpack's rewrite (below) hands over.
      filter: { id: union(exactly(virtualModuleId), exactly(resolvedId)) },
      handler(id) {
        return id === virtualModuleId || id === resolvedId ? resolvedId : undefined
      },
    },

    load: {
      filter: { id: needsTranspile ? union(exactly(resolvedId), TYPESCRIPT_FILE) : exactly(resolvedId) },
      async handler(id) {
        if (id === resolvedId) {
          const native = this.getNativeBuildContext?.()
          // esbuild accepts watch files only from here, never in onStart.
          const code = await core.loadVirtualModule((file) => this.addWatchFile(file))
          if (native?.framework === 'webpack' || native?.framework === 'rspack') {
            // A migration file created by hand must rebuild the module that lists them.
            for (const dir of core.migrationDirectories) native.loaderContext?.addContextDependency(dir)
          }
          return code
        }
        if (needsTranspile && core.isBundledSource(id)) return transpileTypeScript(id)
        return undefined
      },
    },

    watchChange(id, change) {
      core.fileChanged(id, change.event)
    },

    async buildEnd() {
      // esbuild's onDispose closes the session: after build(), or when a context (which rebuilds
      // with the same session and its loader cache) is disposed.
      if (this.getNativeBuildContext?.().framework === 'esbuild') return
      await core.buildEnd()
    },

    rollup: { options: keepVirtualModuleInternal, buildStart: rollupLikeBuildStart, closeWatcher },
    rolldown: { options: keepVirtualModuleInternal, buildStart: rollupLikeBuildStart, closeWatcher },

    vite: {
      options: keepVirtualModuleInternal,
      configResolved(config) {
        const serving = config.command === 'serve'
        // Vitest serves the Vite config to run tests: writing migrations or opening the dev database
        // there would race the user's own dev server and tests (see the `runInVitest` option).
        const idle = serving && options?.runInVitest !== true && underVitest()
        const devServer = serving && !idle
        core.configure({
          root: config.root,
          watchMode: devServer || (!idle && Boolean(config.build.watch)),
          devServer,
          idle,
        })
      },
      configureServer(server) {
        core.attachServer(createViteServerContext(server, resolvedId))
        // Before Vite's own middlewares, so the page's path is the same whatever `base` says.
        if (core.servingDev) server.middlewares.use(devPageMiddleware(core, server.config.root))
      },
      hotUpdate({ file, type, modules }) {
        if (!core.changesMigrationList(file, type)) return
        const module = this.environment.moduleGraph.getModuleById(resolvedId)
        return module === undefined ? undefined : [...modules, module]
      },
      buildStart: rollupLikeBuildStart,
      closeWatcher,
      async closeBundle() {
        // The dev server closes its plugins this way. `build --watch` calls it after every rebuild
        // (closeWatcher ends that), and a one-off build has released the session at buildEnd.
        if (core.servingDev) await core.dispose()
      },
    },

    esbuild: {
      setup(build: PluginBuild) {
        build.onStart(async () => {
          // esbuild does not say whether it is watching: see the `onDiff` option.
          core.configure({
            root: build.initialOptions.absWorkingDir ?? process.cwd(),
            watchMode: false,
            devServer: false,
          })
          const errors: PartialMessage[] = []
          const warnings: PartialMessage[] = []
          await core.buildStart({
            error: (text) => errors.push({ text }),
            warn: (text) => warnings.push({ text }),
            // esbuild has no informational messages for plugins.
            info: (line) => consoleTerminal.info(line),
          })
          return { errors, warnings }
        })
        build.onDispose(() => {
          // esbuild does not wait for this; the close finishes in the background.
          void core.dispose()
        })
      },
    },

    webpack: setupWebpackLike,
    rspack: setupWebpackLike,
  }

  if (meta.framework === 'webpack' || meta.framework === 'rspack') {
    plugin.buildStart = async function buildStart() {
      const native = this.getNativeBuildContext?.()
      if (native?.framework !== 'webpack' && native?.framework !== 'rspack') return
      const { compiler } = native
      core.configure({
        root: compiler.options.context ?? process.cwd(),
        watchMode: compiler.watchMode,
        devServer: false,
      })
      await core.buildStart(webpackReporter(native), (file) => this.addWatchFile(file))
    }
  }

  return plugin
}

type ExternalTest = (id: string, importer: string | undefined, isResolved: boolean) => unknown

/** Rollup's and Rolldown's reading of `external`: a function, `true`, or ids and patterns. */
function externalMatcher(external: unknown): ExternalTest {
  if (typeof external === 'function') return external as ExternalTest
  if (external === true) return () => true
  const list: unknown[] = Array.isArray(external) ? external : [external]
  return (id) => list.some((entry) => (entry instanceof RegExp ? entry.test(id) : entry === id))
}

/** webpack's and rspack's ExternalModule for the virtual id (rspack's modules are not webpack classes). */
function isExternalModuleOf(module: unknown, virtualModuleId: string): boolean {
  if (typeof module !== 'object' || module === null) return false
  const { userRequest, identifier } = module as { userRequest?: unknown; identifier?: unknown }
  if (userRequest !== virtualModuleId || typeof identifier !== 'function') return false
  return String(identifier.call(module)).startsWith('external ')
}

function externalizedMessage(virtualModuleId: string): string {
  return [
    `${virtualModuleId} was made external by the \`externals\` setting, so the bundle would import it at run time, where it cannot be loaded.`,
    'Keep it out of `externals`: externalize bare package names only, for example',
    `  externals: [({ request }, callback) => (/^[@a-z][^:]*$/i.test(request ?? '') ? callback(null, request) : callback())]`,
  ].join('\n')
}

function union(a: RegExp, b: RegExp): RegExp {
  return new RegExp(`${a.source}|${b.source}`)
}
