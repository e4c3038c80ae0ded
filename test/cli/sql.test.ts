import { afterEach, describe, expect, it } from 'vitest'
import { project, removeProjects } from './helpers.js'

afterEach(removeProjects)

describe('auto-migrations sql', () => {
  it('prints the CREATE TABLE SQL of the latest migration', async () => {
    const p = await project('cli-blog')
    await p.run(['new', 'blog', '--auto'])
    const result = await p.run(['sql', 'blog'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('CREATE TABLE "public"."author"')
    expect(result.stdout).toContain('CREATE TABLE "public"."post"')
    expect(result.stdout).toContain(`ADD COLUMN "created_at" timestamptz NOT NULL DEFAULT now();`)
    expect(result.stdout).toContain('REFERENCES "public"."author" ("id") ON DELETE CASCADE')
  })

  it('generates SQL against the schema at that point of history, forwards and --backwards', async () => {
    const p = await project('cli-blog')
    await p.run(['new', 'blog', '--auto'], { now: new Date('2026-01-01T00:00:00Z') })
    await p.edit('src/blog/tables.ts', 'title = new Varchar', 'name = new Varchar')
    await p.run(['new', 'blog', '--auto', '--rename', 'Post.title=name'], { now: new Date('2026-01-02T00:00:00Z') })
    const first = await p.run(['sql', 'blog', '2026-01-01T00:00:00:000000'])
    expect(first.stdout).toContain('CREATE TABLE "public"."post"')
    const rename = await p.run(['sql', 'blog'])
    expect(rename.stdout).toContain('RENAME COLUMN "title" TO "name"')
    const back = await p.run(['sql', 'blog', '--backwards'])
    expect(back.stdout).toContain('RENAME COLUMN "name" TO "title"')
    const dropAll = await p.run(['sql', 'blog', 'blog_2026_01_01T00_00_00_000000.ts', '--backwards'])
    expect(dropAll.stdout).toContain('DROP TABLE "public"."post"')
  })

  it('names the migrations there are when the ID is unknown', async () => {
    const p = await project('cli-blog')
    const none = await p.run(['sql', 'blog'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('error [UNKNOWN_MIGRATION]: App "blog" has no migrations yet.')
    await p.run(['new', 'blog', '--auto'], { now: new Date('2026-01-01T00:00:00Z') })
    const unknown = await p.run(['sql', 'blog', '2030-01-01T00:00:00:000000'])
    expect(unknown.stderr).toContain('Its migrations are: 2026-01-01T00:00:00:000000.')
  })
})
