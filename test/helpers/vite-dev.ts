/**
 * Vite's dev server as the plugin tests watch it: no HTTP or WebSocket server (the plugins run all
 * the same), with what it logs and what it sends to browsers recorded where Vite sends it.
 */
import { createServer, type InlineConfig, type Plugin, type ViteDevServer } from 'vite'

export interface RecordedDevServer {
  server: ViteDevServer
  /** Every line given to Vite's logger, in order. */
  logs: { level: 'info' | 'warn' | 'error'; message: string }[]
  /** Every HMR payload but custom events, per environment. */
  hmr: { environment: string; type: string; paths: string[] }[]
  /** What the error overlay of a connected browser would show. */
  overlay: { message: string; plugin?: string; id?: string }[]
}

/** Starts a dev server on `root`; `config` adds to Vite's inline config, its plugins after the recorder. */
export async function startRecordedDevServer(root: string, config: InlineConfig): Promise<RecordedDevServer> {
  const logs: RecordedDevServer['logs'] = []
  const hmr: RecordedDevServer['hmr'] = []
  const overlay: RecordedDevServer['overlay'] = []
  // Installed before the plugin's own configureServer, so that its very first report is seen too.
  const recorder: Plugin = {
    name: 'record-payloads',
    enforce: 'pre',
    configureServer(server) {
      for (const [name, environment] of Object.entries(server.environments)) {
        const hot = environment.hot
        const send = hot.send.bind(hot) as (payload: unknown) => void
        hot.send = ((payload: { type?: string; updates?: { path: string }[] }) => {
          if (payload.type !== undefined && payload.type !== 'custom') {
            hmr.push({
              environment: name,
              type: payload.type,
              paths: (payload.updates ?? []).map((update) => update.path),
            })
          }
          send(payload)
        }) as typeof hot.send
      }
      // As if a browser were connected: the overlay payload is sent (instead of kept for a later
      // one), and recorded here.
      Object.defineProperty(server.ws, 'clients', { get: () => new Set([{}]) })
      server.ws.send = ((payload: { type?: string; err?: RecordedDevServer['overlay'][number] }) => {
        if (payload.type === 'error' && payload.err !== undefined) overlay.push(payload.err)
      }) as typeof server.ws.send
    },
  }
  const server = await createServer({
    ...config,
    root,
    configFile: false,
    customLogger: {
      info: (message) => logs.push({ level: 'info', message }),
      warn: (message) => logs.push({ level: 'warn', message }),
      warnOnce: (message) => logs.push({ level: 'warn', message }),
      error: (message) => logs.push({ level: 'error', message }),
      clearScreen() {},
      hasErrorLogged: () => false,
      hasWarned: false,
    },
    // No HTTP or WebSocket server: the payloads are read where Vite sends them.
    server: { middlewareMode: true, ws: false },
    plugins: [recorder, ...(config.plugins ?? [])],
  })
  return { server, logs, hmr, overlay }
}
