/** `check --json`: one parseable document on stdout, per app, and the exit code of the text report. */
import { afterEach, describe, expect, it } from 'vitest'
import { project, removeProjects, THROWING_MIGRATION } from './helpers.js'

afterEach(removeProjects)

describe('check --json', () => {
  it('lists each app’s changes with kind, table, description, file and fix, the held ones apart, and exits 1', async () => {
    const p = await project('cli-blog')
    const result = await p.run(['check', '--json'])
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout)
    expect(Object.keys(report)).toEqual(['ok', 'unchanged', 'apps', 'errors', 'warnings', 'scratch'])
    expect(report).toMatchObject({ ok: false, unchanged: false, errors: [], scratch: null })
    expect(Object.keys(report.apps)).toEqual(['blog'])
    expect(report.apps.blog.changes).toHaveLength(2)
    expect(report.apps.blog.changes).toContainEqual({
      kind: 'change',
      table: 'Post',
      description: 'add table Post (id, title, body, views, createdAt, author)',
      file: 'src/blog/tables.ts',
      fix: 'npx auto-migrations new blog --auto',
    })
    expect(report.apps.blog.held).toEqual([])
    expect(report.apps.blog.errors).toEqual([])

    // Ambiguous and destructive changes are changes, and held too.
    await p.run(['new', 'blog', '--auto'])
    await p.edit('src/blog/tables.ts', 'title = new Varchar', 'name = new Varchar')
    await p.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    const held = await p.run(['check', '--json'])
    expect(held.code).toBe(1)
    const { blog } = JSON.parse(held.stdout).apps
    expect(blog.held.map((c: { kind: string; description: string }) => `${c.kind}: ${c.description}`)).toEqual([
      'ambiguous: did you rename column Post.title to Post.name?',
      'destructive: drop column Post.body',
    ])
    expect(blog.changes).toEqual(expect.arrayContaining(blog.held))
    expect(blog.held[0].fix).toContain('--rename Post.title=name')
  })

  it('prints ok and nothing else on stdout when clean, from the cache or not, and with --scratch', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    const first = await p.run(['check', '--json'])
    expect(first.code).toBe(0)
    expect(first.stderr).toBe('')
    expect(JSON.parse(first.stdout)).toEqual({
      ok: true,
      unchanged: false,
      apps: {},
      errors: [],
      warnings: [],
      scratch: null,
    })
    const cached = await p.run(['check', '--json'])
    expect(JSON.parse(cached.stdout)).toMatchObject({ ok: true, unchanged: true })
    const scratch = await p.run(['check', '--json', '--scratch', '--no-cache'])
    expect(scratch.code).toBe(0)
    expect(JSON.parse(scratch.stdout)).toEqual({
      ok: true,
      unchanged: false,
      apps: {},
      errors: [],
      warnings: [],
      scratch: { ok: true },
    })
  })

  it('gives broken history as errors with code and message under its app, exits 1, and still says it on stderr', async () => {
    const p = await project('cli-blog')
    await p.write('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts', THROWING_MIGRATION)
    const result = await p.run(['check', '--json'])
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout)
    expect(report.ok).toBe(false)
    expect(report.apps.blog.errors).toHaveLength(1)
    expect(report.apps.blog.errors[0]).toMatchObject({ code: 'MIGRATION_FORWARDS_THREW' })
    expect(report.apps.blog.errors[0].message).toContain('backfill exploded')
    expect(result.stderr).toContain('error [MIGRATION_FORWARDS_THREW]')
  })

  it('warns about an exported table class that no app registers, in text and in JSON, and still passes', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    await p.write(
      'src/blog/tables.ts',
      `${await p.read('src/blog/tables.ts')}\nexport class Tag extends Table {\n  name = new Varchar({ length: 50 })\n}\n`,
    )
    const text = await p.run(['check'])
    expect(text.code).toBe(0)
    expect(text.stderr).toContain("warning: table class Tag exported from src/blog/tables.ts is in no app's tables")
    const json = await p.run(['check', '--json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout).warnings).toEqual([expect.stringContaining('table class Tag exported from')])
  })

  it('reports a command that cannot run as {"error"} on stdout', async () => {
    const p = await project(null)
    const result = await p.run(['check', '--json'])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'CONFIG_NOT_FOUND' } })
  })
})
