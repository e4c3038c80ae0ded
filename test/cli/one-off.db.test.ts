/**
 * One-off values: a NOT NULL column without a default added to a table that has rows. On a terminal
 * `new --auto` asks for a value that fills the existing rows; without one it is reported, naming the
 * column and the fixes.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { hasScript, runInTerminal } from '../helpers/terminal.js'
import { freshDatabase, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

const at = (day: number) => new Date(Date.UTC(2026, 0, day))
const psql = (url: string, query: string) =>
  execFileSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', url, '-c', query], { encoding: 'utf8' }).trim()

/** cli-blog whose first migration ran on `url`, with one post, and Post.publishedAt added (NOT NULL, no default). */
async function blogWithRowsAndNewColumn(url: string) {
  const p = await project('cli-blog')
  expect((await p.run(['new', 'blog', '--auto'], { now: at(1) })).code).toBe(0)
  expect((await p.run(['forwards', '--database', url])).code).toBe(0)
  psql(url, "insert into author (name) values ('ann'); insert into post (title, author) values ('hello', 1)")
  await p.edit('src/blog/tables.ts', 'createdAt = new', 'publishedAt = new Timestamptz()\n  createdAt = new')
  return p
}

describe('a NOT NULL column without a default on an existing table', () => {
  it.skipIf(!hasScript)(
    'on a terminal, asks for a one-off value that fills the existing rows and leaves no default',
    async () => {
      const url = await freshDatabase()
      const p = await blogWithRowsAndNewColumn(url)
      const asked = await runInTerminal(p.root, ['new', 'blog', '--auto'], "'2026-01-02'", 'One-off value')
      expect(asked.output).toContain('Column Post.publishedAt is NOT NULL without a default')
      expect(asked.code).toBe(0)
      const [, file] = await p.migrationFiles()
      expect(await p.read(`src/blog/migrations/${file}`)).toContain("fill: sql`'2026-01-02'`")

      expect((await p.run(['forwards', '--database', url])).code).toBe(0)
      expect(psql(url, 'select published_at::date from post')).toBe('2026-01-02')
      expect(
        psql(url, "select column_default is null from information_schema.columns where column_name = 'published_at'"),
      ).toBe('t')
      expect((await p.run(['check'])).code).toBe(0)
      // Backwards drops the column.
      expect((await p.run(['backwards', 'blog', '--yes', '--database', url])).code).toBe(0)
      expect(psql(url, "select count(*) from information_schema.columns where column_name = 'published_at'")).toBe('0')
    },
  )

  it('without a terminal, writes nothing for it and names the column and the ways out', async () => {
    const url = await freshDatabase()
    const p = await blogWithRowsAndNewColumn(url)
    const r = await p.run(['new', 'blog', '--auto'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('needs-value: add column Post.publishedAt: NOT NULL without a default')
    expect(r.stderr).toContain(
      'give Post.publishedAt a default, or make it null: true, or run npx auto-migrations new blog --auto in a terminal',
    )
    expect(await p.migrationFiles()).toHaveLength(1)

    const check = await p.run(['check'])
    expect(check.code).toBe(1)
    expect(`${check.stdout}${check.stderr}`).toContain('add column Post.publishedAt: NOT NULL without a default')
  })
})
