/**
 * `drift`: a database built from the migration files has none; each kind of change made by hand
 * (a column, an index, a constraint: added, dropped or altered) is reported exactly once, in the
 * model's words, on Postgres 15 and on the embedded database.
 */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Difference } from '../../src/runtime/drift/difference.js'
import { PgliteEngine } from '../../src/runtime/engines/pglite.js'
import { ADMIN_URL } from '../helpers/databases.js'
import { freshDatabase, onServer, type Project, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

const TABLES = `import { ForeignKey, Integer, Table, Text, Varchar, check, index } from 'unplugin-auto-migrations'

export class Author extends Table {
  name = new Varchar({ length: 255 })
}

export class Post extends Table {
  title = new Varchar({ length: 200, index: true })
  body = new Text({ null: true })
  author = new ForeignKey(() => Author, { onDelete: 'cascade' })
  views = new Integer({ default: 0 })
  static constraints = [check('views >= 0'), index('author', 'views')]
}
`

/** The cli-blog project with indexes and a check, migrated on `database`. */
async function migrated(database: string): Promise<Project> {
  const p = await project('cli-blog')
  await p.write('src/blog/tables.ts', TABLES)
  expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
  const forwards = await p.run(['forwards', '--database', database])
  expect(forwards.code).toBe(0)
  expect(forwards.stderr).not.toMatch(/error|warning/)
  return p
}

const messages = (stdout: string) => (JSON.parse(stdout) as Difference[]).map((d) => d.message)

describe('drift on Postgres 15', () => {
  it('finds none in a database built from the files, and says so in one line', async () => {
    const url = await freshDatabase()
    const p = await migrated(url)
    const result = await p.run(['drift', '--database', url])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.trim().split('\n')).toHaveLength(1)
    expect(result.stdout).toMatch(/^No drift: .* matches its 1 applied migration\.$/m)
  })

  it('compares only the migrations that ran: a pending one is not drift', async () => {
    const url = await freshDatabase()
    const p = await migrated(url)
    await p.edit(
      'src/blog/tables.ts',
      'views = new Integer({ default: 0 })',
      'views = new Integer({ default: 0 })\n  score = new Integer({ null: true })',
    )
    expect((await p.run(['new', 'blog', '--auto'], { now: new Date(Date.UTC(2030, 0, 1)) })).code).toBe(0)
    const result = await p.run(['drift', '--database', url, '--json'])
    expect(JSON.parse(result.stdout)).toEqual([])
    expect(result.code).toBe(0)
  })
})

/** Changes made by hand, one of each kind: a column, an index and a constraint, added, dropped or altered. */
const BY_HAND = `alter table post add column hack integer;
       alter table post drop column body;
       alter table post alter column views type bigint;
       alter table post alter column title set default 'x';
       alter table post alter column title drop not null;
       create index post_views_idx on post (views);
       drop index post_title_idx;
       drop index post_author_views_idx;
       create index post_author_views_idx on post (views desc, author);
       alter table author add constraint author_name_key unique (name);
       alter table post drop constraint post_views_check;
       alter table post drop constraint post_author_fkey;
       alter table post add constraint post_author_fkey foreign key (author) references author (id);`

/** Each of them, once. */
const REPORTED = [
  'extra unique constraint author_name_key (on author (name))',
  'missing column post.body (text, null)',
  'extra column post.hack (integer, null)',
  'column post.title: null, migrations say not null',
  "column post.title: default 'x'::character varying, migrations say ''::character varying",
  'column post.views: type bigint, migrations say integer',
  'missing check constraint post_views_check (on post CHECK ((views >= 0)))',
  'foreign key post_author_fkey: on delete no action, migrations say cascade',
  'foreign key post_author_fkey: on update no action, migrations say cascade',
  'index post_author_views_idx: definition USING btree (views DESC, author), migrations say USING btree (author, views)',
  'missing index post_title_idx (on post USING btree (title))',
  'extra index post_views_idx (on post USING btree (views))',
]

/** Runs `sql` on the database `forwards` migrated, whichever engine it is. */
async function byHand(database: string, sql: string): Promise<void> {
  if (!database.startsWith('pglite:')) return onServer(database, sql)
  const engine = await PgliteEngine.open(database.slice('pglite:'.length))
  try {
    await engine.exec(sql)
  } finally {
    await engine.close()
  }
}

for (const engine of ['pg', 'pglite'] as const) {
  describe(`drift of changes made by hand [${engine}]`, () => {
    it('reports each exactly once, and --json lists them', async () => {
      const database = engine === 'pg' ? await freshDatabase() : `pglite:${path.join((await project(null)).root, 'db')}`
      const p = await migrated(database)
      await byHand(database, BY_HAND)
      const json = await p.run(['drift', '--database', database, '--json'])
      expect(json.code).toBe(1)
      expect(messages(json.stdout)).toEqual(REPORTED)
      const text = await p.run(['drift', '--database', database])
      expect(text.code).toBe(1)
      expect(text.stdout).toContain('(12 differences):\n  - extra unique constraint author_name_key')
      expect(text.stdout).toContain('  - column post.views: type bigint, migrations say integer\n')
    })
  })
}

describe('drift on the embedded database', () => {
  it('finds none after forwards, then one extra column added by hand', async () => {
    const p = await project('cli-blog')
    await p.write('src/blog/tables.ts', TABLES)
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    const dir = path.join(p.root, 'db')
    expect((await p.run(['forwards', '--database', `pglite:${dir}`])).code).toBe(0)
    const clean = await p.run(['drift', '--database', `pglite:${dir}`, '--json'])
    expect(clean.stderr).toBe('')
    expect(JSON.parse(clean.stdout)).toEqual([])
    const engine = await PgliteEngine.open(dir)
    try {
      await engine.exec('alter table author add column hack integer not null default 1')
    } finally {
      await engine.close()
    }
    const drift = await p.run(['drift', '--database', `pglite:${dir}`, '--json'])
    expect(messages(drift.stdout)).toEqual(['extra column author.hack (integer, not null, default 1)'])
    expect(drift.code).toBe(1)
  })
})

describe('drift without the right to create a database', () => {
  // The embedded database is a newer Postgres, which renders a view's query otherwise: the view is
  // compared as the live server renders it.
  it('builds the expected schema in a temporary embedded database, with the extensions the live one has', async () => {
    const url = await freshDatabase()
    const p = await migrated(url)
    // An extension made by hand before a migration that stands on it.
    await onServer(url, 'create extension citext')
    await p.write(
      'src/blog/migrations/blog_2030_01_01T00_00_00_000000.ts',
      `import { MigrationManager } from 'unplugin-auto-migrations'

export const ID = '2030-01-01T00:00:00:000000'
export const DESCRIPTION = 'notes by hand'

export async function forwards() {
  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })
  manager.sql('create table note (id serial primary key, body citext not null)', 'drop table note')
  manager.sql('create view long_note as select id, body from note where length(body) > 10', 'drop view long_note')
  return manager
}
`,
    )
    expect((await p.run(['forwards', '--database', url])).code).toBe(0)
    const role = `am_reader_${Math.random().toString(36).slice(2, 10)}`
    await onServer(ADMIN_URL, `create role ${role} login nocreatedb`)
    try {
      await onServer(url, `grant select on all tables in schema public to ${role}`)
      const asReader = new URL(url)
      asReader.username = role
      const clean = await p.run(['drift', '--database', asReader.toString(), '--json'])
      expect(clean.stderr).toBe('')
      expect(JSON.parse(clean.stdout)).toEqual([])
      await onServer(
        url,
        `alter table note add column hack integer;
         create or replace view long_note as select id, body from note where length(body) > 20`,
      )
      const drift = await p.run(['drift', '--database', asReader.toString(), '--json'])
      expect(messages(drift.stdout)).toEqual([
        'view long_note: query differs',
        'extra column note.hack (integer, null)',
      ])
    } finally {
      await onServer(url, `drop owned by ${role}`)
      await onServer(ADMIN_URL, `drop role ${role}`)
    }
  })
})

describe('drift of a database no migration ran on', () => {
  it('lists what it holds as extra, without building anything', async () => {
    const url = await freshDatabase()
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    await onServer(url, 'create table legacy (id integer primary key)')
    const drift = await p.run(['drift', '--database', url, '--json'])
    expect(messages(drift.stdout)).toEqual(['extra table legacy (1 column)'])
    expect(drift.code).toBe(1)
  })
})

const ACCOUNTS_TABLES = `import { BigInt, Citext, MaterializedView, Table, Text, Timestamptz, View, index, sql, trigger } from 'unplugin-auto-migrations'

export class Account extends Table {
  static comment = 'people who sign in'
  id = new BigInt({ primaryKey: true, identity: 'always' })
  email = new Citext({ unique: true, comment: 'login, case-insensitive' })
  bio = new Text({ null: true })
  updatedAt = new Timestamptz({ default: sql\`now()\` })
  static triggers = [trigger('account_touch', { timing: 'before', events: ['update'], function: 'touch_updated_at' })]
}

export class ActiveAccount extends View {
  static query = sql\`select id, email from account where bio is not null\`
}

export class AccountSummary extends MaterializedView {
  static query = sql\`select count(*) as n from account\`
  static constraints = [index('n')]
}
`

const ACCOUNTS_APP = `import { defineApp, sql, sqlFunction } from 'unplugin-auto-migrations'
import { Account, AccountSummary, ActiveAccount } from './tables.js'

export default defineApp({
  name: 'blog',
  tables: [Account],
  views: [ActiveAccount, AccountSummary],
  extensions: ['citext'],
  functions: [
    sqlFunction('touch_updated_at', sql\`create or replace function touch_updated_at() returns trigger
      language plpgsql as $$ begin new.updated_at = now(); return new; end $$\`),
  ],
})
`

/** Hand-made changes to what lies beyond columns: one of each kind. */
const OBJECTS_BY_HAND = `create or replace view active_account as select id, email from account;
       create or replace function touch_updated_at() returns trigger language plpgsql as $$ begin return new; end $$;
       create trigger account_audit after insert on account for each row execute function touch_updated_at();
       create extension pg_trgm;
       comment on column account.email is 'the login';
       comment on table account is null;
       alter table account alter column id set generated by default;
       drop index account_summary_n_idx;`

const OBJECTS_REPORTED = [
  'extra extension pg_trgm',
  'table account: no comment, migrations say people who sign in',
  'view active_account: query differs',
  'function touch_updated_at(): definition differs',
  'column account.email: comment the login, migrations say login, case-insensitive',
  'column account.id: identity by default, migrations say always',
  'extra trigger account_audit on account',
  'missing index account_summary_n_idx (on account_summary USING btree (n))',
]

for (const engine of ['pg', 'pglite'] as const) {
  describe(`drift of extensions, views, functions, triggers, comments and identity [${engine}]`, () => {
    it('finds none in a database built from the files, then reports each change made by hand once', async () => {
      const database = engine === 'pg' ? await freshDatabase() : `pglite:${path.join((await project(null)).root, 'db')}`
      const p = await project('cli-blog')
      await p.write('src/blog/tables.ts', ACCOUNTS_TABLES)
      await p.write('src/blog/app.ts', ACCOUNTS_APP)
      const written = await p.run(['new', 'blog', '--auto'])
      expect(written.stderr).toBe('')
      expect(written.code).toBe(0)
      expect((await p.run(['forwards', '--database', database])).code).toBe(0)

      const clean = await p.run(['drift', '--database', database, '--json'])
      expect(clean.stderr).toBe('')
      expect(JSON.parse(clean.stdout)).toEqual([])
      expect(clean.code).toBe(0)

      await byHand(database, OBJECTS_BY_HAND)
      const drift = await p.run(['drift', '--database', database, '--json'])
      expect(messages(drift.stdout)).toEqual(OBJECTS_REPORTED)
      const view = (JSON.parse(drift.stdout) as Difference[]).find((d) => d.object === 'view')
      // The texts are kept for a reader who wants to see them.
      expect(view?.actual).not.toContain('bio IS NOT NULL')
      expect(view?.expected).toContain('bio IS NOT NULL')
      expect(drift.code).toBe(1)
    })
  })
}
