/**
 * One migration graph across apps, end to end on Postgres 15: `blog` points a foreign key at
 * `auth`'s table, and then auth drops or renames that table while blog lets go of it or follows it.
 * For each history: the database migrated save by save follows, a new database built from every file
 * has the same `pg_dump -s`, and `backwards`, one migration at a time, gives back each earlier state.
 */
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { dump, freshDatabase, type Project, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

/** The history table as [app, id] pairs, in the order they ran. */
async function applied(url: string): Promise<[string, string][]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ app: string; migration_id: string }>(
      'select app, migration_id from auto_migrations order by id',
    )
    return rows.map((r) => [r.app, r.migration_id])
  } finally {
    await client.end()
  }
}

const USER = `import { Table, Varchar } from 'unplugin-auto-migrations'

export class User extends Table {
  email = new Varchar({ length: 320, unique: true })
}
`
const NO_AUTH_TABLES = `import { defineApp } from 'unplugin-auto-migrations'

export default defineApp({
  name: 'auth',
  tables: [],
})
`
const POST_ALONE = `import { Table, Varchar } from 'unplugin-auto-migrations'

export class Post extends Table {
  title = new Varchar({ length: 200 })
}
`

interface Saved {
  /** What the save wrote: app and the file's DEPENDS_ON. */
  written: { app: string; dependsOn: string }[]
}

/**
 * Runs each save (edits, then `new all --auto --yes`, then `forwards` on one database) and checks
 * the graph's promises: a new database built from every file dumps the same; backwards, newest
 * first, gives back the dump after each earlier save.
 */
async function history(p: Project, saves: (() => Promise<void>)[]): Promise<Saved[]> {
  const url = await freshDatabase()
  const dumps: string[] = []
  const counts: number[] = []
  const result: Saved[] = []
  for (const [at, save] of saves.entries()) {
    const before = new Set([...(await p.migrationFiles('auth')), ...(await p.migrationFiles('blog'))])
    await save()
    const written = await p.run(['new', 'all', '--auto', '--yes'], { now: new Date(Date.UTC(2026, 0, at + 1)) })
    expect(written.stderr, `save ${at}`).toBe('')
    expect(written.code, `save ${at}`).toBe(0)
    const files = []
    for (const app of ['auth', 'blog'])
      for (const f of await p.migrationFiles(app))
        if (!before.has(f)) {
          const text = await p.read(`src/${app}/migrations/${f}`)
          files.push({ app, dependsOn: /export const DEPENDS_ON = (.*)/.exec(text)![1]! })
        }
    result.push({ written: files })
    const forwards = await p.run(['forwards', '--database', url])
    expect(forwards.stderr, `save ${at}`).toBe('')
    dumps.push(await dump(url))
    counts.push((await applied(url)).length)
  }
  expect((await p.run(['check'])).code).toBe(0)

  const scratch = await freshDatabase()
  expect((await p.run(['forwards', '--database', scratch])).code).toBe(0)
  expect(await dump(scratch), 'a new database built from every file').toBe(dumps.at(-1))

  for (let at = saves.length - 1; at > 0; at--) {
    while ((await applied(url)).length > counts[at - 1]!) {
      const [app] = (await applied(url)).at(-1)!
      const back = await p.run(['backwards', app, '--yes', '--database', url])
      expect(back.stderr).toBe('')
      expect(back.code).toBe(0)
    }
    expect(await dump(url), `backwards to save ${at - 1}`).toBe(dumps[at - 1])
  }
  return result
}

const first = (p: Project) => async () => {
  expect(await p.read('src/blog/tables.ts')).toContain('author = new ForeignKey(() => User)')
}

describe('one migration graph across apps (Postgres)', () => {
  it('drops a table another app pointed at, in the save that removes the foreign key', async () => {
    const p = await project('cli-two-apps')
    const saves = await history(p, [
      first(p),
      async () => {
        await p.write('src/blog/tables.ts', POST_ALONE)
        await p.write('src/auth/app.ts', NO_AUTH_TABLES)
      },
    ])
    const [blog, auth] = [
      saves[1]!.written.find((w) => w.app === 'blog')!,
      saves[1]!.written.find((w) => w.app === 'auth')!,
    ]
    expect(blog.dependsOn).toBe('{}')
    expect(auth.dependsOn).toMatch(/^\{ blog: '2026-01-02T00:00:00:\d{6}' \}$/)
    // status lists migrations in the order they run: blog lets go before auth drops.
    const status = JSON.parse((await p.run(['status', '--json', '--database', await freshDatabase()])).stdout) as {
      app: string
      id: string
    }[]
    expect(status.map((r) => `${r.app} ${r.id.slice(0, 10)}`)).toEqual([
      'auth 2026-01-01',
      'blog 2026-01-01',
      'blog 2026-01-02',
      'auth 2026-01-02',
    ])
  })

  it('drops a table another app pointed at, a save after it let go', async () => {
    const p = await project('cli-two-apps')
    const saves = await history(p, [
      first(p),
      () => p.write('src/blog/tables.ts', POST_ALONE),
      () => p.write('src/auth/app.ts', NO_AUTH_TABLES),
    ])
    expect(saves[2]!.written).toEqual([{ app: 'auth', dependsOn: expect.stringMatching(/^\{ blog: '2026-01-02/) }])
  })

  it('renames a table another app points at, then its key column: the foreign key follows', async () => {
    const p = await project('cli-two-apps')
    await history(p, [
      first(p),
      async () => {
        await p.write(
          'src/auth/tables.ts',
          USER.replace('class User extends Table {', "class Account extends Table {\n  static renamedFrom = 'User'"),
        )
        await p.edit('src/auth/app.ts', /User/g, 'Account')
        await p.write('src/blog/tables.ts', (await p.read('src/blog/tables.ts')).replace(/\bUser\b/g, 'Account'))
      },
      async () => {
        await p.edit('src/auth/tables.ts', 'import { Table, Varchar }', 'import { Serial, Table, Varchar }')
        await p.edit(
          'src/auth/tables.ts',
          "static renamedFrom = 'User'",
          "id = new Serial({ primaryKey: true, dbColumnName: 'account_id' })",
        )
      },
    ])
  })

  it('moves a foreign key from another app to its own and back, then drops the first target with it', async () => {
    const p = await project('cli-two-apps')
    const toOwn = `import { ForeignKey, Table, Varchar } from 'unplugin-auto-migrations'

export class Author extends Table {
  name = new Varchar({ length: 100 })
}

export class Post extends Table {
  title = new Varchar({ length: 200 })
  author = new ForeignKey(() => Author)
}
`
    const blogApp = await p.read('src/blog/app.ts')
    const saves = await history(p, [
      first(p),
      async () => {
        await p.write('src/blog/tables.ts', toOwn)
        await p.write(
          'src/blog/app.ts',
          blogApp
            .replace("import { Post } from './tables.js'", "import { Author, Post } from './tables.js'")
            .replace('tables: [Post]', 'tables: [Author, Post]'),
        )
      },
      async () => {
        await p.write(
          'src/blog/tables.ts',
          `import { User } from '../auth/tables.js'\n${toOwn.replace('() => Author', '() => User')}`,
        )
        await p.write('src/blog/app.ts', blogApp)
        await p.write(
          'src/blog/tables.ts',
          (await p.read('src/blog/tables.ts')).replace(/export class Author[^}]*}\n\n/, ''),
        )
      },
      async () => {
        await p.write('src/blog/tables.ts', POST_ALONE)
        await p.write('src/auth/app.ts', NO_AUTH_TABLES)
      },
    ])
    expect(saves[1]!.written.map((w) => w.app)).toEqual(['blog'])
    expect(saves[2]!.written).toEqual([{ app: 'blog', dependsOn: expect.stringMatching(/^\{ auth: '2026-01-01/) }])
    expect(saves[3]!.written.find((w) => w.app === 'auth')!.dependsOn).toMatch(/^\{ blog: '2026-01-04/)
  })
})
