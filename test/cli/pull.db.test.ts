/**
 * `pull` adopts a database made by hand (test/fixtures/pull/schema.sql, in the shape of a real app):
 * the tables it writes and the baseline migration recorded as run leave `check` and `drift` with
 * nothing to say, and a new database built from the baseline dumps (`pg_dump -s`) the same.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dump, freshDatabase, onServer, project, removeDatabases, removeProjects, repo } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

describe('pull on Postgres 15', () => {
  it('adopts a hand-made schema: check and drift say nothing, and a database built from the baseline dumps the same', async () => {
    const url = await freshDatabase()
    await onServer(url, await readFile(path.join(repo, 'test/fixtures/pull/schema.sql'), 'utf8'))
    const p = await project(null)

    const pulled = await p.run(['pull', 'forum', '--database', url], { now: new Date(Date.UTC(2026, 10, 1)) })
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    expect(pulled.stdout).toContain('Pulled 31 tables into app "forum"')
    expect(pulled.stdout).toMatch(/recorded forum 2026-11-01T00:00:00:000000 as run/)
    const tables = await p.read('src/forum/tables.ts')
    // Names that don't follow the model's rules are spelled out; those that do are not.
    expect(tables).toContain(
      "export class Order extends Table {\n  static tablename = 'Order'\n  userId = new ForeignKey(() => Accounts",
    )
    expect(tables).toContain("dbColumnName: 'userId'")
    expect(tables).toContain('export class Accounts extends Table {\n  id = new BigSerial({ primaryKey: true })')
    expect(tables).toContain("static primaryKey = ['organizationId', 'accountId']")
    expect(tables).toContain(
      "index({ expression: sql`lower(title::text)`, opclass: 'text_pattern_ops' }, { name: 'topics_title_trgm' })",
    )
    // A foreign key to a unique column names it; a column JavaScript can't name as is is spelled out.
    expect(tables).toContain(
      "planCode = new ForeignKey(() => Plans, { null: false, targetColumn: 'code', onDelete: 'no action', onUpdate: 'cascade' })",
    )
    expect(tables).toContain("constructorColumn = new Text({ null: true, dbColumnName: 'constructor' })")
    // A unique index stays an index (not a unique constraint) through an explicit ascending key.
    expect(tables).toContain("unique({ column: 'username', order: 'asc' }, { name: 'index_accounts_on_username' })")

    // Beyond tables: identity, generated, collated and commented columns, INCLUDE and GIN indexes,
    // a table without a primary key, named and deferrable foreign keys, triggers, views, functions.
    expect(tables).toContain(
      "export class Members extends Table {\n  static comment = 'people of the forum'\n  id = new BigInt({ primaryKey: true, identity: 'always' })\n  handle = new Citext({ default: null, unique: true, comment: 'login, case-insensitive' })\n  bio = new Text({ null: true, collation: 'C' })",
    )
    expect(tables).toContain("generated: sql`to_tsvector('simple'::regconfig, COALESCE(bio, ''::text))`")
    expect(tables).toContain("joinedOn = new Custom({ type: 'timestamp(6) without time zone', default: sql`now()` })")
    expect(tables).toContain("index('touchedAt', { include: ['handle'] })")
    expect(tables).toContain(
      "exclude({ column: 'during', operator: '&&' }, { name: 'bookings_no_overlap', where: sql`NOT cancelled`, deferrable: true })",
    )
    expect(tables).toContain('export class MemberFollows extends Table {\n  static primaryKey = null\n')
    expect(tables).toContain("name: 'fk_follow_follower',\n    deferrable: 'initiallyDeferred',")
    expect(tables).toContain(
      "trigger('members_touch', { timing: 'before', events: ['update'], function: 'touch_touched_at' }),",
    )
    expect(tables).toContain('when: sql`old.bio IS DISTINCT FROM new.bio`')
    expect(tables).toContain('export class ActiveMembers extends View {\n  static query = sql`SELECT members.id,')
    expect(tables).toContain('export class MemberCounts extends MaterializedView {')
    const app = await p.read('src/forum/app.ts')
    expect(app).toContain("views: [ActiveMembers, MemberCounts],\n  extensions: ['citext', 'pg_trgm'],\n  functions: [")
    expect(app).toContain("sqlFunction('touch_touched_at', sql`CREATE OR REPLACE FUNCTION public.touch_touched_at()")

    const check = await p.run(['check'])
    expect(check.stderr).toBe('')
    expect(check.stdout).toBe("No changes: every app's migrations match its tables.\n")
    expect(check.code).toBe(0)
    const drift = await p.run(['drift', '--database', url])
    expect(drift.stdout).toMatch(/^No drift/)
    expect(drift.code).toBe(0)

    const rebuilt = await freshDatabase()
    const forwards = await p.run(['forwards', '--database', rebuilt])
    expect(forwards.code).toBe(0)
    expect(await dump(rebuilt)).toBe(await dump(url))
  })
})

describe('pull refuses what the model cannot declare', () => {
  it('lists every such object and writes nothing; --tables leaves them out', async () => {
    const url = await freshDatabase()
    await onServer(
      url,
      `create domain positive_int as integer check (value > 0);
       create table ledger (id serial primary key, amount positive_int not null);
       create table rooms (building integer, number integer, primary key (building, number));
       create table stays (id serial primary key, building integer not null, number integer not null,
         foreign key (building, number) references rooms);
       create table notes (id serial primary key, body text not null default '');
       create function audit() returns trigger language plpgsql as $$ begin return new; end $$;
       create trigger notes_audit after update of body on notes for each row execute function audit();`,
    )
    const p = await project(null)
    const refused = await p.run(['pull', 'books', '--database', url])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('error [PULL_UNSUPPORTED]: Nothing was written')
    expect(refused.stderr).toContain(
      '  - column ledger.amount: type positive_int, which the model has no column class for yet\n',
    )
    expect(refused.stderr).toContain(
      '  - table stays: foreign key stays_building_number_fkey has several columns (the model declares a foreign key on one column',
    )
    expect(refused.stderr).toContain(
      '  - table notes: trigger notes_audit is not one the model declares (CREATE TRIGGER notes_audit AFTER UPDATE OF body ON public.notes',
    )
    expect(await p.migrationFiles('books')).toEqual([])

    const some = await p.run(['pull', 'books', '--database', url, '--tables', 'notes,ledger'])
    expect(some.code).toBe(1)
    expect(some.stderr).not.toContain('table stays')

    await onServer(url, 'drop trigger notes_audit on notes')
    const pulled = await p.run(['pull', 'books', '--database', url, '--tables', 'notes'])
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    expect(await p.read('src/books/tables.ts')).toContain(
      "export class Notes extends Table {\n  body = new Text({ default: '' })\n}\n",
    )
    const drift = await p.run(['drift', '--database', url, '--json'])
    // Tables left out of the app are extra as far as its migrations know.
    expect((JSON.parse(drift.stdout) as { message: string }[]).map((d) => d.message)).toEqual([
      'extra table ledger (2 columns)',
      'extra table rooms (2 columns)',
      'extra table stays (3 columns)',
    ])
  })
})

describe('pull on the embedded database', () => {
  it('adopts its tables, and drift then finds none', async () => {
    const p = await project(null)
    const dir = path.join(p.root, 'db')
    const { PgliteEngine } = await import('../../src/runtime/engines/pglite.js')
    const engine = await PgliteEngine.open(dir)
    try {
      await engine.exec(`create type mood as enum ('sad', 'ok', 'happy');
        create table person (id serial primary key, name varchar(80) not null, mood mood);
        create table pet (id serial primary key, owner_id integer not null references person (id), "Name" text);
        create index pet_lower_name on pet (lower("Name"));
        create extension citext;
        alter table person add column email citext, add column seen_at timestamptz;
        create function touch_seen() returns trigger language plpgsql as $$ begin new.seen_at = now(); return new; end $$;
        create trigger person_touch before update on person for each row execute function touch_seen();
        create view pet_names as select p.id, p."Name" from pet p;`)
    } finally {
      await engine.close()
    }
    const pulled = await p.run(['pull', 'zoo', '--database', `pglite:${dir}`])
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    expect(await p.read('src/zoo/tables.ts')).toContain(
      "  ownerId = new ForeignKey(() => Person, { null: false, onDelete: 'no action', onUpdate: 'no action' })",
    )
    const tables = await p.read('src/zoo/tables.ts')
    expect(tables).toContain('  email = new Citext({ null: true })')
    expect(tables).toContain(
      "trigger('person_touch', { timing: 'before', events: ['update'], function: 'touch_seen' })",
    )
    expect(tables).toContain('export class PetNames extends View {')
    expect(await p.read('src/zoo/app.ts')).toContain("extensions: ['citext'],")
    const drift = await p.run(['drift', '--database', `pglite:${dir}`, '--json'])
    expect(JSON.parse(drift.stdout)).toEqual([])
    expect(drift.code).toBe(0)
  })
})

describe('pull into an app that app new made', () => {
  it('registers the pulled tables in its app.ts, and refuses once the app has tables', async () => {
    const url = await freshDatabase()
    await onServer(
      url,
      `create table author (id serial primary key, name varchar(100) not null);
       create view author_names as select name from author;
       create function shout(t text) returns text language sql immutable as 'select upper(t)';`,
    )
    const p = await project(null)
    expect((await p.run(['app', 'new', 'library'])).code).toBe(0)
    const pulled = await p.run(['pull', 'library', '--database', url])
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    const app = await p.read('src/library/app.ts')
    expect(app).toMatch(
      /^import \{ sql, sqlFunction \} from 'unplugin-auto-migrations'\nimport \{ Author, AuthorNames \} from '\.\/tables'\n/,
    )
    expect(app).toContain("tables: [Author],\n  views: [AuthorNames],\n  functions: [\n    sqlFunction('shout', sql`")
    expect((await p.run(['check'])).code).toBe(0)

    const again = await p.run(['pull', 'library', '--database', url])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('error [APP_EXISTS]: App "library" already has migrations')
  })
})

describe('pull --schema', () => {
  it('pulls the tables and enums of another schema, and a database built from them dumps the same', async () => {
    const url = await freshDatabase()
    await onServer(
      url,
      `create schema crm;
       create type crm.stage as enum ('lead', 'won', 'lost');
       create table crm.company (id serial primary key, name text not null unique);
       create table crm.deal (
         id bigserial primary key,
         company_id integer not null references crm.company (id) on delete cascade,
         stage crm.stage not null default 'lead',
         amount numeric(12,2),
         tags varchar(20)[]
       );
       create index deal_open on crm.deal (company_id) where stage = 'lead';
       create table public.unrelated (id serial primary key);`,
    )
    const p = await project(null)
    const pulled = await p.run(['pull', 'crm', '--database', url, '--schema', 'crm'])
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    const tables = await p.read('src/crm/tables.ts')
    expect(tables).toContain("export class Company extends Table {\n  static schema = 'crm'\n")
    expect(tables).toContain(
      "stage = new Enum('stage', ['lead', 'won', 'lost'], { default: 'lead', enumSchema: 'crm' })",
    )
    expect(tables).toContain('tags = new Array(new Varchar({ length: 20 }), { null: true })')

    const rebuilt = await freshDatabase()
    await onServer(rebuilt, 'create table public.unrelated (id serial primary key)')
    expect((await p.run(['forwards', '--database', rebuilt])).code).toBe(0)
    expect(await dump(rebuilt)).toBe(await dump(url))
  })
})

describe('pull without a database', () => {
  it('says to give one, and creates neither files nor an embedded database', async () => {
    const p = await project(null)
    const result = await p.run(['pull', 'shop'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('error [USAGE]: There is no database to pull from')
    expect(result.stderr).toContain('--database URL')
    expect(await readdir(p.root)).toEqual(['node_modules'])
  })
})
