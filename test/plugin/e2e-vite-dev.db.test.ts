/**
 * `vite dev` end to end: Vite's own dev server and watcher, the plugin from dist, the real session
 * and runtime, real edits of tables.ts on disk. On a fresh Postgres database: a save writes exactly
 * one migration and applies it, a save without a schema change writes nothing, an ambiguous rename
 * reaches the error overlay and writes nothing, a syntax error is reported and the next good save
 * recovers; the virtual module follows by HMR. On the embedded database: the app's server code and
 * the plugin share one handle (no EMBEDDED_DB_LOCKED), and the app sees each migration at once.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import AutoMigrations from 'unplugin-auto-migrations/vite'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { embeddedDatabaseRefs } from '../../src/runtime/engines/pglite.js'
import { type Project, project } from '../cli/helpers.js'
import { type PgTestDatabase, pgliteTemplate, withPgDatabase } from '../helpers/databases.js'
import { type RecordedDevServer, startRecordedDevServer } from '../helpers/vite-dev.js'
import { migrationFiles, publicColumns, restoreAfterAll, until } from './e2e-harness.js'

interface ServerModule {
  migrations: { app: string; id: string }[]
  start(): Promise<{ applied: { app: string; id: string }[]; rows: unknown[]; close(): Promise<void> }>
  columnsOf(table: string): Promise<string[]>
}

interface Dev extends RecordedDevServer {
  /** The app's server module, as Vite serves it now. */
  app(): Promise<ServerModule>
  /** Lines the plugin wrote to the terminal. */
  said(level?: 'info' | 'warn' | 'error'): string[]
}

restoreAfterAll()

/** A fixture copy with its first migrations written by the CLI, as a developer starts from. */
async function migratedProject(): Promise<Project> {
  const app = await project('plugin-e2e')
  const result = await app.run(['new', 'all', '--auto'])
  expect(result.code).toBe(0)
  return app
}

async function startDev(root: string): Promise<Dev> {
  const dev = await startRecordedDevServer(root, {
    // The package is linked into the fixture; installed, Vite would leave it to Node as here.
    ssr: { external: ['unplugin-auto-migrations'] },
    // This test runs under Vitest, where the plugin otherwise stands still.
    plugins: [AutoMigrations({ runInVitest: true })],
  })
  return {
    ...dev,
    app: async () => (await dev.server.ssrLoadModule('/server.mjs')) as ServerModule,
    said: (level) =>
      dev.logs
        .filter((log) => (level === undefined || log.level === level) && log.message.includes('[auto-migrations]'))
        .map((log) => log.message),
  }
}

describe('vite dev on a Postgres database', () => {
  let app: Project
  let database: PgTestDatabase
  let dev: Dev
  let initial: string[]

  beforeAll(async () => {
    app = await migratedProject()
    database = await withPgDatabase()
    // The registry says `database: process.env.DATABASE_URL`; the plugin and the app read it here.
    process.env.DATABASE_URL = database.url
    initial = await migrationFiles(app.root, 'blog')
    dev = await startDev(app.root)
  })

  afterAll(async () => {
    await dev?.server.close()
    await database?.cleanup()
  })

  it("the app's server code migrates the dev database through the virtual module", async () => {
    const server = await dev.app()
    const started = await server.start()
    expect(started.applied.map((migration) => migration.app)).toEqual(['auth', 'blog'])
    expect(started.rows).toEqual([{ title: 'Hello', email: 'ada@example.com' }])
    await started.close()
    expect(await publicColumns(database.url)).toEqual([
      'post.author',
      'post.body',
      'post.id',
      'post.title',
      'user.email',
      'user.id',
    ])
    // Nothing to say about a migrated project.
    expect(dev.said()).toEqual([])
    expect(dev.overlay).toEqual([])
  })

  it('a save that adds a column writes exactly one migration, applies it, and updates the module by HMR', async () => {
    await app.edit(
      'src/blog/tables.ts',
      '  body = new Text({ null: true })\n',
      '  body = new Text({ null: true })\n  subtitle = new Varchar({ length: 120, null: true })\n',
    )
    await until(() => dev.said('info').length > 0, 'the line for the written migration')
    const files = await migrationFiles(app.root, 'blog')
    expect(files).toHaveLength(initial.length + 1)
    const written = files.find((file) => !initial.includes(file)) ?? ''
    expect(dev.said('info')).toEqual([
      expect.stringContaining(`blog: add column Post.subtitle  (src/blog/migrations/${written})`),
    ])
    const source = await app.read(`src/blog/migrations/${written}`)
    expect(source).toContain("columnName: 'subtitle'")
    expect(source).toContain('length: 120')
    // Applied to the dev database before the line is printed.
    expect(await publicColumns(database.url)).toContain('post.subtitle')

    // The module lists it, through an HMR update (never a full reload).
    const id = /export const ID = '([^']+)'/.exec(source)?.[1]
    await until(
      async () => (await dev.app()).migrations.some((migration) => migration.id === id),
      'the new migration in the module',
    )
    expect((await dev.app()).migrations.map((migration) => migration.app)).toEqual(['auth', 'blog', 'blog'])
    expect(dev.hmr.filter((payload) => payload.type === 'full-reload')).toEqual([])
    // (The path is the module's URL in the SSR graph: the resolved id, `\0` included.)
    expect(dev.hmr).toContainEqual({
      environment: 'ssr',
      type: 'update',
      paths: [expect.stringMatching(/^\0?virtual:auto-migrations$/)],
    })
    expect(await (await dev.app()).columnsOf('post')).toContain('subtitle')
    expect(dev.overlay).toEqual([])
  })

  it('saving again without a schema change writes nothing', async () => {
    const before = await migrationFiles(app.root, 'blog')
    const said = dev.said().length
    await app.edit('src/blog/tables.ts', 'export class Post', '// Posts of the blog.\nexport class Post')
    // The save is diffed (debounce, reload, diff: well under a second here); nothing may come of it.
    await sleep(1_500)
    expect(await migrationFiles(app.root, 'blog')).toEqual(before)
    expect(dev.said().length).toBe(said)
    expect(dev.overlay).toEqual([])
  })

  it('an ambiguous rename goes to the terminal and the error overlay, and writes nothing', async () => {
    const before = await migrationFiles(app.root, 'blog')
    await app.edit('src/blog/tables.ts', '  title = new Varchar', '  headline = new Varchar')
    await until(() => dev.overlay.length > 0, 'the overlay')
    const [overlay] = dev.overlay
    expect(overlay?.plugin).toBe('unplugin-auto-migrations')
    expect(overlay?.id).toBe(app.file('src/blog/tables.ts'))
    expect(overlay?.message).toContain('not written automatically')
    expect(overlay?.message).toContain(
      '- ambiguous: did you rename column Post.title to Post.headline?  (src/blog/tables.ts)',
    )
    // On a terminal, that command asks the question.
    expect(overlay?.message).toContain('fix: npx auto-migrations new blog --auto')
    expect(dev.said('warn')).toEqual([expect.stringContaining('did you rename column Post.title to Post.headline?')])
    expect(await migrationFiles(app.root, 'blog')).toEqual(before)
    expect(await publicColumns(database.url)).toContain('post.title')
  })

  it('a syntax error is reported, and the next good save recovers and writes the migration', async () => {
    // Back to `title`: the rename question goes away.
    await app.edit('src/blog/tables.ts', '  headline = new Varchar', '  title = new Varchar')
    const before = await migrationFiles(app.root, 'blog')
    const overlays = dev.overlay.length
    await app.edit(
      'src/blog/tables.ts',
      '  subtitle = new Varchar({ length: 120, null: true })\n',
      '  subtitle = new Varchar({ length: 120, null: true \n',
    )
    await until(() => dev.overlay.length > overlays, 'the overlay for the syntax error')
    const overlay = dev.overlay.at(-1)
    // Where, as esbuild says it: file, line, column, and the line itself.
    expect(overlay?.message).toMatch(
      /\[LOAD_FAILED\] .*\n.*src\/blog\/tables\.ts:\d+:\d+: Expected "\}" but found "author"/,
    )
    expect(dev.said('error').at(-1)).toContain('LOAD_FAILED')
    expect(await migrationFiles(app.root, 'blog')).toEqual(before)

    const infos = dev.said('info').length
    // One save that fixes the syntax and adds a column.
    const broken = await app.read('src/blog/tables.ts')
    await app.write(
      'src/blog/tables.ts',
      broken
        .replace(
          '  subtitle = new Varchar({ length: 120, null: true \n',
          '  subtitle = new Varchar({ length: 120, null: true })\n  views = new Integer({ default: 0 })\n',
        )
        .replace('import { ForeignKey, Table, Text, Varchar }', 'import { ForeignKey, Integer, Table, Text, Varchar }'),
    )
    await until(() => dev.said('info').length > infos, 'the line for the written migration')
    const files = await migrationFiles(app.root, 'blog')
    expect(files).toHaveLength(before.length + 1)
    // Nothing waits any more: the terminal says so once.
    await until(() => dev.said('info').length > infos + 1, 'the in-sync line')
    expect(dev.said('info').slice(infos)).toEqual([
      expect.stringContaining('blog: add column Post.views'),
      expect.stringContaining('[auto-migrations] in sync'),
    ])
    expect(await publicColumns(database.url)).toContain('post.views')
    expect(await (await dev.app()).columnsOf('post')).toContain('views')
    expect(dev.hmr.filter((payload) => payload.type === 'full-reload')).toEqual([])
  })
})

/** An initialised, empty data directory, as the first use of the embedded database leaves it (saves initdb). */
async function seedEmbeddedDatabase(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  // The tarball holds the data directory's files, which is what PGlite keeps in `dir`.
  const tarball = Buffer.from(await (await pgliteTemplate()).arrayBuffer())
  await new Promise<void>((resolve, reject) => {
    const tar = execFile('tar', ['-x', '-f', '-', '-C', dir], (error) => (error ? reject(error) : resolve()))
    tar.stdin?.end(tarball)
  })
}

describe('vite dev on the embedded database', () => {
  let dev: Dev | undefined
  afterEach(async () => {
    await dev?.server.close()
    dev = undefined
  })

  it("shares one handle between the plugin and the app's server code", async () => {
    const app = await migratedProject()
    delete process.env.DATABASE_URL
    const dir = app.file('.auto-migrations/db')
    await seedEmbeddedDatabase(dir)
    dev = await startDev(app.root)

    const server = await dev.app()
    const started = await server.start()
    expect(started.rows).toEqual([{ title: 'Hello', email: 'ada@example.com' }])
    // The app's handle, and the plugin's once it has compared the dev database with its migrations
    // (drift, at start): two handles on one instance, never a second instance.
    expect([1, 2]).toContain(embeddedDatabaseRefs(dir))

    await app.edit(
      'src/blog/tables.ts',
      '  body = new Text({ null: true })\n',
      '  body = new Text({ null: true })\n  subtitle = new Varchar({ length: 120, null: true })\n',
    )
    await until(() => dev !== undefined && dev.said().length > 0, 'the plugin to report')
    expect(dev.said('error')).toEqual([])
    expect(dev.said('info')).toEqual([expect.stringContaining('blog: add column Post.subtitle')])
    // The plugin applied it through the app's instance: the app sees it at once, with no reload.
    expect(embeddedDatabaseRefs(dir)).toBe(2)
    expect(await server.columnsOf('post')).toContain('subtitle')

    await dev.server.close()
    dev = undefined
    // The plugin let go of its handle; the app's is the last one.
    expect(embeddedDatabaseRefs(dir)).toBe(1)
    await started.close()
    expect(embeddedDatabaseRefs(dir)).toBe(0)
    expect(existsSync(`${dir}.lock`)).toBe(false)
    expect(await readFile(app.file('src/blog/tables.ts'), 'utf8')).toContain('subtitle')
  })
})
