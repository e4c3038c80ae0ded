/** Reading an app's extensions, views, functions and triggers: what is accepted and each error's message. */
import { describe, expect, it } from 'vitest'
import {
  type AppDefinition,
  defineApp,
  index,
  MaterializedView,
  sql,
  sqlFunction,
  Table,
  Text,
  trigger,
  View,
} from '../../src/index.js'
import type { TriggerOptions } from '../../src/model/functions.js'
import { model } from '../helpers/models.js'

const read = (definition: Omit<AppDefinition, 'name'>) => model(defineApp({ name: 'blog', ...definition })).snapshot
const failure = (definition: Omit<AppDefinition, 'name'>) => {
  try {
    read(definition)
  } catch (error) {
    return error as { code: string; message: string }
  }
  throw new Error('expected an error')
}

class Account extends Table {
  email = new Text()
}

describe('schema objects in the model', () => {
  it('reads views, materialized views with indexes, functions, triggers and extensions', () => {
    class Touched extends Table {
      static override tablename = 'touched'
      static override triggers = [trigger('t', { timing: 'after', events: ['update', 'delete'], function: 'fn' })]
    }
    class Emails extends View {
      static override schema = 'reports'
      static override query = sql`select email from account`
    }
    class Counted extends MaterializedView {
      static override tablename = 'counted_accounts'
      static override query = sql`select count(*) as n from account`
      static override constraints = [index('n', { method: 'brin' })]
    }
    const snapshot = read({
      tables: [Account, Touched],
      views: [Emails, Counted],
      extensions: ['citext'],
      functions: [sqlFunction('fn', sql`create function fn() returns trigger language sql as $$ select null $$`)],
    })
    expect(snapshot.objects?.map((o) => [o.kind, 'className' in o ? o.className : o.name])).toEqual([
      ['extension', 'citext'],
      ['function', 'fn'],
      ['trigger', 't'],
      ['view', 'Counted'],
      ['view', 'Emails'],
    ])
    const counted = snapshot.objects?.find((o) => o.kind === 'view' && o.className === 'Counted')
    expect(counted).toMatchObject({ viewname: 'counted_accounts', materialized: true, schema: 'public' })
    expect(counted).toMatchObject({ indexes: [{ keys: [{ column: 'n' }], method: 'brin', unique: false }] })
    expect(snapshot.objects?.find((o) => o.kind === 'view' && o.className === 'Emails')).toMatchObject({
      viewname: 'emails',
      schema: 'reports',
      materialized: false,
    })
    expect(snapshot.objects?.find((o) => o.kind === 'trigger')).toMatchObject({
      table: 'Touched',
      forEach: 'row',
      when: null,
      events: ['update', 'delete'],
    })
  })

  it('a schema of tables only has no objects, as before', () => {
    expect(read({ tables: [Account] })).not.toHaveProperty('objects')
  })

  it('refuses a view without a query, naming it', () => {
    class NoQuery extends View {}
    expect(failure({ tables: [], views: [NoQuery] })).toMatchObject({
      code: 'INVALID_VIEW',
      message: expect.stringContaining('View NoQuery of app "blog" has no static query'),
    })
  })

  it('refuses a view named as a table', () => {
    class AccountView extends View {
      static override tablename = 'account'
      static override query = sql`select 1 as n`
    }
    expect(failure({ tables: [Account], views: [AccountView] })).toMatchObject({
      code: 'INVALID_VIEW',
      message: 'Account and view AccountView both map to public.account. Set a different static tablename on one.',
    })
  })

  it('refuses indexes on a plain view, and options an index on a view does not take', () => {
    class Indexed extends View {
      static override query = sql`select 1 as n`
      static constraints = [index('n')]
    }
    expect(failure({ tables: [], views: [Indexed] }).message).toContain('only a materialized view can have')
    class Concurrent extends MaterializedView {
      static override query = sql`select 1 as n`
      static override constraints = [index('n', { concurrently: true })]
    }
    expect(failure({ tables: [], views: [Concurrent] }).message).toContain('has option "concurrently"')
  })

  it('refuses a trigger with an unknown option or event, naming the table and the trigger', () => {
    const on = (options: TriggerOptions) => {
      class Watched extends Table {
        static override triggers = [trigger('watch', options)]
      }
      return failure({ tables: [Watched] })
    }
    expect(
      on({ timing: 'before', events: ['insert'], function: 'fn', order: 1 } as unknown as TriggerOptions).message,
    ).toContain('trigger("watch") on table Watched has option "order"')
    expect(on({ timing: 'before', events: ['select' as 'insert'], function: 'fn' }).message).toContain(
      'needs events, each one of insert, update, delete, truncate',
    )
  })

  it('refuses a function that is not one CREATE FUNCTION statement, and an extension declared twice', () => {
    expect(failure({ tables: [], functions: [sqlFunction('fn', sql`select 1`)] }).message).toContain(
      'sqlFunction("fn") of app "blog" must be one CREATE [OR REPLACE] FUNCTION statement',
    )
    expect(failure({ tables: [], extensions: ['citext', 'citext'] }).message).toContain(
      'App "blog" declares extension "citext" twice',
    )
  })
})
