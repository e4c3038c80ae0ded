/**
 * Schema objects beyond tables (SPEC §2b) on real databases: views, materialized views, functions
 * and triggers. Each scenario declares two versions of an app, lets the differ write the migration,
 * runs it forwards and backwards (helpers/scenarios.ts), checks the objects in the catalog after each
 * direction, and checks that a second diff writes nothing.
 */
import { expect, it } from 'vitest'
import { diffApp } from '../../../src/core/differ/diff.js'
import type { Operation } from '../../../src/core/operations/index.js'
import type { Engine } from '../../../src/runtime/engines/engine.js'
import {
  type AppDefinition,
  defineApp,
  Integer,
  index,
  MaterializedView,
  sql,
  sqlFunction,
  Table,
  Text,
  trigger,
  unique,
  Varchar,
  View,
} from '../../../src/index.js'
import { describeEngines } from '../../helpers/databases.js'
import { model } from '../../helpers/models.js'
import { roundTrip, rows } from '../../helpers/scenarios.js'

/** A class under another name: the second version of a class the first version declared. */
function named<T extends object>(cls: T, name: string): T {
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

const version = (definition: Omit<AppDefinition, 'name'>) => model(defineApp({ name: 'blog', ...definition }))
const kinds = (ops: Operation[]) => ops.map((o) => o.kind)

/** The differ's migration from `before` to `after`, run both ways; returns what was written forwards. */
async function migrate(
  engine: Engine,
  before: ReturnType<typeof version>,
  after: ReturnType<typeof version>,
  checks: { forwards?: () => Promise<void>; backwards?: () => Promise<void> } = {},
) {
  const diff = diffApp(before.snapshot, after.snapshot, 'blog', { allowDestructive: true, hints: after.hints })
  expect(diff.questions).toEqual([])
  const result = await roundTrip(engine, {
    start: before.snapshot,
    operations: (m) => m.operations.push(...diff.operations),
    afterForwards: checks.forwards,
    afterBackwards: checks.backwards,
  })
  // A second diff, from what the migration describes to the same model, writes nothing.
  expect(
    diffApp(result.snapshotAfter, after.snapshot, 'blog', { allowDestructive: true, hints: after.hints }).operations,
  ).toEqual([])
  return { kinds: kinds(diff.operations), sql: result.forwards, backwards: result.backwards }
}

const viewDefinition = async (engine: Engine, name: string) =>
  (
    await rows<{ definition: string | null }>(
      engine,
      `select coalesce((select definition from pg_views where viewname = '${name}'), (select definition from pg_matviews where matviewname = '${name}')) as definition`,
    )
  )[0]!.definition
const viewColumns = async (engine: Engine, name: string) =>
  (
    await rows<{ name: string; type: string }>(
      engine,
      `select a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
        join pg_class c on c.oid = a.attrelid where c.relname = '${name}' and c.relnamespace = 'public'::regnamespace and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    )
  ).map((r) => `${r.name} ${r.type}`)
const indexesOn = async (engine: Engine, name: string) =>
  (
    await rows<{ name: string }>(
      engine,
      `select indexname::text as name from pg_indexes where tablename = '${name}' order by 1`,
    )
  ).map((r) => r.name)
const functionBody = async (engine: Engine, name: string) =>
  (await rows<{ body: string }>(engine, `select prosrc as body from pg_proc where proname = '${name}'`))[0]?.body
const triggers = async (engine: Engine) =>
  (
    await rows<{ name: string; definition: string }>(
      engine,
      'select tgname::text as name, pg_get_triggerdef(oid) as definition from pg_trigger where not tgisinternal order by 1',
    )
  ).map((r) => r.definition)

class Account extends Table {
  email = new Varchar({ length: 100 })
  bio = new Text({ null: true })
  logins = new Integer({ default: 0 })
}

describeEngines('views', { database: 'shared' }, (ctx) => {
  class ActiveAccount extends View {
    static override query = sql`select id, email from account where bio is not null`
  }
  const base = version({ tables: [Account] })
  const withView = version({ tables: [Account], views: [ActiveAccount] })

  it('a new view is created after its table; backwards drops it', async () => {
    const { engine } = ctx()
    const written = await migrate(engine, base, withView, {
      forwards: async () =>
        expect(await viewColumns(engine, 'active_account')).toEqual(['id integer', 'email character varying(100)']),
      backwards: async () => expect(await viewDefinition(engine, 'active_account')).toBeNull(),
    })
    expect(written.kinds).toEqual(['addView'])
    expect(written.sql).toEqual([
      'CREATE VIEW "public"."active_account" AS select id, email from account where bio is not null',
    ])
    expect(written.backwards).toEqual(['DROP VIEW "public"."active_account"'])
  })

  it('a view and its table in one migration: the table and columns come first', async () => {
    const written = await migrate(ctx().engine, version({ tables: [] }), withView)
    expect(written.kinds.at(-1)).toBe('addView')
    expect(written.kinds.filter((k) => k === 'addView')).toHaveLength(1)
  })

  it('dropping a view drops it; backwards creates it again', async () => {
    const { engine } = ctx()
    const written = await migrate(engine, withView, base, {
      forwards: async () => expect(await viewDefinition(engine, 'active_account')).toBeNull(),
      backwards: async () => expect(await viewDefinition(engine, 'active_account')).not.toBeNull(),
    })
    expect(written.kinds).toEqual(['dropView'])
  })

  it('reformatting the query writes nothing; changing it replaces the view (adding a column)', async () => {
    class Reformatted extends View {
      static override tablename = 'active_account'
      static override query = sql`SELECT id,
          email   FROM account -- the active ones
          WHERE bio IS NOT NULL;`
    }
    const reformatted = version({ tables: [Account], views: [named(Reformatted, 'ActiveAccount')] })
    expect(diffApp(withView.snapshot, reformatted.snapshot, 'blog').operations).toEqual([])
    class ActiveAccountV2 extends View {
      static override tablename = 'active_account'
      static override query = sql`select id, email, logins from account where bio is not null`
    }
    Object.defineProperty(ActiveAccountV2, 'name', { value: 'ActiveAccount' })
    const { engine } = ctx()
    const written = await migrate(engine, withView, version({ tables: [Account], views: [ActiveAccountV2] }), {
      forwards: async () =>
        expect(await viewColumns(engine, 'active_account')).toEqual([
          'id integer',
          'email character varying(100)',
          'logins integer',
        ]),
      backwards: async () =>
        expect(await viewColumns(engine, 'active_account')).toEqual(['id integer', 'email character varying(100)']),
    })
    expect(written.kinds).toEqual(['changeView'])
    expect(written.sql[0]).toContain('CREATE OR REPLACE VIEW "public"."active_account" AS select id, email, logins')
  })

  it('a query Postgres cannot replace (a column goes) drops and creates the view', async () => {
    class Narrower extends View {
      static override tablename = 'active_account'
      static override query = sql`select email from account`
    }
    Object.defineProperty(Narrower, 'name', { value: 'ActiveAccount' })
    const { engine } = ctx()
    const written = await migrate(engine, withView, version({ tables: [Account], views: [Narrower] }), {
      forwards: async () =>
        expect(await viewColumns(engine, 'active_account')).toEqual(['email character varying(100)']),
      backwards: async () =>
        expect(await viewColumns(engine, 'active_account')).toEqual(['id integer', 'email character varying(100)']),
    })
    expect(written.kinds).toEqual(['changeView'])
  })

  it.each<[string, { tablename?: string; schema?: string; materialized?: boolean }, string]>([
    ['tablename', { tablename: 'live_account' }, 'live_account'],
    ['schema', { schema: 'reports' }, 'active_account'],
    ['materialized', { materialized: true }, 'active_account'],
  ])('changing a view’s %s drops it and creates it again', async (_param, statics, name) => {
    const { engine } = ctx()
    const Changed = named(
      class extends (statics.materialized ? MaterializedView : View) {
        static override query = sql`select id, email from account where bio is not null`
      },
      'ActiveAccount',
    )
    if (statics.tablename) Object.assign(Changed, { tablename: statics.tablename })
    else Object.assign(Changed, { tablename: 'active_account' })
    if (statics.schema) Object.assign(Changed, { schema: statics.schema })
    const where = statics.schema ?? 'public'
    const written = await migrate(engine, withView, version({ tables: [Account], views: [Changed] }), {
      forwards: async () =>
        expect(
          await rows(
            engine,
            `select relkind::text as kind from pg_class where relname = '${name}' and relnamespace = '${where}'::regnamespace`,
          ),
        ).toEqual([{ kind: statics.materialized ? 'm' : 'v' }]),
      backwards: async () => expect(await viewDefinition(engine, 'active_account')).not.toBeNull(),
    })
    expect(written.kinds).toEqual(['dropView', 'addView'])
  })

  it('changing the type of a column a view reads puts the view aside around it', async () => {
    class Wider extends Table {
      static override tablename = 'account'
      email = new Text()
      bio = new Text({ null: true })
      logins = new Integer({ default: 0 })
    }
    Object.defineProperty(Wider, 'name', { value: 'Account' })
    const { engine } = ctx()
    const written = await migrate(engine, withView, version({ tables: [Wider], views: [ActiveAccount] }), {
      forwards: async () => expect(await viewColumns(engine, 'active_account')).toEqual(['id integer', 'email text']),
      backwards: async () =>
        expect(await viewColumns(engine, 'active_account')).toEqual(['id integer', 'email character varying(100)']),
    })
    expect(written.kinds).toEqual(['dropView', 'alterColumn', 'addView'])
  })

  it('a view that reads a view put aside goes aside with it, in the order they read each other', async () => {
    class Wider extends Table {
      static override tablename = 'account'
      email = new Text()
      bio = new Text({ null: true })
      logins = new Integer({ default: 0 })
    }
    class Domains extends View {
      static override query = sql`select split_part(email, '@', 2) as domain from active_account`
    }
    const { engine } = ctx()
    const before = version({ tables: [Account], views: [Domains, ActiveAccount] })
    const after = version({ tables: [named(Wider, 'Account')], views: [Domains, ActiveAccount] })
    const written = await migrate(engine, before, after, {
      forwards: async () => expect(await viewColumns(engine, 'domains')).toEqual(['domain text']),
      backwards: async () => expect(await viewColumns(engine, 'domains')).toEqual(['domain text']),
    })
    expect(written.kinds).toEqual(['dropView', 'dropView', 'alterColumn', 'addView', 'addView'])
    expect(written.sql.filter((s) => /VIEW/.test(s))).toEqual([
      'DROP VIEW "public"."domains"',
      'DROP VIEW "public"."active_account"',
      'CREATE VIEW "public"."active_account" AS select id, email from account where bio is not null',
      `CREATE VIEW "public"."domains" AS select split_part(email, '@', 2) as domain from active_account`,
    ])
  })

  it('dropping a column a view reads drops the view before and creates the new one after', async () => {
    class NoBio extends Table {
      static override tablename = 'account'
      email = new Varchar({ length: 100 })
      logins = new Integer({ default: 0 })
    }
    Object.defineProperty(NoBio, 'name', { value: 'Account' })
    class AllAccounts extends View {
      static override tablename = 'active_account'
      static override query = sql`select id, email from account`
    }
    Object.defineProperty(AllAccounts, 'name', { value: 'ActiveAccount' })
    const { engine } = ctx()
    const written = await migrate(engine, withView, version({ tables: [NoBio], views: [AllAccounts] }), {
      forwards: async () => expect(await viewDefinition(engine, 'active_account')).not.toContain('bio'),
      backwards: async () => expect(await viewDefinition(engine, 'active_account')).toContain('bio'),
    })
    expect(written.kinds).toEqual(['dropView', 'dropColumn', 'addView'])
  })
})

describeEngines('materialized views', { database: 'shared' }, (ctx) => {
  class AccountSummary extends MaterializedView {
    static override query = sql`select count(*) as n, max(logins) as top from account`
    static override constraints = [index('n')]
  }
  const base = version({ tables: [Account] })
  const withSummary = version({ tables: [Account], views: [AccountSummary] })

  it('a materialized view is created with its index; backwards drops both', async () => {
    const { engine } = ctx()
    const written = await migrate(engine, base, withSummary, {
      forwards: async () => expect(await indexesOn(engine, 'account_summary')).toEqual(['account_summary_n_idx']),
      backwards: async () => expect(await viewDefinition(engine, 'account_summary')).toBeNull(),
    })
    expect(written.kinds).toEqual(['addView'])
    expect(written.sql).toEqual([
      'CREATE MATERIALIZED VIEW "public"."account_summary" AS select count(*) as n, max(logins) as top from account',
      'CREATE INDEX "account_summary_n_idx" ON "public"."account_summary" USING btree ("n")',
    ])
  })

  it('new indexes alone are dropped and created on the view it keeps', async () => {
    class Reindexed extends MaterializedView {
      static override tablename = 'account_summary'
      static override query = sql`select count(*) as n, max(logins) as top from account`
      static override constraints = [unique('top', { name: 'summary_top' })]
    }
    Object.defineProperty(Reindexed, 'name', { value: 'AccountSummary' })
    const { engine } = ctx()
    const written = await migrate(engine, withSummary, version({ tables: [Account], views: [Reindexed] }), {
      forwards: async () => expect(await indexesOn(engine, 'account_summary')).toEqual(['summary_top']),
      backwards: async () => expect(await indexesOn(engine, 'account_summary')).toEqual(['account_summary_n_idx']),
    })
    expect(written.sql).toEqual([
      'DROP INDEX "public"."account_summary_n_idx"',
      'CREATE UNIQUE INDEX "summary_top" ON "public"."account_summary" USING btree ("top")',
    ])
  })

  it('a new query rebuilds the materialized view with its indexes', async () => {
    class Recounted extends MaterializedView {
      static override tablename = 'account_summary'
      static override query = sql`select count(*) as n from account where bio is null`
      static override constraints = [index('n')]
    }
    Object.defineProperty(Recounted, 'name', { value: 'AccountSummary' })
    const { engine } = ctx()
    const written = await migrate(engine, withSummary, version({ tables: [Account], views: [Recounted] }), {
      forwards: async () => expect(await viewColumns(engine, 'account_summary')).toEqual(['n bigint']),
      backwards: async () => expect(await viewColumns(engine, 'account_summary')).toEqual(['n bigint', 'top integer']),
    })
    expect(written.kinds).toEqual(['changeView'])
    expect(written.sql[0]).toBe('DROP MATERIALIZED VIEW "public"."account_summary"')
  })
})

describeEngines('functions and triggers', { database: 'shared' }, (ctx) => {
  const touch = sqlFunction(
    'count_login',
    sql`create or replace function count_login() returns trigger language plpgsql as $$
      begin new.logins := new.logins + 1; return new; end $$`,
  )
  class Watched extends Table {
    static override tablename = 'account'
    email = new Varchar({ length: 100 })
    bio = new Text({ null: true })
    logins = new Integer({ default: 0 })
    static override triggers = [
      trigger('account_login', { timing: 'before', events: ['insert'], function: 'count_login' }),
    ]
  }
  Object.defineProperty(Watched, 'name', { value: 'Account' })
  const base = version({ tables: [Account] })
  const watched = version({ tables: [Watched], functions: [touch] })

  it('a trigger calling a new function: the function first, and the trigger fires on insert', async () => {
    const { engine } = ctx()
    const written = await migrate(engine, base, watched, {
      forwards: async () => {
        await engine.exec(`insert into account (email) values ('a@example.com')`)
        expect(await rows(engine, 'select logins from account')).toEqual([{ logins: 1 }])
      },
      backwards: async () => {
        expect(await triggers(engine)).toEqual([])
        expect(await functionBody(engine, 'count_login')).toBeUndefined()
      },
    })
    expect(written.kinds).toEqual(['addFunction', 'addTrigger'])
    expect(written.sql[1]).toBe(
      'CREATE TRIGGER "account_login" BEFORE INSERT ON "public"."account" FOR EACH ROW EXECUTE FUNCTION "count_login"()',
    )
    expect(written.backwards).toEqual([
      'DROP TRIGGER "account_login" ON "public"."account"',
      'DROP FUNCTION "count_login"',
    ])
  })

  it('dropping both drops the trigger before the function', async () => {
    const written = await migrate(ctx().engine, watched, base)
    expect(written.kinds).toEqual(['dropTrigger', 'dropFunction'])
  })

  it('dropping the table drops its trigger first, and backwards creates the trigger after the table', async () => {
    const { engine } = ctx()
    const written = await migrate(engine, watched, version({ tables: [] }), {
      backwards: async () => {
        await engine.exec(`insert into account (email) values ('a@example.com')`)
        expect(await rows(engine, 'select logins from account')).toEqual([{ logins: 1 }])
      },
    })
    expect(written.kinds).toEqual(['dropTrigger', 'dropTable', 'dropFunction'])
  })

  it('a new function body replaces the function; reformatting writes nothing', async () => {
    const reformatted = sqlFunction(
      'count_login',
      sql`CREATE OR REPLACE FUNCTION count_login() RETURNS trigger LANGUAGE plpgsql AS $$
      begin new.logins := new.logins + 1; return new; end $$;`,
    )
    expect(
      diffApp(watched.snapshot, version({ tables: [Watched], functions: [reformatted] }).snapshot, 'blog').operations,
    ).toEqual([])
    const double = sqlFunction(
      'count_login',
      sql`create function count_login() returns trigger language plpgsql as $$
      begin new.logins := new.logins + 2; return new; end $$`,
    )
    const { engine } = ctx()
    const written = await migrate(engine, watched, version({ tables: [Watched], functions: [double] }), {
      forwards: async () => expect(await functionBody(engine, 'count_login')).toContain('+ 2'),
      backwards: async () => expect(await functionBody(engine, 'count_login')).toContain('+ 1'),
    })
    expect(written.kinds).toEqual(['changeFunction'])
    expect(written.sql[0]).toMatch(/^create OR REPLACE function count_login\(\)/)
  })

  it.each([
    ['timing', { timing: 'after' as const, events: ['insert' as const] }, 'AFTER INSERT'],
    [
      'events',
      { timing: 'before' as const, events: ['insert' as const, 'update' as const] },
      'BEFORE INSERT OR UPDATE',
    ],
    [
      'forEach',
      { timing: 'before' as const, events: ['insert' as const], forEach: 'statement' as const },
      'FOR EACH STATEMENT',
    ],
    [
      'when',
      { timing: 'before' as const, events: ['insert' as const], when: sql`new.bio is null` },
      'WHEN ((new.bio IS NULL))',
    ],
  ])('changing a trigger’s %s replaces it', async (_param, options, expected) => {
    class Changed extends Table {
      static override tablename = 'account'
      email = new Varchar({ length: 100 })
      bio = new Text({ null: true })
      logins = new Integer({ default: 0 })
      static override triggers = [trigger('account_login', { ...options, function: 'count_login' })]
    }
    Object.defineProperty(Changed, 'name', { value: 'Account' })
    const { engine } = ctx()
    const written = await migrate(engine, watched, version({ tables: [Changed], functions: [touch] }), {
      forwards: async () => expect((await triggers(engine))[0]).toContain(expected),
      backwards: async () =>
        expect((await triggers(engine))[0]).toContain('BEFORE INSERT ON public.account FOR EACH ROW'),
    })
    expect(written.kinds).toEqual(['changeTrigger'])
  })

  it('renaming the table keeps its trigger: only the rename is written, and the trigger still fires', async () => {
    class Member extends Table {
      static override renamedFrom = 'Account'
      email = new Varchar({ length: 100 })
      bio = new Text({ null: true })
      logins = new Integer({ default: 0 })
      static override triggers = [
        trigger('account_login', { timing: 'before', events: ['insert'], function: 'count_login' }),
      ]
    }
    const { engine } = ctx()
    const written = await migrate(engine, watched, version({ tables: [Member], functions: [touch] }), {
      forwards: async () => {
        await engine.exec(`insert into member (email) values ('a@example.com')`)
        expect(await rows(engine, 'select logins from member')).toEqual([{ logins: 1 }])
      },
    })
    expect(written.kinds).toEqual(['renameTable'])
  })

  it('a trigger pointed at another new function: the function comes first', async () => {
    const other = sqlFunction(
      'noop_login',
      sql`create function noop_login() returns trigger language plpgsql as $$ begin return new; end $$`,
    )
    class Repointed extends Table {
      static override tablename = 'account'
      email = new Varchar({ length: 100 })
      bio = new Text({ null: true })
      logins = new Integer({ default: 0 })
      static override triggers = [
        trigger('account_login', { timing: 'before', events: ['insert'], function: 'noop_login' }),
      ]
    }
    Object.defineProperty(Repointed, 'name', { value: 'Account' })
    const written = await migrate(ctx().engine, watched, version({ tables: [Repointed], functions: [other] }))
    expect(written.kinds).toEqual(['addFunction', 'changeTrigger', 'dropFunction'])
  })
})
