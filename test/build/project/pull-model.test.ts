import { describe, expect, it } from 'vitest'
import { pullTables } from '../../../src/build/project/pull-model.js'
import { renderTablesFile } from '../../../src/build/writer/tables-source.js'
import { physicalColumn, physicalTable } from '../../helpers/physical.js'

const column = physicalColumn
const table = physicalTable

const serialId = (name: string) =>
  column('id', 'integer', { serial: true, default: `nextval('${name}_id_seq'::regclass)` })

describe('pull: tables as declarations', () => {
  it('follows the naming rules where it can and spells names out where it must', () => {
    const pulled = pullTables({
      schema: {
        schemas: ['public'],
        enums: [],
        extensions: [],
        views: [],
        functions: [],
        tables: [
          table('blog_post', [
            serialId('blog_post'),
            column('created_at', 'timestamp with time zone', { default: 'now()' }),
            column('AuthorName', 'character varying(80)', { nullable: true }),
            column('title', 'text'),
          ]),
          table('Text', [column('code', 'character(2)')]),
        ],
      },
      indexKeys: new Map(),
    })
    expect(pulled.unsupported).toEqual([])
    expect(renderTablesFile('blog', pulled.tables, 'a test')).toBe(`// The tables of app "blog", pulled from a test.
// Edit them as any tables; npx auto-migrations new blog --auto writes the changes.
import { Char, sql, Table, Text, Timestamptz, Varchar } from 'unplugin-auto-migrations'

export class BlogPost extends Table {
  createdAt = new Timestamptz({ default: sql\`now()\` })
  authorName = new Varchar({ length: 80, null: true, dbColumnName: 'AuthorName' })
  title = new Text({ default: null })
}

export class TextTable extends Table {
  static tablename = 'Text'
  code = new Char({ length: 2, primaryKey: true })
}
`)
  })

  it('keeps a unique index an index, and a unique constraint on one column a column option', () => {
    const pulled = pullTables({
      schema: {
        schemas: ['public'],
        enums: [],
        extensions: [],
        views: [],
        functions: [],
        tables: [
          table('account', [serialId('account'), column('email', 'text'), column('handle', 'text')], {
            uniques: [
              {
                name: 'account_handle_key',
                columns: ['handle'],
                include: [],
                nullsDistinct: true,
                deferrable: false,
                initiallyDeferred: false,
              },
            ],
            indexes: [
              {
                name: 'account_email_uniq',
                unique: true,
                method: 'btree',
                definition: 'CREATE UNIQUE INDEX account_email_uniq ON public.account USING btree (email)',
                keys: ['email'],
                include: [],
                predicate: null,
                nullsDistinct: true,
                valid: true,
              },
            ],
          }),
        ],
      },
      indexKeys: new Map([
        [
          'public.account_email_uniq',
          [{ column: 'email', expression: 'email', descending: false, nullsFirst: false, opclass: null }],
        ],
      ]),
    })
    const [account] = pulled.tables
    expect(account?.columns.find((c) => c.property === 'handle')?.options).toEqual({ default: null, unique: true })
    expect(account?.constraints).toEqual([
      { kind: 'unique', args: [{ column: 'email', order: 'asc' }], options: { name: 'account_email_uniq' } },
    ])
  })
})
