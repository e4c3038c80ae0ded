/** The Vite side of the ServerContext, against a stand-in server (a real one has no browsers here). */
import { describe, expect, it } from 'vitest'
import {
  type ClearOverlayPayload,
  createViteServerContext,
  type ErrorOverlayPayload,
  type ViteServerLike,
} from '../../src/plugin/vite-server.js'

function standInServer() {
  const sent: (ErrorOverlayPayload | ClearOverlayPayload)[] = []
  const watched: string[] = []
  const reloaded: string[] = []
  const logged: string[] = []
  let onConnection: ((socket: { send(data: string): void }) => void) | undefined
  const module = { id: '\0virtual:auto-migrations' }
  const server: ViteServerLike = {
    config: {
      root: '/p',
      logger: {
        info: (message) => logged.push(`info ${message}`),
        warn: (message) => logged.push(`warn ${message}`),
        error: (message) => logged.push(`error ${message}`),
      },
    },
    ws: {
      clients: { size: 1 },
      send: (payload) => sent.push(payload),
      on: (_event, listener) => {
        onConnection = listener
      },
    },
    watcher: { add: (paths) => watched.push(...(typeof paths === 'string' ? [paths] : paths)) },
    environments: {
      client: { moduleGraph: { getModuleById: () => undefined }, reloadModule: async () => {} },
      ssr: {
        moduleGraph: { getModuleById: (id) => (id === module.id ? module : undefined) },
        reloadModule: async (node) => {
          reloaded.push(`ssr ${node.id}`)
        },
      },
    },
  }
  const connect = () => {
    const received: string[] = []
    onConnection?.({ send: (data) => received.push(data) })
    return received.map((data) => JSON.parse(data) as ErrorOverlayPayload)
  }
  return { server, sent, watched, reloaded, logged, connect }
}

describe('the Vite server context', () => {
  it('shows a problem in the overlay and replays it to browsers that connect later, until resolved', () => {
    const stand = standInServer()
    const context = createViteServerContext(stand.server, '\0virtual:auto-migrations')
    expect(stand.connect()).toEqual([])
    context.showError({ message: '1 change not written', id: '/p/src/blog/tables.ts' })
    const payload = {
      type: 'error',
      err: {
        message: '1 change not written',
        stack: '',
        plugin: 'unplugin-auto-migrations',
        id: '/p/src/blog/tables.ts',
      },
    }
    expect(stand.sent).toEqual([payload])
    expect(stand.connect()).toEqual([payload])
    context.showError(null)
    expect(stand.connect()).toEqual([])
    // The overlay of a connected browser closes on an update: an empty one, once.
    expect(stand.sent).toEqual([payload, { type: 'update', updates: [] }])
    context.showError(null)
    expect(stand.sent).toHaveLength(2)
  })

  it('points at the dev page on the URL the server listens on', () => {
    const stand = standInServer()
    const context = createViteServerContext(stand.server, '\0virtual:auto-migrations')
    expect(context.devPageUrl?.()).toBe('/__auto-migrations')
    stand.server.resolvedUrls = { local: ['http://localhost:5173/'] }
    expect(context.devPageUrl?.()).toBe('http://localhost:5173/__auto-migrations')
  })

  it('updates the virtual module only in the environments that loaded it', () => {
    const stand = standInServer()
    createViteServerContext(stand.server, '\0virtual:auto-migrations').updateVirtualModule()
    expect(stand.reloaded).toEqual(['ssr \0virtual:auto-migrations'])
  })

  it('adds to the watcher only the files outside the root', () => {
    const stand = standInServer()
    createViteServerContext(stand.server, '\0virtual:auto-migrations').watch([
      '/p/src/blog/tables.ts',
      '/shared/tables.ts',
      '/p-other/x.ts',
    ])
    expect(stand.watched).toEqual(['/shared/tables.ts', '/p-other/x.ts'])
  })

  it('logs through the server logger with the plugin prefix', () => {
    const stand = standInServer()
    const context = createViteServerContext(stand.server, '\0virtual:auto-migrations')
    context.info('blog: add column Post.views')
    context.warn('held')
    context.error('broken')
    expect(stand.logged).toEqual([
      'info [auto-migrations] blog: add column Post.views',
      'warn [auto-migrations] held',
      'error [auto-migrations] broken',
    ])
  })
})
