/**
 * The Vite dev server behind the plugin's small ServerContext interface. Everything the plugin does
 * with Vite's server (logger, error overlay, HMR of the virtual module, watcher) is here.
 *
 * The server is typed structurally with the few members used, so tests can pass a stand-in and the
 * core stays free of Vite's types.
 */
import path from 'node:path'
import { DEV_PAGE_PATH } from './dev-page/path.js'
import { type OverlayProblem, PLUGIN_NAME, type ServerContext } from './server-context.js'

interface ModuleNodeLike {
  readonly id: string | null
}

interface EnvironmentLike {
  moduleGraph: { getModuleById(id: string): ModuleNodeLike | undefined }
  reloadModule(module: ModuleNodeLike): Promise<void>
}

interface LoggerLike {
  info(message: string, options?: { timestamp?: boolean }): void
  warn(message: string, options?: { timestamp?: boolean }): void
  error(message: string, options?: { timestamp?: boolean }): void
}

/** Vite's `{ type: 'error' }` HMR payload, which its client shows as the error overlay. */
export interface ErrorOverlayPayload {
  type: 'error'
  err: { message: string; stack: string; plugin: string; id?: string }
}

/**
 * An HMR update of nothing: Vite's client closes its error overlay on any update (reloading the
 * page instead when the overlay came before its first update), and there is no other way to tell
 * it the problem is gone.
 */
export interface ClearOverlayPayload {
  type: 'update'
  updates: []
}

export interface ViteServerLike {
  config: { root: string; logger: LoggerLike }
  /** The URLs the server listens on, once it does (none in middleware mode). */
  resolvedUrls?: { local: string[] } | null
  ws: {
    clients: { readonly size: number }
    send(payload: ErrorOverlayPayload | ClearOverlayPayload): void
    on(event: 'connection', listener: (socket: { send(data: string): void }) => void): void
  }
  watcher: { add(paths: string | readonly string[]): unknown }
  environments: Record<string, EnvironmentLike>
}

const PREFIX = '[auto-migrations]'

export function createViteServerContext(server: ViteServerLike, resolvedVirtualId: string): ServerContext {
  const { logger, root } = server.config
  let lastError: ErrorOverlayPayload | undefined

  // Vite sends an error only to the browsers connected at that moment; a page opened (or reloaded)
  // afterwards must still see the schema problem until it is resolved.
  server.ws.on('connection', (socket) => {
    if (lastError !== undefined) socket.send(JSON.stringify(lastError))
  })

  return {
    info: (line) => logger.info(`${PREFIX} ${line}`, { timestamp: true }),
    warn: (message) => logger.warn(`${PREFIX} ${message}`, { timestamp: true }),
    error: (message) => logger.error(`${PREFIX} ${message}`, { timestamp: true }),

    showError(problem: OverlayProblem | null) {
      if (problem === null) {
        const shown = lastError !== undefined
        lastError = undefined
        if (shown && server.ws.clients.size > 0) server.ws.send({ type: 'update', updates: [] })
        return
      }
      lastError = {
        type: 'error',
        // The message already says what to run; a stack trace of the plugin would only hide it.
        err: { message: problem.message, stack: '', plugin: PLUGIN_NAME, id: problem.id },
      }
      // With no browser connected, Vite would keep the payload for the first one to connect, which
      // then gets it twice (from Vite and from the replay above).
      if (server.ws.clients.size > 0) server.ws.send(lastError)
    },

    updateVirtualModule() {
      // Only environments that imported the module have it; the others will generate it fresh.
      for (const environment of Object.values(server.environments)) {
        const module = environment.moduleGraph.getModuleById(resolvedVirtualId)
        if (module !== undefined) {
          environment.reloadModule(module).catch((error: unknown) => {
            logger.error(`${PREFIX} could not update ${resolvedVirtualId.slice(1)}: ${String(error)}`)
          })
        }
      }
    },

    devPageUrl() {
      const local = server.resolvedUrls?.local[0]
      return local === undefined ? DEV_PAGE_PATH : new URL(DEV_PAGE_PATH, local).href
    },

    watch(files) {
      // Vite watches its root already; adding those again would only cost chokidar work.
      const outside = files.filter((file) => {
        const rel = path.relative(root, file)
        return rel.startsWith('..') || path.isAbsolute(rel)
      })
      if (outside.length > 0) server.watcher.add(outside)
    },
  }
}
