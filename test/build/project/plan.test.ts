/**
 * The lines that report a plan's operations (src/build/project/plan.ts): a new table is one line.
 */
import { describe, expect, it } from 'vitest'
import { autoDescription, operationLines } from '../../../src/build/project/plan.js'
import { AddColumn, AddConstraint, AddTable, type Operation } from '../../../src/core/operations/index.js'
import type { ColumnParams } from '../../../src/core/state/snapshot.js'

const table = (className: string, app = 'blog') => new AddTable(app, { className, tablename: className.toLowerCase() })
const column = (tableClassName: string, columnName: string, app = 'blog') =>
  new AddColumn(app, {
    tableClassName,
    tablename: tableClassName.toLowerCase(),
    columnName,
    dbColumnName: columnName,
    columnClass: 'Text',
    params: {} as ColumnParams,
  })
const unique = (tableClassName: string, columns: string[]) =>
  new AddConstraint('blog', {
    tableClassName,
    tablename: tableClassName.toLowerCase(),
    constraint: { kind: 'unique', name: null, columns, nullsDistinct: true },
  })

const descriptions = (operations: Operation[]) => operationLines(operations).map((l) => l.description)

describe('operationLines', () => {
  it("folds a new table's columns, constraints and indexes into its one line", () => {
    const operations = [
      table('Post'),
      column('Post', 'id'),
      column('Post', 'title'),
      table('Author'),
      column('Author', 'id'),
      column('Post', 'author'),
      unique('Post', ['title']),
    ]
    expect(descriptions(operations)).toEqual(['add table Post (id, title, author)', 'add table Author (id)'])
    const [post] = operationLines(operations)
    expect(post).toMatchObject({ short: 'add table Post', table: 'Post' })
    expect(post!.operations).toHaveLength(5)
  })

  it('keeps a line per change to a table that is not new in the same list', () => {
    const operations = [column('Post', 'views'), table('Author'), column('Author', 'id'), unique('Post', ['views'])]
    expect(descriptions(operations)).toEqual([
      'add column Post.views',
      'add table Author (id)',
      'add unique (views) on Post',
    ])
  })

  it('folds only what comes after the addTable, and of the same app', () => {
    const operations = [column('Post', 'early'), table('Post'), column('Post', 'id'), column('Post', 'id', 'shop')]
    expect(descriptions(operations)).toEqual(['add column Post.early', 'add table Post (id)', 'add column Post.id'])
  })

  it('names the columns a table is added with (the reverse of a drop)', () => {
    const withColumns = new AddTable('blog', {
      className: 'Post',
      tablename: 'post',
      columns: [{ name: 'id', dbColumnName: 'id', columnClass: 'Serial', params: {} as ColumnParams }],
    })
    expect(descriptions([withColumns, column('Post', 'title')])).toEqual(['add table Post (id, title)'])
    expect(descriptions([table('Empty')])).toEqual(['add table Empty'])
  })
})

describe('autoDescription', () => {
  it('says "add table Post" for a new table, not its columns', () => {
    expect(autoDescription([table('Post'), column('Post', 'id'), column('Post', 'title')])).toBe('add table Post')
    expect(
      autoDescription([table('A'), column('A', 'id'), table('B'), table('C'), column('D', 'x'), column('D', 'y')]),
    ).toBe('add table A, add table B and 3 more')
  })
})
