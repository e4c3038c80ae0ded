/**
 * `discard <app>`: deletes the app's latest migration file only when the database the command sees
 * (--database, here a fresh Postgres database per test; else the config's) has not run it and no
 * other app's migration depends on it.
 */
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { addLikesMigration, freshDatabase, type Project, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

const ID1 = '2026-01-01T00:00:00:000000'
const ID2 = '2026-01-02T00:00:00:000000'
const at = (day: number) => new Date(Date.UTC(2026, 0, day))
const fileName = (app: string, id: string) => `${app}_${id.replace(/[-:]/g, '_')}.ts`

/** cli-blog with two migrations of blog: ID1 (tables author and post) and ID2 (adds post.likes). */
async function blogWithTwoMigrations(): Promise<Project> {
  const p = await project('cli-blog')
  expect((await p.run(['new', 'blog', '--auto'], { now: at(1) })).code).toBe(0)
  await addLikesMigration(p, 2)
  expect(await p.migrationFiles()).toEqual([fileName('blog', ID1), fileName('blog', ID2)])
  return p
}

describe('auto-migrations discard', () => {
  it('deletes the latest migration that has not run, after asking, and nothing else', async () => {
    const url = await freshDatabase()
    const p = await blogWithTwoMigrations()
    expect((await p.run(['forwards', 'blog', '--to', ID1, '--database', url])).code).toBe(0)

    const no = await p.run(['discard', 'blog', '--database', url], { answers: ['n'] })
    expect(no.code).toBe(1)
    expect(no.asked).toEqual([`Delete src/blog/migrations/${fileName('blog', ID2)}? (y/N)`])
    expect(no.stderr).toContain('Nothing was deleted.')
    expect(await p.migrationFiles()).toHaveLength(2)

    const yes = await p.run(['discard', 'blog', '--database', url], { answers: ['y'] })
    expect(yes.stderr).toBe('')
    expect(yes.code).toBe(0)
    expect(yes.stdout).toContain(`deleted src/blog/migrations/${fileName('blog', ID2)}`)
    expect(await p.migrationFiles()).toEqual([fileName('blog', ID1)])
  })

  it('refuses one that ran on the database and keeps the file', async () => {
    const url = await freshDatabase()
    const p = await blogWithTwoMigrations()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    const r = await p.run(['discard', 'blog', '--yes', '--database', url])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error [DISCARD_RAN]')
    expect(r.stderr).toContain(`blog ${ID2}`)
    expect(r.stderr).toContain(new URL(url).pathname)
    expect(r.stderr).toContain('npx auto-migrations backwards blog')
    expect(await p.migrationFiles()).toHaveLength(2)

    // Reversed first, it can go.
    expect((await p.run(['backwards', 'blog', '--yes', '--database', url])).code).toBe(0)
    const again = await p.run(['discard', 'blog', '--yes', '--database', url])
    expect(again.code).toBe(0)
    expect(await p.migrationFiles()).toEqual([fileName('blog', ID1)])
  })

  it("refuses one another app's migration depends on", async () => {
    const url = await freshDatabase()
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'], { now: at(1) })).code).toBe(0)
    const [blogFile] = await p.migrationFiles('blog')
    expect(await p.read(`src/blog/migrations/${blogFile}`)).toMatch(/DEPENDS_ON = \{ auth: '/)

    const r = await p.run(['discard', 'auth', '--yes', '--database', url])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error [DISCARD_NEEDED]')
    expect(r.stderr).toContain(`src/blog/migrations/${blogFile}`)
    expect(await p.migrationFiles('auth')).toHaveLength(1)
  })

  it('needs --yes without a terminal', async () => {
    const url = await freshDatabase()
    const p = await blogWithTwoMigrations()
    const r = await p.run(['discard', 'blog', '--database', url])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error [DESTRUCTIVE_CHANGE]')
    expect(r.stderr).toContain('--yes')
    expect(await p.migrationFiles()).toHaveLength(2)

    const yes = await p.run(['discard', 'blog', '--yes', '--database', url])
    expect(yes.code).toBe(0)
    expect(await p.migrationFiles()).toEqual([fileName('blog', ID1)])
  })

  it('says so when the app has no migration to discard', async () => {
    const p = await project('cli-blog')
    const r = await p.run(['discard', 'blog', '--yes'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error [UNKNOWN_MIGRATION]')
    expect(r.stderr).toContain('no migrations')
  })

  it('checks the embedded database when there is no --database', async () => {
    const p = await blogWithTwoMigrations()
    // Never created: nothing ran there, and checking does not create it.
    const pending = await p.run(['discard', 'blog', '--yes'])
    expect(pending.code).toBe(0)
    expect(existsSync(p.file('.auto-migrations/db'))).toBe(false)
    expect(await p.migrationFiles()).toEqual([fileName('blog', ID1)])

    expect((await p.run(['forwards'])).code).toBe(0)
    const ran = await p.run(['discard', 'blog', '--yes'])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain('error [DISCARD_RAN]')
    expect(ran.stderr).toContain('the embedded database')
    expect(await p.migrationFiles()).toEqual([fileName('blog', ID1)])
  })
})
