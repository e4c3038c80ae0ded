/** Which new columns need a one-off value for existing rows, and what is held with them. */
import { describe, expect, it } from 'vitest'
import { oneOffKey, withOneOffValues } from '../../../src/build/project/one-off.js'
import { AddColumn, AddIndex, RenameTable } from '../../../src/core/operations/index.js'
import type { ColumnParams, SnapshotData } from '../../../src/core/state/snapshot.js'
import { sql } from '../../../src/core/state/sql.js'

const column = (table: string, name: string, params: Partial<ColumnParams> = {}, columnClass = 'Timestamptz') =>
  new AddColumn('blog', {
    tableClassName: table,
    tablename: table.toLowerCase(),
    columnName: name,
    dbColumnName: name,
    columnClass: columnClass as 'Timestamptz',
    params: { null: false, default: null, primaryKey: false, unique: false, index: false, ...params },
  })
const before: SnapshotData = {
  tables: [
    { app: 'blog', className: 'Post', tablename: 'post', schema: 'public', columns: [], constraints: [], indexes: [] },
  ],
  enums: [],
}
const describeAll = (ops: readonly { describe(): string }[]) => ops.map((o) => o.describe())

describe('one-off values', () => {
  it('hold a NOT NULL column without a default on an existing table, and an index on it', () => {
    const published = column('Post', 'publishedAt')
    const index = new AddIndex('blog', {
      tableClassName: 'Post',
      tablename: 'post',
      index: { keys: [{ column: 'publishedAt' }], unique: false, method: 'btree' } as never,
    })
    const other = column('Post', 'subtitle', { null: true })
    const { operations, needsValue } = withOneOffValues([published, index, other], before, new Map())
    expect(describeAll(needsValue)).toEqual(['add column Post.publishedAt'])
    expect(describeAll(operations)).toEqual(['add column Post.subtitle'])
  })

  it('ask nothing for a column with a default, a nullable one, a serial, or one of a new table', () => {
    const ops = [
      column('Post', 'views', { default: 0 }, 'Integer'),
      column('Post', 'body', { null: true }),
      column('Post', 'seq', {}, 'Serial'),
      column('Draft', 'savedAt'),
    ]
    expect(withOneOffValues(ops, before, new Map()).needsValue).toEqual([])
  })

  it('count a table renamed earlier in the migration as existing', () => {
    const rename = new RenameTable('blog', {
      oldClassName: 'Post',
      newClassName: 'Article',
      oldTablename: 'post',
      newTablename: 'article',
    })
    const { needsValue } = withOneOffValues([rename, column('Article', 'publishedAt')], before, new Map())
    expect(describeAll(needsValue)).toEqual(['add column Article.publishedAt'])
  })

  it('fill the column with the value given, which its file keeps and its SQL drops after filling', () => {
    const published = column('Post', 'publishedAt')
    const values = new Map([[oneOffKey(published), sql`now()`]])
    const { operations, needsValue } = withOneOffValues([published], before, values)
    expect(needsValue).toEqual([])
    expect(operations[0]!.toSource()).toContain('fill: sql`now()`')
    expect(operations[0]!.reverse().reverse().toSource()).not.toContain('fill')
  })
})
