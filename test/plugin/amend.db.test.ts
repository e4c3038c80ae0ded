/**
 * Amending in `vite dev`: in a git repository, a save that follows a migration the dev server wrote
 * (and git does not track yet) is folded into it; the autosave trail of `summ` then `summary` ends
 * as one migration that adds `summary`. Once git tracks the file, the next change is a new migration.
 */
import { execFileSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import AutoMigrations from 'unplugin-auto-migrations/vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, project } from '../cli/helpers.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { type RecordedDevServer, startRecordedDevServer } from '../helpers/vite-dev.js'
import { migrationFiles, publicColumns, queryPg, restoreAfterAll, until } from './e2e-harness.js'

restoreAfterAll()

/** The app's server module loads the virtual module, which waits for the plugin's first run: edits after it are seen. */
const started = async (dev: RecordedDevServer) => {
  await dev.server.ssrLoadModule('/server.mjs')
  return dev
}

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: root })

describe('vite dev in a git repository', () => {
  let app: Project
  let database: PgTestDatabase
  let dev: RecordedDevServer
  let initial: string[]
  const said = () =>
    dev.logs.filter((log) => log.level === 'info' && log.message.includes('[auto-migrations]')).map((l) => l.message)

  beforeAll(async () => {
    app = await project('plugin-e2e')
    expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
    git(app.root, 'init', '-q')
    git(app.root, 'add', 'src', 'migrations.config.ts')
    git(app.root, 'commit', '-qm', 'start')
    initial = await migrationFiles(app.root, 'blog')
    database = await withPgDatabase()
    process.env.DATABASE_URL = database.url
    dev = await started(
      await startRecordedDevServer(app.root, {
        ssr: { external: ['unplugin-auto-migrations'] },
        plugins: [AutoMigrations({ runInVitest: true })],
      }),
    )
  })

  afterAll(async () => {
    await dev?.server.close()
    await database?.cleanup()
  })

  it('saving summ then summary leaves one migration that adds summary, applied once', async () => {
    await app.edit(
      'src/blog/tables.ts',
      '  body = new Text({ null: true })\n',
      '  body = new Text({ null: true })\n  summ = new Text({ null: true })\n',
    )
    await until(() => said().length > 0, 'the line for the written migration')
    const [written] = (await migrationFiles(app.root, 'blog')).filter((f) => !initial.includes(f))
    expect(said()).toEqual([expect.stringContaining(`blog: add column Post.summ  (src/blog/migrations/${written})`)])
    expect(await publicColumns(database.url)).toContain('post.summ')

    await app.edit('src/blog/tables.ts', '  summ = new Text', '  summary = new Text')
    await until(() => said().length > 1, 'the line for the amended migration')
    expect(said()[1]).toContain(
      `blog: amended src/blog/migrations/${written} (+ add column Post.summary, - add column Post.summ)`,
    )
    expect(await migrationFiles(app.root, 'blog')).toEqual([...initial, written].sort())
    const source = await app.read(`src/blog/migrations/${written}`)
    expect(source).toContain("columnName: 'summary'")
    expect(source).not.toContain("'summ'")
    expect(dev.overlay).toEqual([])
    const columns = await publicColumns(database.url)
    expect(columns).toContain('post.summary')
    expect(columns).not.toContain('post.summ')
    // One history row, whose checksum is the file's as it is now.
    const id = /export const ID = '([^']+)'/.exec(source)![1]!
    expect(
      await queryPg(database.url, `SELECT migration_id FROM auto_migrations WHERE migration_id = '${id}'`),
    ).toHaveLength(1)
    const status = await app.run(['status', 'blog', '--database', database.url])
    expect(status.stdout).toMatch(new RegExp(`^blog\\s+${id}\\s+ran\\b`, 'm'))

    // A change that is only held (an ambiguous rename of an older column) leaves the migration as it is.
    const lines = said().length
    await app.edit('src/blog/tables.ts', '  title = new Varchar', '  headline = new Varchar')
    await until(() => dev.overlay.length > 0, 'the ambiguous rename in the overlay')
    expect(dev.overlay.at(-1)?.message).toContain('did you rename column Post.title to Post.headline?')
    expect(await app.read(`src/blog/migrations/${written}`)).toBe(source)
    expect(said()).toHaveLength(lines)
    await app.edit('src/blog/tables.ts', '  headline = new Varchar', '  title = new Varchar')
    // The revert is diffed (debounce, reload, diff: well under a second here) and writes nothing.
    await sleep(1_500)
    expect(await app.read(`src/blog/migrations/${written}`)).toBe(source)
  })

  it('once git tracks the migration, the next change is a new migration', async () => {
    const before = await migrationFiles(app.root, 'blog')
    git(app.root, 'add', 'src')
    git(app.root, 'commit', '-qm', 'summary')
    const lines = said().length
    await app.edit(
      'src/blog/tables.ts',
      '  summary = new Text({ null: true })\n',
      '  summary = new Text({ null: true })\n  lede = new Text({ null: true })\n',
    )
    await until(() => said().length > lines, 'the line for the new migration')
    expect(said().at(-1)).toContain('blog: add column Post.lede')
    expect(await migrationFiles(app.root, 'blog')).toHaveLength(before.length + 1)
  })

  it('undoing every change of the migration it wrote removes that migration', async () => {
    const before = await migrationFiles(app.root, 'blog')
    const lines = said().length
    await app.edit('src/blog/tables.ts', '  lede = new Text({ null: true })\n', '')
    await until(() => said().length > lines, 'the line for the removed migration')
    expect(said().at(-1)).toMatch(/blog: removed src\/blog\/migrations\/blog_\S+\.ts \(- add column Post\.lede\)/)
    expect(await migrationFiles(app.root, 'blog')).toHaveLength(before.length - 1)
    expect(await publicColumns(database.url)).not.toContain('post.lede')
  })

  it('with amend: false, each change is a migration of its own', async () => {
    await dev.server.close()
    dev = await started(
      await startRecordedDevServer(app.root, {
        ssr: { external: ['unplugin-auto-migrations'] },
        plugins: [AutoMigrations({ runInVitest: true, amend: false })],
      }),
    )
    const before = await migrationFiles(app.root, 'blog')
    await app.edit(
      'src/blog/tables.ts',
      '  summary = new Text({ null: true })\n',
      '  summary = new Text({ null: true })\n  note = new Text({ null: true })\n',
    )
    await until(() => said().length > 0, 'the line for the first migration')
    await app.edit('src/blog/tables.ts', '  note = new Text', '  notes = new Text')
    await until(() => dev.overlay.length > 0, 'the ambiguous rename in the overlay')
    expect(dev.overlay.at(-1)?.message).toContain('did you rename column Post.note to Post.notes?')
    expect(await migrationFiles(app.root, 'blog')).toHaveLength(before.length + 1)
  })

  it('a new NOT NULL column without a default on an existing table is held, naming it and the fixes', async () => {
    await app.edit('src/blog/tables.ts', '  notes = new Text', '  note = new Text')
    const before = await migrationFiles(app.root, 'blog')
    const overlays = dev.overlay.length
    await app.edit('src/blog/tables.ts', 'import { ForeignKey,', 'import { Timestamptz, ForeignKey,')
    await app.edit('src/blog/tables.ts', '  body = new Text', '  publishedAt = new Timestamptz()\n  body = new Text')
    await until(() => dev.overlay.length > overlays, 'the held column in the overlay')
    const message = dev.overlay.at(-1)?.message ?? ''
    expect(message).toContain('needs-value: add column Post.publishedAt: NOT NULL without a default')
    expect(message).toContain(
      'fix: give Post.publishedAt a default, or make it null: true, or run npx auto-migrations new blog --auto',
    )
    expect(await migrationFiles(app.root, 'blog')).toEqual(before)
  })
})
