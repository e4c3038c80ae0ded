/**
 * `squash <app>`: one migration replaces a run of an app's migrations. Three Postgres databases see
 * it: one that ran the whole run, one that ran part of it, and a new one; all end with the same
 * schema (`pg_dump -s`), and the replaced files can then be deleted.
 */
import { execFileSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { addLikesMigration, freshDatabase, type Project, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

const ID1 = '2026-01-01T00:00:00:000000'
const ID2 = '2026-01-02T00:00:00:000000'
const ID3 = '2026-01-03T00:00:00:000000'
const SQUASHED = '2026-01-03T00:00:00:000001'
const at = (day: number) => new Date(Date.UTC(2026, 0, day))
const fileName = (app: string, id: string) => `${app}_${id.replace(/[-:]/g, '_')}.ts`
const statusRow = (app: string, id: string, state: string) => new RegExp(`^${app}\\s+${id}\\s+${state}\\b`, 'm')

/** cli-blog with three migrations: the tables, then post.likes, then views renamed to hits. */
async function blogWithThreeMigrations(): Promise<Project> {
  const p = await project('cli-blog')
  expect((await p.run(['new', 'blog', '--auto'], { now: at(1) })).code).toBe(0)
  await addLikesMigration(p, 2)
  await p.edit('src/blog/tables.ts', 'views = new Integer', 'hits = new Integer')
  expect((await p.run(['new', 'blog', '--auto', '--rename', 'Post.views=hits'], { now: at(3) })).code).toBe(0)
  return p
}

/** The schema of a database as pg_dump prints it, without the comment lines that name the dump. */
function schemaOf(url: string): string {
  return execFileSync('pg_dump', ['--schema-only', '--no-owner', url], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => !line.startsWith('--') && !line.startsWith('\\restrict') && !line.startsWith('\\unrestrict'))
    .join('\n')
}

describe('auto-migrations squash', () => {
  it('replaces a run: a database that ran it sees nothing pending, one that ran part catches up, a new one builds the same schema', async () => {
    const [whole, part, fresh] = [await freshDatabase(), await freshDatabase(), await freshDatabase()]
    const p = await blogWithThreeMigrations()
    expect((await p.run(['forwards', '--database', whole])).code).toBe(0)
    expect((await p.run(['forwards', 'blog', '--to', ID1, '--database', part])).code).toBe(0)

    const squash = await p.run(['squash', 'blog'])
    expect(squash.stderr).toBe('')
    expect(squash.code).toBe(0)
    expect(squash.stdout).toContain(`wrote src/blog/migrations/${fileName('blog', SQUASHED)}`)
    expect(squash.stdout).toContain('replacing 3 migrations of blog')
    expect(squash.stdout).toContain('you may delete the replaced files')
    const text = await p.read(`src/blog/migrations/${fileName('blog', SQUASHED)}`)
    expect(text).toContain(`export const REPLACES = ['${ID1}', '${ID2}', '${ID3}']`)
    expect(text).toContain("columnName: 'hits'")
    expect(text).not.toContain('renameColumn')

    // Ran them all: the squashed migration counts as ran, and forwards only records it.
    const wholeStatus = await p.run(['status', '--database', whole])
    expect(wholeStatus.stdout).toMatch(statusRow('blog', SQUASHED, 'ran'))
    expect(wholeStatus.stdout).not.toMatch(/pending/)
    const record = await p.run(['forwards', '--database', whole])
    expect(record.stdout).toContain(`recorded blog ${SQUASHED} as ran`)
    expect(record.stdout).not.toMatch(/^applied/m)

    // Ran the first: the other two run, then the squashed one is recorded.
    const catchUp = await p.run(['forwards', '--database', part])
    expect(catchUp.code).toBe(0)
    expect(catchUp.stdout).toMatch(new RegExp(`blog ${ID2}[\\s\\S]*blog ${ID3}`))
    expect(catchUp.stdout).toContain(`recorded blog ${SQUASHED} as ran`)
    expect((await p.run(['status', '--database', part])).stdout).toMatch(statusRow('blog', SQUASHED, 'ran'))

    // New: only the squashed migration runs.
    const fromScratch = await p.run(['forwards', '--database', fresh])
    expect(fromScratch.stdout).toContain(`blog ${SQUASHED}`)
    expect(fromScratch.stdout).not.toMatch(/^applied blog 2026-01-0\dT00:00:00:000000/m)

    expect(schemaOf(fresh)).toBe(schemaOf(whole))
    expect(schemaOf(part)).toBe(schemaOf(whole))

    // The replaced files deleted: the history with their rows keeps working, and nothing is missing.
    for (const id of [ID1, ID2, ID3]) await rm(p.file(`src/blog/migrations/${fileName('blog', id)}`))
    const after = await p.run(['status', '--database', whole])
    expect(after.stdout).toMatch(statusRow('blog', SQUASHED, 'ran'))
    expect(after.stdout).not.toMatch(/missing|pending/)
    expect((await p.run(['forwards', '--database', whole])).stdout).toContain('Nothing to apply.')
    expect((await p.run(['check'])).code).toBe(0)

    // Reversing the squashed migration takes its replaced rows with it.
    expect((await p.run(['backwards', 'blog', '--yes', '--database', whole])).code).toBe(0)
    const reversed = await p.run(['status', '--database', whole])
    expect(reversed.stdout).toMatch(statusRow('blog', SQUASHED, 'pending'))
    expect(reversed.stdout).not.toMatch(/missing/)
  })

  it('squashes a part of the history with --from/--to, and later migrations follow the squashed one', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    const squash = await p.run(['squash', 'blog', '--from', ID1, '--to', ID2])
    expect(squash.code).toBe(0)
    const squashed = '2026-01-02T00:00:00:000001'
    expect(await p.read(`src/blog/migrations/${fileName('blog', squashed)}`)).toContain(
      `export const REPLACES = ['${ID1}', '${ID2}']`,
    )
    const run = await p.run(['forwards', '--database', url])
    expect(run.stdout).toMatch(new RegExp(`blog ${squashed}[\\s\\S]*blog ${ID3}`))
    expect(run.stdout).not.toMatch(/^applied blog 2026-01-0[12]T00:00:00:000000/m)
    expect((await p.run(['check'])).code).toBe(0)
  })

  it('discard takes back a squash no database recorded yet, and refuses one a database recorded', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)
    const squashedFile = fileName('blog', SQUASHED)
    expect((await p.run(['squash', 'blog'])).code).toBe(0)

    const undo = await p.run(['discard', 'blog', '--yes', '--database', url])
    expect(undo.stderr).toBe('')
    expect(undo.stdout).toContain(`deleted src/blog/migrations/${squashedFile}`)
    expect(await p.migrationFiles()).toEqual([fileName('blog', ID1), fileName('blog', ID2), fileName('blog', ID3)])
    expect((await p.run(['status', '--database', url])).stdout).not.toMatch(/pending|missing/)

    expect((await p.run(['squash', 'blog'])).code).toBe(0)
    expect((await p.run(['forwards', '--database', url])).stdout).toContain(`recorded blog ${SQUASHED} as ran`)
    const refused = await p.run(['discard', 'blog', '--yes', '--database', url])
    expect(refused.stderr).toContain('error [DISCARD_RAN]')
    expect(await p.migrationFiles()).toContain(squashedFile)
  })

  it('sql prints the squashed migration, and a replaced one as a database that ran part of the run sees it', async () => {
    const p = await blogWithThreeMigrations()
    expect((await p.run(['squash', 'blog'])).code).toBe(0)
    const squashed = await p.run(['sql', 'blog'])
    expect(squashed.stdout).toContain(`-- blog ${SQUASHED} forwards`)
    expect(squashed.stdout).toContain('CREATE TABLE "public"."post"')
    expect(squashed.stdout).toContain('"hits" integer')
    const replaced = await p.run(['sql', 'blog', ID3])
    expect(replaced.code).toBe(0)
    expect(replaced.stdout).toContain('ALTER TABLE "public"."post" RENAME COLUMN "views" TO "hits"')
  })

  it('refuses a run of one migration, naming the app', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'], { now: at(1) })).code).toBe(0)
    const r = await p.run(['squash', 'blog'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error [SQUASH_REFUSED]')
    expect(r.stderr).toContain('app "blog" has one migration')
  })
})

describe('auto-migrations squash across apps', () => {
  it("refuses a run that another app's migration sits in the middle of, naming it", async () => {
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'], { now: at(1) })).code).toBe(0)
    // blog lets go of auth's User, then auth renames it: auth's second migration depends on blog's second.
    await p.write(
      'src/blog/tables.ts',
      "import { Table, Varchar } from 'unplugin-auto-migrations'\n\nexport class Post extends Table {\n  title = new Varchar({ length: 200 })\n}\n",
    )
    await p.edit(
      'src/auth/tables.ts',
      'class User extends Table {',
      "class Account extends Table {\n  static renamedFrom = 'User'",
    )
    await p.edit('src/auth/app.ts', /User/g, 'Account')
    const second = await p.run(['new', 'all', '--auto', '--yes'], { now: at(2) })
    expect(second.stderr).toBe('')
    const [, authSecond] = await p.migrationFiles('auth')
    expect(await p.read(`src/auth/migrations/${authSecond}`)).toMatch(/DEPENDS_ON = \{ blog: '/)

    const r = await p.run(['squash', 'auth'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error [SQUASH_REFUSED]')
    expect(r.stderr).toContain(`blog ${ID1}`)
    expect(await p.migrationFiles('auth')).toHaveLength(2)
  })
})
