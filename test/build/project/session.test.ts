/**
 * The project session, as the plugin uses it: check, emit (write, hold, apply), migration entries.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openEngine } from '../../../src/runtime/engines/open.js'
import { type ProjectSession, openProjectSession } from '../../../src/build/project/session.js'
import { type Project, project, removeProjects } from '../../cli/helpers.js'

const sessions: ProjectSession[] = []
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()))
  await removeProjects()
})

async function open(p: Project): Promise<ProjectSession> {
  const session = await openProjectSession({ root: p.root })
  sessions.push(session)
  return session
}

describe('ProjectSession.check', () => {
  it('reports each un-migrated change with its kind, table, source file and fix', async () => {
    const p = await project('cli-blog')
    const session = await open(p)
    expect(session.configFile).toBe(p.file('migrations.config.ts'))
    const result = await session.check()
    expect(result.ok).toBe(false)
    expect(result.errors).toEqual([])
    expect(result.changes).toContainEqual({
      app: 'blog',
      kind: 'change',
      table: 'Post',
      file: p.file('src/blog/tables.ts'),
      description: 'add table Post (id, title, body, views, createdAt, author)',
      fix: 'npx auto-migrations new blog --auto',
    })
    expect(result.watchFiles).toEqual(
      expect.arrayContaining([p.file('migrations.config.ts'), p.file('src/blog/app.ts'), p.file('src/blog/tables.ts')]),
    )
  })

  it('is ok once migrated, and lists the migration files among the watch files', async () => {
    const p = await project('cli-blog')
    await p.run(['new', 'blog', '--auto'])
    const result = await (await open(p)).check()
    expect(result).toMatchObject({ ok: true, changes: [], errors: [] })
    const [file] = await p.migrationFiles()
    expect(result.watchFiles).toContain(p.file(`src/blog/migrations/${file}`))
  })

  it('returns broken history and a missing config as errors, never throws', async () => {
    const p = await project('cli-blog')
    await p.write(
      'src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts',
      "export const ID = '2026-01-01T00:00:00:000000'\nexport async function forwards() {\n  throw new Error('nope')\n}\n",
    )
    const session = await open(p)
    const broken = await session.check()
    expect(broken.ok).toBe(false)
    expect(broken.errors.map((e) => e.code)).toEqual(['MIGRATION_FORWARDS_THREW'])
    expect(broken.errors[0]!.details.file).toBe(p.file('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts'))

    const empty = await project(null)
    const none = await (await open(empty)).check()
    expect(none.errors.map((e) => e.code)).toEqual(['CONFIG_NOT_FOUND'])
    // The dev server watches where the config will appear.
    expect(none.watchFiles).toContain(empty.file('migrations.config.ts'))
  })
})

describe('ProjectSession.emit', () => {
  it('writes one migration per app with changes, one line per new table, and then nothing', async () => {
    const p = await project('cli-two-apps')
    const session = await open(p)
    const first = await session.emit({ allowDestructive: false, apply: false })
    expect(first.errors).toEqual([])
    expect(first.held).toEqual([])
    expect(first.written.map((w) => w.app)).toEqual(['auth', 'blog'])
    expect(first.written[1]!.lines).toEqual(['add table Post (id, title, author)'])
    expect(path.basename(first.written[1]!.file)).toMatch(/^blog_.*\.ts$/)
    expect(first.watchFiles).toContain(first.written[0]!.file)

    const second = await session.emit({ allowDestructive: false, apply: false })
    expect(second.written).toEqual([])
    expect((await session.check()).ok).toBe(true)
  })

  it('holds ambiguous and destructive changes, and writes destructive ones when allowed', async () => {
    const p = await project('cli-blog')
    const session = await open(p)
    await session.emit({ allowDestructive: false, apply: false })
    await p.edit('src/blog/tables.ts', 'title = new Varchar', 'name = new Varchar')
    await p.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    const held = await session.emit({ allowDestructive: false, apply: false })
    expect(held.written).toEqual([])
    expect(held.held.map((c) => [c.kind, c.description])).toEqual([
      ['ambiguous', 'did you rename column Post.title to Post.name?'],
      ['destructive', 'drop column Post.body'],
    ])
    expect(held.held[0]!.file).toBe(p.file('src/blog/tables.ts'))

    const allowed = await session.emit({ allowDestructive: true, apply: false })
    expect(allowed.written[0]!.lines).toEqual(['drop column Post.body'])
    // The rename question still stands: nothing is written for it without an answer.
    expect(allowed.held.map((c) => c.kind)).toEqual(['ambiguous'])
  })

  it('applies what it writes to the embedded dev database (saying when it creates it)', async () => {
    const p = await project('cli-blog')
    const lines: string[] = []
    const session = await openProjectSession({ root: p.root, log: (line) => lines.push(line) })
    sessions.push(session)
    expect(existsSync(p.file('.auto-migrations/db'))).toBe(false)
    const result = await session.emit({ allowDestructive: false, apply: true })
    expect(result.errors).toEqual([])
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^Creating the embedded database in .*\/\.auto-migrations\/db \(first use\)…$/)
    expect(lines[1]).toMatch(/^Created the embedded database in \d+\.\d s /)
    await p.edit(
      'src/blog/tables.ts',
      'views = new Integer({ default: 0 })',
      'views = new Integer({ default: 0 })\n  likes = new Integer({ default: 0 })',
    )
    const second = await session.emit({ allowDestructive: false, apply: true })
    expect(second.errors).toEqual([])
    expect(second.written).toHaveLength(1)

    // The embedded database is shared in-process: this joins the session's instance.
    const engine = await openEngine(undefined, { root: p.root })
    try {
      const columns = await engine.query<{ column_name: string }>(
        "select column_name from information_schema.columns where table_name = 'post' order by column_name",
      )
      expect(columns.rows.map((r) => r.column_name)).toEqual([
        'author',
        'body',
        'created_at',
        'id',
        'likes',
        'title',
        'views',
      ])
      const history = await engine.query<{ app: string }>('select app from auto_migrations')
      expect(history.rows).toHaveLength(2)
    } finally {
      await engine.close()
    }
  })
})

describe('ProjectSession.migrationEntries', () => {
  it('lists every migration file in dependency, then ID order', async () => {
    const p = await project('cli-two-apps')
    await p.run(['new', 'blog'], { now: new Date('2026-01-01T00:00:00Z') })
    await p.run(['new', 'auth'], { now: new Date('2026-02-01T00:00:00Z') })
    await p.run(['new', 'auth'], { now: new Date('2026-01-15T00:00:00Z') })
    const entries = await (await open(p)).migrationEntries()
    expect(entries.map((e) => `${e.app} ${e.id}`)).toEqual([
      'auth 2026-02-01T00:00:00:000000',
      'auth 2026-02-01T00:00:00:000001',
      'blog 2026-01-01T00:00:00:000000',
    ])
    expect(entries[2]!.file).toBe(p.file('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts'))
  })

  it('runs calls one at a time, so two emits never write the same change twice', async () => {
    const p = await project('cli-blog')
    const session = await open(p)
    const [a, b] = await Promise.all([
      session.emit({ allowDestructive: false, apply: false }),
      session.emit({ allowDestructive: false, apply: false }),
    ])
    expect(a.written.length + b.written.length).toBe(1)
    expect(await p.migrationFiles()).toHaveLength(1)
  })
})
