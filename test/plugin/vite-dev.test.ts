/**
 * `vite dev`: the server starts whatever state the project is in, a save writes the migration and
 * updates the virtual module through HMR (never a full reload), and problems reach the terminal and
 * the error overlay.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, afterEach, expect, it } from 'vitest'
import { AutoMigrationsError } from '../../src/errors.js'
import { vitePlugin } from '../../src/plugin/vite.js'
import type { InternalOptions } from '../../src/plugin/options.js'
import { copyProject, removeTemporaryDirectories } from '../helpers/bundlers.js'
import { type RecordedDevServer, startRecordedDevServer } from '../helpers/vite-dev.js'
import {
  BASIC,
  basicProject,
  change,
  type FakeProject,
  fakeSessions,
  historyError,
  writeMigration,
} from './fake-session.js'

afterAll(removeTemporaryDirectories)

interface DevServer extends RecordedDevServer {
  root: string
  migrations(): Promise<{ app: string; id: string }[]>
}

let open: ViteDevServer | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

async function startDev(project: (root: string) => Partial<FakeProject>, options: InternalOptions = {}) {
  const root = await copyProject(BASIC, 'dev')
  const sessions = fakeSessions(
    basicProject({ root, watchFiles: [path.join(root, 'src/blog/tables.ts')], ...project(root) }),
  )
  const recorded = await startRecordedDevServer(root, {
    // This file runs under Vitest, where the plugin otherwise stands still.
    plugins: [
      vitePlugin({
        runInVitest: true,
        __openSession: sessions.open,
        __runtimeId: path.join(root, 'runtime.mjs'),
        __debounceMs: 30,
        ...options,
      }),
    ],
  })
  open = recorded.server
  const dev: DevServer = {
    ...recorded,
    root,
    async migrations() {
      const module = (await recorded.server.ssrLoadModule('virtual:auto-migrations')) as {
        migrations: { app: string; id: string }[]
      }
      return module.migrations
    },
  }
  return { ...dev, sessions }
}

it('writes the migration on save, logs a line per change, and updates the module by HMR', async () => {
  const dev = await startDev((root) => {
    const tables = path.join(root, 'src/blog/tables.ts')
    let written = false
    return {
      emit: async () => {
        if (written || !readFileSync(tables, 'utf8').includes('views')) return {}
        written = true
        const file = await writeMigration(path.join(root, 'src/blog/migrations'), 'blog', '2026-12-01T00:00:01:000000')
        return { written: [{ app: 'blog', id: '2026-12-01T00:00:01:000000', file, lines: ['add column Post.views'] }] }
      },
    }
  })
  await until(() => dev.sessions.calls.emit === 1, 'the first emit')
  expect(await dev.migrations()).toHaveLength(2)

  await writeFile(path.join(dev.root, 'src/blog/tables.ts'), "export const tables = ['Post'] // views\n")
  await until(() => dev.hmr.length > 0, 'an HMR update')
  await sleep(300)
  expect(dev.hmr).toEqual([{ environment: 'ssr', type: 'update', paths: ['virtual:auto-migrations'] }])
  expect(dev.logs.filter((log) => log.message.includes('[auto-migrations]'))).toEqual([
    {
      level: 'info',
      message: expect.stringContaining(
        'blog: add column Post.views  (src/blog/migrations/blog_2026_12_01T00_00_01_000000.ts)',
      ),
    },
  ])
  expect((await dev.migrations()).map((migration) => migration.id)).toEqual([
    '2026-11-26T09:00:00:000000',
    '2026-11-27T10:15:03:123456',
    '2026-12-01T00:00:01:000000',
  ])
  expect(dev.sessions.calls.emit).toBe(2)
})

it('updates the module when a migration file is added by hand', async () => {
  const dev = await startDev(() => ({}))
  await until(() => dev.sessions.calls.emit === 1, 'the first emit')
  expect(await dev.migrations()).toHaveLength(2)
  await writeMigration(path.join(dev.root, 'src/auth/migrations'), 'auth', '2026-11-28T00:00:00:000000')
  await until(() => dev.hmr.length > 0, 'an HMR update')
  expect(dev.hmr[0]).toEqual({ environment: 'ssr', type: 'update', paths: ['virtual:auto-migrations'] })
  expect(await dev.migrations()).toHaveLength(3)
  // New history is a reason to diff again.
  await until(() => dev.sessions.calls.emit === 2, 'a second emit')
})

it('shows held changes and broken history in the terminal and the overlay, and keeps serving', async () => {
  const dev = await startDev(() => ({
    emit: async () => ({
      held: [
        change({
          kind: 'ambiguous',
          description: 'ambiguous: did you rename Post.title to Post.name?',
          fix: 'npx auto-migrations new blog --rename Post.title=name',
        }),
      ],
      errors: [historyError()],
    }),
  }))
  await until(() => dev.overlay.length === 1, 'the overlay')
  const [overlay] = dev.overlay
  expect(overlay?.plugin).toBe('unplugin-auto-migrations')
  expect(overlay?.id).toBe(path.join(BASIC, 'src/blog/tables.ts'))
  expect(overlay?.message).toContain('[DUPLICATE_MIGRATION_ID]')
  expect(overlay?.message).toContain('- ambiguous: did you rename Post.title to Post.name?')
  expect(overlay?.message).toContain('fix: npx auto-migrations new blog --rename Post.title=name')
  // Without an HTTP server (middleware mode) the page has no URL of its own: its path.
  expect(overlay?.message).toContain('Answer them on the dev page: /__auto-migrations')
  expect(dev.logs.map((log) => log.level)).toEqual(['error', 'warn'])
  expect(await dev.migrations()).toHaveLength(2)

  // The same state again (another save) is not repeated in the terminal.
  await writeFile(path.join(dev.root, 'src/blog/tables.ts'), '// saved again\n')
  await until(() => dev.sessions.calls.emit === 2, 'a second emit')
  await sleep(50)
  expect(dev.logs.map((log) => log.level)).toEqual(['error', 'warn'])
})

it('starts even when the registry cannot be loaded, and says why', async () => {
  const dev = await startDev(() => ({}), {
    __openSession: async () => {
      throw new AutoMigrationsError('CONFIG_NOT_FOUND', 'No migrations.config.ts in the project root.')
    },
  })
  await until(() => dev.overlay.length === 1, 'the overlay')
  expect(dev.overlay[0]?.message).toContain('[CONFIG_NOT_FOUND] No migrations.config.ts in the project root.')
  expect(dev.logs).toEqual([{ level: 'error', message: expect.stringContaining('CONFIG_NOT_FOUND') }])
  // The module itself cannot be generated without the registry: importing it fails, the server does not.
  await expect(dev.server.ssrLoadModule('virtual:auto-migrations')).rejects.toThrow('CONFIG_NOT_FOUND')
  expect((await dev.server.transformRequest('/entry.mjs'))?.code).toBeTruthy()
})

it('releases the session when the server closes', async () => {
  const dev = await startDev(() => ({}))
  await until(() => dev.sessions.calls.emit === 1, 'the first emit')
  await dev.server.close()
  open = undefined
  expect(dev.sessions.calls.close).toBe(1)
})

/**
 * A browser, as far as Vite's HMR socket can tell: connects (Node 20 needs the flag for WebSocket),
 * collects what the server sends for a moment, and returns it.
 */
async function browserMessages(url: string): Promise<{ type: string; err?: { message: string } }[]> {
  const script = `
    const socket = new WebSocket(process.argv[1], 'vite-hmr')
    const messages = []
    socket.onmessage = (event) => messages.push(JSON.parse(event.data))
    socket.onopen = () => setTimeout(() => { console.log(JSON.stringify(messages)); socket.close() }, 300)
    socket.onerror = () => { console.log('[]'); process.exit(1) }`
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--experimental-websocket',
    '--no-warnings',
    '-e',
    script,
    url,
  ])
  return JSON.parse(stdout) as { type: string; err?: { message: string } }[]
}

it('says "in sync" once, when what waited is resolved, and not while nothing waited', async () => {
  const dev = await startDev((root) => ({
    emit: async () => ({
      held: readFileSync(path.join(root, 'src/blog/tables.ts'), 'utf8').includes('resolved')
        ? []
        : [change({ kind: 'destructive', description: 'drop column Post.body' })],
    }),
  }))
  await until(() => dev.overlay.length === 1, 'the overlay')
  const inSync = () => dev.logs.filter((log) => log.message.includes('[auto-migrations] in sync')).length
  // Saves until one is seen: the watcher may not be ready the moment the server is.
  const save = async (text: string) => {
    const emits = dev.sessions.calls.emit
    for (let tries = 0; dev.sessions.calls.emit === emits && tries < 20; tries++) {
      await writeFile(path.join(dev.root, 'src/blog/tables.ts'), text)
      await sleep(250)
    }
    await until(() => dev.sessions.calls.emit > emits, 'the save to be seen')
  }
  expect(inSync()).toBe(0)
  await save('// resolved\n')
  await until(() => inSync() === 1, 'the in-sync line')
  await save('// resolved, saved again\n')
  await sleep(50)
  expect(inSync()).toBe(1)
})

it('replays the overlay to every browser that connects after the problem, until it is resolved', async () => {
  const root = await copyProject(BASIC, 'ws')
  const tables = path.join(root, 'src/blog/tables.ts')
  const held = [change({ kind: 'destructive', description: 'drop column Post.body' })]
  const sessions = fakeSessions(
    basicProject({
      root,
      watchFiles: [tables],
      emit: async () => ({ held: readFileSync(tables, 'utf8').includes('resolved') ? [] : held }),
    }),
  )
  const seams: InternalOptions = {
    runInVitest: true,
    __openSession: sessions.open,
    __runtimeId: path.join(root, 'runtime.mjs'),
    __debounceMs: 30,
  }
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    server: { port: 0, host: '127.0.0.1' },
    plugins: [vitePlugin(seams)],
  })
  open = server
  await server.listen()
  const address = server.httpServer?.address()
  if (address === null || address === undefined || typeof address === 'string') throw new Error('no port')
  const url = `ws://127.0.0.1:${address.port}/?token=${server.config.webSocketToken}`
  await until(() => sessions.calls.emit === 1, 'the first emit')

  for (const _browser of ['opened first', 'opened later']) {
    const errors = (await browserMessages(url)).filter((message) => message.type === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.err?.message).toContain('- destructive: drop column Post.body')
  }

  await writeFile(tables, '// resolved\n')
  await until(() => sessions.calls.emit === 2, 'a second emit')
  expect((await browserMessages(url)).filter((message) => message.type === 'error')).toEqual([])
})
