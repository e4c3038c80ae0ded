/** The order the differ gives views, functions, triggers and extensions among themselves and tables. */
import { describe, expect, it } from 'vitest'
import { diffApp } from '../../../src/core/differ/diff.js'
import { defineApp, sql, sqlFunction, Table, Text, trigger, View, type AppDefinition } from '../../../src/index.js'
import { emptySnapshot, model } from '../../helpers/models.js'

const snapshot = (definition: Omit<AppDefinition, 'name'>) => model(defineApp({ name: 'blog', ...definition })).snapshot
const described = (from: ReturnType<typeof snapshot>, to: ReturnType<typeof snapshot>) =>
  diffApp(from, to, 'blog', { allowDestructive: true }).operations.map((o) => o.describe())

class Account extends Table {
  email = new Text()
  static override triggers = [
    trigger('account_check', { timing: 'before', events: ['insert'], function: 'check_email' }),
  ]
}
// Declared before what they read: the order comes from the query text, not the declaration.
class Domains extends View {
  static override query = sql`select distinct domain from emails`
}
class Emails extends View {
  static override query = sql`select email, email_domain(email) as domain from account`
}
const functions = [
  sqlFunction(
    'email_domain',
    sql`create function email_domain(text) returns text language sql as $$ select split_part($1, '@', 2) $$`,
  ),
  sqlFunction(
    'check_email',
    sql`create function check_email() returns trigger language plpgsql as $$ begin return new; end $$`,
  ),
]
const full = () => snapshot({ tables: [Account], views: [Domains, Emails], functions, extensions: ['citext'] })

describe('order of schema objects', () => {
  it('extensions first, then tables, functions, views after what they read, triggers last', () => {
    expect(described(emptySnapshot(), full())).toEqual([
      'add extension citext',
      'add table Account',
      'add column Account.id',
      'add column Account.email',
      'add function check_email',
      'add function email_domain',
      'add view Emails',
      'add view Domains',
      'add trigger account_check on Account',
    ])
  })

  it('drops go the other way: triggers and views before their table, functions and extensions last', () => {
    expect(described(full(), emptySnapshot())).toEqual([
      'drop trigger account_check on Account',
      'drop view Domains',
      'drop view Emails',
      'drop table Account',
      'drop function check_email',
      'drop function email_domain',
      'drop extension citext',
    ])
  })

  it('a column default that calls a function of the app comes after it, and its drop before the function’s', () => {
    const code = sqlFunction('new_code', sql`create function new_code() returns text language sql as $$ select 'x' $$`)
    class Ticket extends Table {
      code = new Text({ default: sql`New_Code()` })
    }
    const withCode = snapshot({ tables: [Ticket], functions: [code] })
    expect(described(emptySnapshot(), withCode)).toEqual([
      'add table Ticket',
      'add column Ticket.id',
      'add function new_code',
      'add column Ticket.code',
    ])
    class Plain extends Table {
      static override tablename = 'ticket'
    }
    Object.defineProperty(Plain, 'name', { value: 'Ticket' })
    expect(described(withCode, snapshot({ tables: [Plain] }))).toEqual([
      'drop column Ticket.code',
      'drop function new_code',
    ])
  })

  it('nothing changed writes nothing', () => {
    expect(described(full(), full())).toEqual([])
  })
})
