/** The normalisation views, functions and triggers are compared by (README: Views, functions and triggers). */
import { describe, expect, it } from 'vitest'
import { normaliseSql, sameSql, sqlMentions } from '../../../src/core/state/sql-text.js'

describe('normaliseSql', () => {
  it('ignores whitespace, comments, keyword case and a trailing semicolon', () => {
    expect(
      sameSql(
        'select id, email from account where bio is not null',
        `SELECT id ,
           email  -- the address
         FROM Account /* all of them */ WHERE bio IS NOT NULL;`,
      ),
    ).toBe(true)
    expect(normaliseSql('SELECT  count( * )  AS n FROM account ;')).toBe('select count(*)as n from account')
  })

  it('keeps string literals, quoted names and dollar-quoted bodies exactly', () => {
    expect(sameSql(`select 'A  b' from t`, `select 'a b' from t`)).toBe(false)
    expect(sameSql('select "Email" from t', 'select "email" from t')).toBe(false)
    expect(sameSql('as $$ begin return NEW; end $$', 'as $$ begin return new; end $$')).toBe(false)
    expect(normaliseSql(`SELECT 'it''s -- not a comment'`)).toBe(`select 'it''s -- not a comment'`)
  })

  it('tells apart queries that differ in more than form', () => {
    expect(sameSql('select id from account', 'select id, email from account')).toBe(false)
    expect(sameSql('select a-b from t', 'select a - b from t')).toBe(true)
    expect(sameSql('select a from t where x >= 1', 'select a from t where x > 1')).toBe(false)
  })
})

describe('sqlMentions', () => {
  it('finds a name bare (any case) or quoted, not inside another name', () => {
    expect(sqlMentions('select Email from account', 'email')).toBe(true)
    expect(sqlMentions('select "email" from account', 'email')).toBe(true)
    expect(sqlMentions('select email_verified from account', 'email')).toBe(false)
  })
})
