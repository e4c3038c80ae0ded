import { describe, expect, it } from 'vitest'
import { compareSchemas } from '../../../src/runtime/drift/compare.js'
import type { PhysicalSchema, PhysicalTable } from '../../../src/runtime/introspect.js'
import { physicalColumn, physicalTable } from '../../helpers/physical.js'

const table = (overrides: Partial<PhysicalTable> = {}): PhysicalTable =>
  physicalTable('post', [physicalColumn('id', 'integer')], overrides)

const schema = (
  tables: PhysicalTable[],
  enums: PhysicalSchema['enums'] = [],
  objects: Partial<Pick<PhysicalSchema, 'extensions' | 'views' | 'functions'>> = {},
): PhysicalSchema => ({
  schemas: [...new Set(['public', ...tables.map((t) => t.schema)])].sort(),
  tables,
  enums,
  extensions: [],
  views: [],
  functions: [],
  ...objects,
})

const messages = (actual: PhysicalSchema, expected: PhysicalSchema) =>
  compareSchemas(actual, expected).map((d) => d.message)

describe('drift comparison', () => {
  it('finds nothing between equal schemas', () => {
    expect(compareSchemas(schema([table()]), schema([table()]))).toEqual([])
  })

  it('says a renamed primary key once, as a change of the table’s key, not a drop and an add', () => {
    const renamed = table({ primaryKey: { name: 'post_key', columns: ['id'] } })
    expect(messages(schema([renamed]), schema([table()]))).toEqual([
      'primary key post: name post_key, migrations say post_pkey',
    ])
  })

  it('names enum values and tables outside public with their schema', () => {
    const actual = schema([table({ schema: 'blog' })], [{ schema: 'public', name: 'mood', values: ['sad', 'ok'] }])
    const expected = schema([], [{ schema: 'public', name: 'mood', values: ['sad', 'ok', 'happy'] }])
    expect(compareSchemas(actual, expected)).toEqual([
      { kind: 'extra', object: 'schema', name: 'blog', message: 'extra schema blog' },
      {
        kind: 'changed',
        object: 'enum',
        name: 'mood',
        attribute: 'values',
        actual: '(sad, ok)',
        expected: '(sad, ok, happy)',
        message: 'enum mood: values (sad, ok), migrations say (sad, ok, happy)',
      },
      {
        kind: 'extra',
        object: 'table',
        name: 'blog.post',
        actual: '1 column',
        message: 'extra table blog.post (1 column)',
      },
    ])
  })

  it('says a long text differs without quoting it, and keeps both texts in the difference', () => {
    const view = (definition: string) => ({
      schema: 'public',
      name: 'active_post',
      materialized: false,
      definition,
      indexes: [],
    })
    const [difference] = compareSchemas(
      schema([], [], { views: [view(' SELECT post.id FROM post;')] }),
      schema([], [], { views: [view(' SELECT post.id FROM post WHERE post.id > 0;')] }),
    )
    expect(difference).toMatchObject({
      kind: 'changed',
      object: 'view',
      name: 'active_post',
      attribute: 'query',
      actual: 'SELECT post.id FROM post;',
      expected: 'SELECT post.id FROM post WHERE post.id > 0;',
      message: 'view active_post: query differs',
    })
  })

  it('names a trigger with its table, a function with its arguments, and compares comments', () => {
    const touch = { name: 'post_touch', definition: 'CREATE TRIGGER post_touch ...' }
    const fn = { schema: 'public', name: 'touch', arguments: 'a integer', definition: 'CREATE FUNCTION ...' }
    expect(
      messages(
        schema([table({ triggers: [touch], comment: 'posts' })], [], { functions: [fn] }),
        schema([table()], [], { extensions: [{ name: 'citext', schema: 'public' }] }),
      ),
    ).toEqual([
      'missing extension citext',
      'table post: comment posts, migrations say no comment',
      'extra function touch(a integer)',
      'extra trigger post_touch on post',
    ])
  })
})
