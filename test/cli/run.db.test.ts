/**
 * `forwards`, `backwards` and `status` on a Postgres server: each test has its own fresh database,
 * passed with --database (the fixture projects configure none, so without it they would use the
 * embedded database), and checks what the commands say against what the database then holds.
 */
import { existsSync } from 'node:fs'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { freshDatabase, madeByMigrations, type Project, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

async function query<R = Record<string, unknown>>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows as R[]
  } finally {
    await client.end()
  }
}

const tables = async (url: string) =>
  madeByMigrations(
    (
      await query<{ table_name: string }>(
        url,
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
      )
    ).map((r) => r.table_name),
  )

const columns = async (url: string, table: string) =>
  (
    await query<{ column_name: string }>(
      url,
      `select column_name from information_schema.columns where table_name = '${table}' order by 1`,
    )
  ).map((r) => r.column_name)

/** The history table as `app id` strings, in the order they ran ([] before it exists). */
async function history(url: string): Promise<string[]> {
  const [exists] = await query<{ found: boolean }>(
    url,
    "select to_regclass('public.auto_migrations') is not null as found",
  )
  if (!exists?.found) return []
  return (
    await query<{ app: string; migration_id: string }>(url, 'select app, migration_id from auto_migrations order by id')
  ).map((r) => `${r.app} ${r.migration_id}`)
}

const ID1 = '2026-01-01T00:00:00:000000'
const ID2 = '2026-01-02T00:00:00:000000'
const ID3 = '2026-01-03T00:00:00:000000'
const at = (day: number) => new Date(Date.UTC(2026, 0, day))

/** cli-blog with its first migration (ID1: tables author and post) written, not applied. */
async function blogWithMigration(): Promise<Project> {
  const p = await project('cli-blog')
  expect((await p.run(['new', 'blog', '--auto'], { now: at(1) })).code).toBe(0)
  return p
}

/** …and two more: ID2 adds post.likes, ID3 adds post.shares. */
async function blogWithThreeMigrations(): Promise<Project> {
  const p = await blogWithMigration()
  await p.edit(
    'src/blog/tables.ts',
    'views = new Integer({ default: 0 })',
    'views = new Integer({ default: 0 })\n  likes = new Integer({ default: 0 })',
  )
  expect((await p.run(['new', 'blog', '--auto'], { now: at(2) })).code).toBe(0)
  await p.edit(
    'src/blog/tables.ts',
    'likes = new Integer({ default: 0 })',
    'likes = new Integer({ default: 0 })\n  shares = new Integer({ default: 0 })',
  )
  expect((await p.run(['new', 'blog', '--auto'], { now: at(3) })).code).toBe(0)
  return p
}

/** A hand-written migration of blog (as a user adds one), with `body` inside forwards(). */
const handWritten = (
  id: string,
  description: string,
  body: string,
) => `import { MigrationManager } from 'unplugin-auto-migrations'

export const ID = '${id}'
export const DESCRIPTION = '${description}'

export async function forwards() {
  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })
${body}
  return manager
}
`

const fileOf = (id: string) => `src/blog/migrations/blog_${id.replace(/[-:]/g, '_')}.ts`

/** A status row: app, ID and state in their columns. */
const statusRow = (app: string, id: string, state: string) => new RegExp(`^${app}\\s+${id}\\s+${state}\\b`, 'm')

describe('auto-migrations forwards / status', () => {
  it('new blog --auto then forwards creates the tables, status shows the migration ran, and forwards again has nothing to apply', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()

    const before = await p.run(['status', '--database', url])
    expect(before.code).toBe(0)
    expect(before.stdout).toMatch(statusRow('blog', ID1, 'pending'))
    expect(before.stdout).toContain('Apply it with: npx auto-migrations forwards')
    expect(await tables(url)).toEqual([])

    const run = await p.run(['forwards', '--database', url])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^applied blog ${ID1} .+ \\(\\d+ ms\\)$`, 'm'))
    expect(await tables(url)).toEqual(['author', 'auto_migrations', 'post'])
    expect(await columns(url, 'post')).toEqual(['author', 'body', 'created_at', 'id', 'title', 'views'])

    const after = await p.run(['status', '--database', url])
    expect(after.code).toBe(0)
    expect(after.stdout).toMatch(/^app\s+migration\s+state\s+ran on \(UTC\)\s+description$/m)
    expect(after.stdout).toMatch(
      new RegExp(`^blog\\s+${ID1}\\s+ran\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\s+add table`, 'm'),
    )
    expect(after.stdout).toContain('1 ran.')

    const again = await p.run(['forwards', '--database', url])
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe('Nothing to apply.')
    expect(await history(url)).toEqual([`blog ${ID1}`])
  })

  it('forwards <app> runs that app and the apps it depends on; --to stops after that migration and needs an app', async () => {
    const url = await freshDatabase()
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'], { now: at(1) })).code).toBe(0)
    expect((await p.run(['new', 'auth', '--desc', 'later'], { now: at(2) })).code).toBe(0)

    const noApp = await p.run(['forwards', '--to', ID1, '--database', url])
    expect(noApp.code).toBe(1)
    expect(noApp.stderr).toMatch(/^error \[USAGE\]: --to needs an app/)
    const unknown = await p.run(['forwards', 'auth', '--to', '2030-01-01T00:00:00:000000', '--database', url])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(
      `error [UNKNOWN_MIGRATION]: --to 2030-01-01T00:00:00:000000: app "auth" has no such migration. Its migrations are: ${ID1}, ${ID2}.`,
    )
    expect(await history(url)).toEqual([])

    const first = await p.run(['forwards', 'auth', '--to', ID1, '--database', url])
    expect(first.code).toBe(0)
    expect(first.stdout.split('\n').filter((l) => l.startsWith('applied'))).toEqual([
      expect.stringMatching(new RegExp(`^applied auth ${ID1} `)),
    ])
    expect(await tables(url)).toEqual(['auto_migrations', 'user'])

    // blog's migration depends on auth's first (its DEPENDS_ON), not on auth's later one.
    const blog = await p.run(['forwards', 'blog', '--database', url])
    expect(blog.code).toBe(0)
    expect(
      blog.stdout
        .split('\n')
        .filter((l) => l.startsWith('applied'))
        .map((l) => l.split(' ').slice(1, 3).join(' ')),
    ).toEqual([`blog ${ID1}`])
    expect(await tables(url)).toEqual(['auto_migrations', 'post', 'user'])
    expect(await history(url)).toEqual([`auth ${ID1}`, `blog ${ID1}`])

    const status = await p.run(['status', 'blog', '--database', url])
    expect(status.stdout).toMatch(statusRow('blog', ID1, 'ran'))
    expect(status.stdout).not.toMatch(/^auth/m)
  })

  it('--fake records the migrations as run without creating anything', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    const run = await p.run(['forwards', 'blog', '--fake', '--database', url])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`faked blog ${ID1} `)
    expect(run.stdout).toContain('Recorded 1 migration as run without running them (--fake).')
    expect(await tables(url)).toEqual(['auto_migrations'])
    expect((await p.run(['status', '--database', url])).stdout).toMatch(statusRow('blog', ID1, 'ran'))
  })

  it('an older migration merged after newer ones ran is applied and reported; a history row without a file is reported missing', async () => {
    const url = await freshDatabase()
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'], { now: at(2) })).code).toBe(0)
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    await p.write(
      fileOf(ID1),
      handWritten(ID1, 'from a branch', "  manager.sql('CREATE TABLE branch_note (id int)', 'DROP TABLE branch_note')"),
    )
    await query(
      url,
      "insert into auto_migrations (app, migration_id, checksum) values ('blog', '2025-06-01T00:00:00:000000', 'gone')",
    )
    const run = await p.run(['forwards', '--database', url])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`applied blog ${ID1} from a branch`)
    expect(run.stderr).toContain(
      `warning: blog ${ID1} was applied out of order: a newer migration of blog had already run`,
    )
    expect(run.stderr).toContain(
      'warning: blog 2025-06-01T00:00:00:000000 is recorded as run but has no migration file',
    )
    expect(await tables(url)).toContain('branch_note')

    const status = await p.run(['status', '--database', url])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(statusRow('blog', '2025-06-01T00:00:00:000000', 'missing'))
    expect(status.stdout).toContain('2 ran, 1 missing.')
    expect(status.stderr).toContain(
      'warning: blog 2025-06-01T00:00:00:000000 is recorded as run but has no migration file',
    )
  })

  it('a migration edited after it ran: status shows it changed and exits 1, forwards fails with CHECKSUM_CHANGED', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)
    await p.edit(fileOf(ID1), 'length: 200', 'length: 100')
    await p.edit(
      'src/blog/tables.ts',
      'views = new Integer({ default: 0 })',
      'views = new Integer({ default: 0 })\n  likes = new Integer({ default: 0 })',
    )
    expect((await p.run(['new', 'blog', '--auto'], { now: at(2) })).code).toBe(0)

    const status = await p.run(['status', '--database', url])
    expect(status.code).toBe(1)
    expect(status.stdout).toMatch(statusRow('blog', ID1, 'changed'))
    expect(status.stdout).toMatch(statusRow('blog', ID2, 'pending'))
    expect(status.stderr).toContain(`error [CHECKSUM_CHANGED]: blog ${ID1} (${fileOf(ID1)}) changed after it ran.`)

    const run = await p.run(['forwards', '--database', url])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^error \[CHECKSUM_CHANGED\]: Migration blog 2026-01-01T00:00:00:000000 \(.*blog_2026_01_01T00_00_00_000000\.ts\) changed after it ran/,
    )
    expect(await history(url)).toEqual([`blog ${ID1}`])
    expect(await columns(url, 'post')).not.toContain('likes')

    const back = await p.run(['backwards', 'blog', '--yes', '--database', url])
    expect(back.code).toBe(1)
    expect(back.stderr).toContain('error [CHECKSUM_CHANGED]')
    expect(await history(url)).toEqual([`blog ${ID1}`])
  })

  it('a migration whose SQL fails: forwards exits 1 naming the file, the SQL and 42P01; the migrations before it stay applied and its history row is not written', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    await p.write(
      fileOf(ID2),
      handWritten(
        ID2,
        'backfill',
        "  manager.sql('CREATE TABLE half_done (id int)')\n  manager.sql('SELECT * FROM nope')",
      ),
    )

    const run = await p.run(['forwards', '--database', url])
    expect(run.code).toBe(1)
    // Printed once, as it committed (with its time), not again by the report of the failure.
    expect(run.stdout.split('\n').filter((l) => l.startsWith('applied'))).toEqual([
      expect.stringMatching(new RegExp(`^applied blog ${ID1} .+ \\(\\d+ ms\\)$`)),
    ])
    expect(run.stderr).toContain('The migration above stays applied; the one that failed was not applied.')
    const error = run.stderr.slice(run.stderr.indexOf('error ['))
    expect(error).toMatch(
      /^error \[MIGRATION_FAILED\]: Migration blog 2026-01-02T00:00:00:000000 \(.*blog_2026_01_02T00_00_00_000000\.ts\) failed forwards/,
    )
    expect(error).toContain('relation "nope" does not exist [42P01]')
    expect(error).toContain('\nSQL: SELECT * FROM nope\n')
    expect(error).toContain('Nothing of this migration was applied.')
    // No stack without --trace.
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(await history(url)).toEqual([`blog ${ID1}`])
    expect(await tables(url)).not.toContain('half_done')

    const status = await p.run(['status', '--database', url])
    expect(status.stdout).toMatch(statusRow('blog', ID2, 'pending'))

    const traced = await p.run(['forwards', '--database', url, '--trace'])
    expect(traced.code).toBe(1)
    expect(traced.stderr).toMatch(/\n\s+at /)
  })
})

describe('auto-migrations forwards: a migration with a step outside its transaction', () => {
  it('that fails after the step: status shows it partial with its steps, and forwards resumes the fixed file after what committed', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    const index =
      "  manager.addIndex({ tableClassName: 'Post', tablename: 'post', index: { name: null, keys: [{ column: 'title' }], unique: false, method: 'btree', where: null, nullsDistinct: true, concurrently: true } })"
    await p.write(fileOf(ID2), handWritten(ID2, 'index titles', `${index}\n  manager.sql('SELECT * FROM nope')`))

    const run = await p.run(['forwards', '--database', url])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(
      'The migration above stays applied; the one that failed stopped part-way (status shows it as partial; forwards resumes it).',
    )
    expect(run.stderr).toContain('1 of its 2 steps committed before')
    const status = await p.run(['status', '--database', url])
    expect(status.stdout).toMatch(new RegExp(`^blog\\s+${ID2}\\s+partial \\(1/2 steps\\)`, 'm'))
    expect(status.stdout).toContain('1 ran, 1 partial.')
    expect(status.stderr).toContain(`warning: blog ${ID2} stopped forwards between its steps outside a transaction`)
    const json = JSON.parse((await p.run(['status', '--database', url, '--json'])).stdout) as {
      state: string
      steps: unknown
    }[]
    expect(json[1]).toMatchObject({ state: 'partial', steps: { done: 1, total: 2, direction: 'forwards' } })

    await p.write(fileOf(ID2), handWritten(ID2, 'index titles', `${index}\n  manager.sql('SELECT 1')`))
    const again = await p.run(['forwards', '--database', url])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(new RegExp(`^applied blog ${ID2} index titles`, 'm'))
    expect((await p.run(['status', '--database', url])).stdout).toContain('2 ran.')
  })
})

describe('auto-migrations backwards', () => {
  it('backwards blog --yes drops the tables and status shows the migration pending again', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    const back = await p.run(['backwards', 'blog', '--yes', '--database', url])
    expect(back.stderr).toBe('')
    expect(back.code).toBe(0)
    expect(back.stdout).toMatch(new RegExp(`^reversed blog ${ID1} `, 'm'))
    expect(await tables(url)).toEqual(['auto_migrations'])
    expect(await history(url)).toEqual([])

    const status = await p.run(['status', '--database', url])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(statusRow('blog', ID1, 'pending'))

    const nothing = await p.run(['backwards', 'blog', '--yes', '--database', url])
    expect(nothing.code).toBe(0)
    expect(nothing.stdout.trim()).toBe('Nothing to reverse in blog.')
  })

  it('--steps 2 reverses the two latest migrations; --to ID every one after ID', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)
    expect(await columns(url, 'post')).toEqual(expect.arrayContaining(['likes', 'shares']))

    const two = await p.run(['backwards', 'blog', '--steps', '2', '--yes', '--database', url])
    expect(two.code).toBe(0)
    expect(
      two.stdout
        .split('\n')
        .filter((l) => l.startsWith('reversed'))
        .map((l) => l.split(' ')[2]),
    ).toEqual([ID3, ID2])
    expect(await history(url)).toEqual([`blog ${ID1}`])
    expect(await columns(url, 'post')).not.toContain('likes')

    expect((await p.run(['forwards', '--database', url])).code).toBe(0)
    const to = await p.run(['backwards', 'blog', '--to', ID1, '--yes', '--database', url])
    expect(to.code).toBe(0)
    expect(
      to.stdout
        .split('\n')
        .filter((l) => l.startsWith('reversed'))
        .map((l) => l.split(' ')[2]),
    ).toEqual([ID3, ID2])
    expect(await history(url)).toEqual([`blog ${ID1}`])
    expect(await columns(url, 'post')).toEqual(['author', 'body', 'created_at', 'id', 'title', 'views'])

    // Default: one step. --to also takes the file name, as `sql` does.
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)
    const one = await p.run(['backwards', 'blog', '--yes', '--database', url])
    expect(
      one.stdout
        .split('\n')
        .filter((l) => l.startsWith('reversed'))
        .map((l) => l.split(' ')[2]),
    ).toEqual([ID3])
    const byFile = await p.run([
      'backwards',
      'blog',
      '--to',
      'blog_2026_01_01T00_00_00_000000.ts',
      '--yes',
      '--database',
      url,
    ])
    expect(
      byFile.stdout
        .split('\n')
        .filter((l) => l.startsWith('reversed'))
        .map((l) => l.split(' ')[2]),
    ).toEqual([ID2])
    expect(await history(url)).toEqual([`blog ${ID1}`])
  })

  it('without --yes and without a terminal, backwards refuses, lists what it would reverse, and changes nothing', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    const refused = await p.run(['backwards', 'blog', '--steps', '2', '--database', url])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      'Reverse 2 migrations of blog? (newest first; dropped tables and columns lose their data):',
    )
    expect(refused.stderr).toContain(`  - ${ID3} add column Post.shares\n  - ${ID2} add column Post.likes\n`)
    expect(refused.stderr).toMatch(/^error \[DESTRUCTIVE_CHANGE\]: Not reversed: .* Pass --yes to reverse them\.$/m)
    expect(await history(url)).toEqual([`blog ${ID1}`, `blog ${ID2}`, `blog ${ID3}`])
    expect(await columns(url, 'post')).toEqual(expect.arrayContaining(['likes', 'shares']))
  })

  it('in a terminal, backwards lists the migrations and asks; "n" keeps them, "y" reverses them', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    const declined = await p.run(['backwards', 'blog', '--steps', '2', '--database', url], { answers: ['n'] })
    expect(declined.asked).toEqual(['Reverse 2 migrations of blog? (y/N)'])
    expect(declined.stdout).toContain(
      `These migrations of blog will be reversed, newest first (dropped tables and columns lose their data):\n  - ${ID3} add column Post.shares\n  - ${ID2} add column Post.likes\n`,
    )
    expect(declined.code).toBe(1)
    expect(declined.stderr).toContain('Nothing was reversed.')
    expect(await history(url)).toHaveLength(3)

    const accepted = await p.run(['backwards', 'blog', '--database', url], { answers: ['y'] })
    expect(accepted.asked).toEqual(['Reverse 1 migration of blog? (y/N)'])
    expect(accepted.code).toBe(0)
    expect(accepted.stdout).toContain(`reversed blog ${ID3} add column Post.shares`)
    expect(await history(url)).toEqual([`blog ${ID1}`, `blog ${ID2}`])

    // --fake: history rows go, the schema stays.
    const fake = await p.run(['backwards', 'blog', '--fake', '--yes', '--database', url])
    expect(fake.stdout).toContain(`unrecorded blog ${ID2} add column Post.likes`)
    expect(await history(url)).toEqual([`blog ${ID1}`])
    expect(await columns(url, 'post')).toContain('likes')
  })
})

describe('auto-migrations backwards (failures)', () => {
  it('a reverse that Postgres refuses names the migration, the SQL and the code, and says which migrations were reversed before it', async () => {
    const url = await freshDatabase()
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'], { now: at(1) })).code).toBe(0)
    expect((await p.run(['new', 'auth', '--desc', 'broken'], { now: at(2) })).code).toBe(0)
    expect((await p.run(['new', 'auth', '--desc', 'later'], { now: at(3) })).code).toBe(0)
    const broken = (await p.migrationFiles('auth'))[1]!
    await p.edit(
      `src/auth/migrations/${broken}`,
      '  return manager',
      "  manager.sql('SELECT 1', 'SELECT 1/0')\n  return manager",
    )
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    const back = await p.run(['backwards', 'auth', '--steps', '2', '--yes', '--database', url])
    expect(back.code).toBe(1)
    expect(back.stdout.trim()).toBe(`reversed auth ${ID3} later`)
    expect(back.stderr).toContain('The migration above stays reversed; the one that failed was not.')
    expect(back.stderr).toMatch(
      /error \[MIGRATION_FAILED\]: Migration auth 2026-01-02T00:00:00:000000 \(.*auth_2026_01_02T00_00_00_000000\.ts\) failed backwards, operation ".+": .+ \[22012\]\nSQL: SELECT 1\/0/,
    )
    expect(await history(url)).toEqual([`auth ${ID1}`, `auth ${ID2}`, `blog ${ID1}`])
  })

  it('refuses to reverse a migration that an applied migration of another app depends on, unless --cascade', async () => {
    const url = await freshDatabase()
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'], { now: at(1) })).code).toBe(0)
    expect((await p.run(['new', 'auth', '--desc', 'later'], { now: at(2) })).code).toBe(0)
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)

    // auth's later migration has no dependents: it reverses alone.
    const alone = await p.run(['backwards', 'auth', '--yes', '--database', url])
    expect(alone.code).toBe(0)
    expect(alone.stdout.trim()).toBe(`reversed auth ${ID2} later`)

    // blog's post.author points at auth's user, written in auth's first migration.
    const blocked = await p.run(['backwards', 'auth', '--yes', '--database', url])
    expect(blocked.code).toBe(1)
    expect(blocked.stderr).toContain(
      `error [ROLLBACK_BLOCKED]: Cannot reverse auth ${ID1}: blog ${ID1} (add table Post) depends on it and has run. ` +
        'Reverse it first (npx auto-migrations backwards blog --steps 1), or pass --cascade to reverse it too.',
    )
    expect(await history(url)).toEqual([`auth ${ID1}`, `blog ${ID1}`])

    const cascade = await p.run(['backwards', 'auth', '--cascade', '--yes', '--database', url])
    expect(cascade.code).toBe(0)
    expect(
      cascade.stdout
        .split('\n')
        .filter((l) => l.startsWith('reversed'))
        .map((l) => l.split(' ').slice(1, 3).join(' ')),
    ).toEqual([`blog ${ID1}`, `auth ${ID1}`])
    expect(await history(url)).toEqual([])
    expect(await tables(url)).toEqual(['auto_migrations'])
  })
})

describe('the database forwards, backwards and status use', () => {
  it("uses the config's database, and --database overrides it", async () => {
    const configured = await freshDatabase()
    const other = await freshDatabase()
    const p = await blogWithMigration()
    await p.write(
      'migrations.config.ts',
      `import { defineConfig } from 'unplugin-auto-migrations'\n\nexport default defineConfig({\n  apps: ['./src/blog/app.ts'],\n  database: '${configured}',\n})\n`,
    )

    expect((await p.run(['forwards'])).code).toBe(0)
    expect(await tables(configured)).toContain('post')
    expect((await p.run(['status'])).stdout).toMatch(statusRow('blog', ID1, 'ran'))
    expect((await p.run(['status', '--database', other])).stdout).toMatch(statusRow('blog', ID1, 'pending'))
    expect(await tables(other)).toEqual([])
  })

  it('a broken app blocks the commands that need its history, and only those', async () => {
    const url = await freshDatabase()
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'], { now: at(1) })).code).toBe(0)
    await p.write(fileOf(ID2), handWritten(ID2, 'broken', "  throw new Error('backfill exploded')"))

    const blog = await p.run(['forwards', 'blog', '--database', url])
    expect(blog.code).toBe(1)
    expect(blog.stderr).toContain('error [MIGRATION_FORWARDS_THREW]')
    expect(blog.stderr).toContain('Nothing was run')
    expect(await history(url)).toEqual([])

    // auth does not depend on blog: it runs, and status lists it while naming blog's problem.
    const auth = await p.run(['forwards', 'auth', '--database', url])
    expect(auth.code).toBe(0)
    expect(await history(url)).toEqual([`auth ${ID1}`])
    const status = await p.run(['status', '--database', url])
    expect(status.code).toBe(1)
    expect(status.stdout).toMatch(statusRow('auth', ID1, 'ran'))
    expect(status.stdout).not.toMatch(/^blog/m)
    expect(status.stderr).toContain('backfill exploded')
    expect(status.stderr).toContain('Not listed (their migration files did not load, see above): blog.')
  })

  it('an unreachable database is a DATABASE_ERROR that names it without its password', async () => {
    const p = await blogWithMigration()
    const result = await p.run(['forwards', '--database', 'postgres://someone:s3cret@127.0.0.1:1/nowhere'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^error \[DATABASE_ERROR\]: Could not use postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/,
    )
    expect(result.stderr).not.toContain('s3cret')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('usage errors, broken history and the commands that need no database never open one', async () => {
    // The fixture configures no database: whatever opens one creates .auto-migrations/db.
    const p = await blogWithMigration()
    const embedded = p.file('.auto-migrations')
    for (const argv of [
      ['check'],
      ['sql', 'blog'],
      ['new', 'blog', '--auto'],
      ['forwards', '--help'],
      ['status', '--help'],
    ]) {
      expect((await p.run(argv)).code).toBe(0)
    }
    const usage: [string[], string][] = [
      [['backwards'], 'error [USAGE]: Which app?'],
      [['backwards', 'all', '--yes'], 'error [USAGE]: Which app?'],
      [['backwards', 'blog', '--steps', '0'], 'error [USAGE]: --steps 0: give how many migrations to reverse'],
      [['backwards', 'blog', '--steps', 'two'], 'error [USAGE]: --steps two'],
      [['backwards', 'blog', '--steps', '1', '--to', ID1], 'error [USAGE]: Give --to ID or --steps N, not both.'],
      [
        ['backwards', 'blog', '--to', 'nope'],
        'error [UNKNOWN_MIGRATION]: --to nope: app "blog" has no such migration.',
      ],
      [['backwards', 'shop'], 'error [USAGE]: No app is named "shop". The apps are: blog.'],
      [['forwards', 'shop'], 'error [USAGE]: No app is named "shop".'],
      [['forwards', 'blog', 'extra'], 'error [USAGE]: Unexpected argument "extra".'],
      [['forwards', '--steps', '2'], 'error [USAGE]: Unknown option --steps.'],
      [['status', 'shop'], 'error [USAGE]: No app is named "shop".'],
    ]
    for (const [argv, message] of usage) {
      const result = await p.run(argv)
      expect(result.code, argv.join(' ')).toBe(1)
      expect(result.stderr, argv.join(' ')).toContain(message)
    }

    await p.write(fileOf(ID2), handWritten(ID2, 'broken', "  throw new Error('backfill exploded')"))
    for (const argv of [['forwards'], ['forwards', 'blog'], ['backwards', 'blog', '--yes'], ['status']]) {
      const result = await p.run(argv)
      expect(result.code, argv.join(' ')).toBe(1)
      expect(result.stderr, argv.join(' ')).toContain('error [MIGRATION_FORWARDS_THREW]')
      expect(result.stderr, argv.join(' ')).toContain('backfill exploded')
    }
    expect(existsSync(embedded)).toBe(false)
  })
})

describe('forwards progress and --json', () => {
  it('forwards prints each migration as it commits, before the next one has run', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    // ID2 waits for an advisory lock this test holds: the run is provably not over yet.
    await p.write(fileOf(ID2), handWritten(ID2, 'waits', "  manager.sql('SELECT pg_advisory_xact_lock(4242)')"))
    const holder = new pg.Client({ connectionString: url })
    await holder.connect()
    await holder.query('SELECT pg_advisory_lock(4242)')

    let stdout = ''
    let firstLine: () => void = () => {}
    const printed = new Promise<void>((resolve) => {
      firstLine = resolve
    })
    const run = main(['forwards', '--database', url], {
      cwd: p.root,
      stdout: (text) => {
        stdout += text
        if (stdout.includes(`applied blog ${ID1} `)) firstLine()
      },
      stderr: () => {},
      prompt: undefined,
    })
    try {
      await printed
      expect(await history(url)).toEqual([`blog ${ID1}`])
      expect(stdout).not.toContain(ID2)
    } finally {
      await holder.query('SELECT pg_advisory_unlock(4242)')
      await holder.end()
    }
    expect(await run).toBe(0)
    expect(
      stdout
        .split('\n')
        .filter((l) => l.startsWith('applied'))
        .map((l) => l.split(' ')[2]),
    ).toEqual([ID1, ID2])
  })

  it('forwards --json prints one document: what it applied and the history rows without a file', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    const run = await p.run(['forwards', '--json', '--database', url])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const document = JSON.parse(run.stdout)
    expect(document).toEqual({
      applied: [ID1, ID2, ID3].map((id) => ({
        app: 'blog',
        id,
        description: expect.any(String),
        durationMs: expect.any(Number),
        outOfOrder: false,
      })),
      missing: [],
    })

    await query(
      url,
      "insert into auto_migrations (app, migration_id, checksum) values ('blog', '2025-06-01T00:00:00:000000', 'gone')",
    )
    const again = await p.run(['forwards', '--json', '--database', url])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual({
      applied: [],
      missing: [{ app: 'blog', id: '2025-06-01T00:00:00:000000' }],
    })
    // A human still reads the warning.
    expect(again.stderr).toContain(
      'warning: blog 2025-06-01T00:00:00:000000 is recorded as run but has no migration file',
    )
  })

  it('forwards --json on failure: exit 1, the error as JSON on stdout with what stays applied, the message on stderr', async () => {
    const url = await freshDatabase()
    const p = await blogWithMigration()
    await p.write(fileOf(ID2), handWritten(ID2, 'backfill', "  manager.sql('SELECT * FROM nope')"))
    const run = await p.run(['forwards', '--json', '--database', url])
    expect(run.code).toBe(1)
    const { error } = JSON.parse(run.stdout)
    expect(error).toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringContaining('relation "nope" does not exist'),
      details: {
        app: 'blog',
        migrationId: ID2,
        sql: 'SELECT * FROM nope',
        pgCode: '42P01',
        applied: [expect.objectContaining({ app: 'blog', id: ID1 })],
      },
    })
    expect(run.stderr).toMatch(/^error \[MIGRATION_FAILED\]: /)
    expect(await history(url)).toEqual([`blog ${ID1}`])

    const unreachable = await p.run(['forwards', '--json', '--database', 'postgres://postgres@127.0.0.1:1/nowhere'])
    expect(unreachable.code).toBe(1)
    expect(JSON.parse(unreachable.stdout).error).toMatchObject({
      code: 'DATABASE_ERROR',
      message: expect.stringContaining('ECONNREFUSED'),
    })

    await p.write(fileOf(ID3), handWritten(ID3, 'broken', "  throw new Error('backfill exploded')"))
    const broken = await p.run(['forwards', '--json', '--database', url])
    expect(broken.code).toBe(1)
    const blocked = JSON.parse(broken.stdout).error
    expect(blocked).toMatchObject({
      code: 'MIGRATION_FORWARDS_THREW',
      message: expect.stringContaining('Nothing was run'),
    })
    expect(blocked.details.errors).toEqual([
      expect.objectContaining({
        code: 'MIGRATION_FORWARDS_THREW',
        message: expect.stringContaining('backfill exploded'),
      }),
    ])
  })

  it('status --json lists the rows in the table order, with when they ran and their file', async () => {
    const url = await freshDatabase()
    const p = await blogWithThreeMigrations()
    expect((await p.run(['forwards', 'blog', '--to', ID2, '--database', url])).code).toBe(0)
    const run = await p.run(['status', '--json', '--database', url])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const rows = JSON.parse(run.stdout)
    expect(rows).toEqual([
      {
        app: 'blog',
        id: ID1,
        description: expect.any(String),
        state: 'ran',
        ranOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        file: fileOf(ID1),
        steps: null,
      },
      {
        app: 'blog',
        id: ID2,
        description: 'add column Post.likes',
        state: 'ran',
        ranOn: expect.any(String),
        file: fileOf(ID2),
        steps: null,
      },
      {
        app: 'blog',
        id: ID3,
        description: 'add column Post.shares',
        state: 'pending',
        ranOn: null,
        file: fileOf(ID3),
        steps: null,
      },
    ])

    const help = await p.run(['forwards', '--help'])
    expect(help.stdout).toContain('--json: prints nothing while it runs, then one JSON document on stdout')
    expect((await p.run(['status', '--help'])).stdout).toContain('--json: one JSON array on stdout')
  })
})
