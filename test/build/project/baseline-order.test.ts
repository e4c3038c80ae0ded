import { describe, expect, it } from 'vitest'
import { inDeclaredColumnOrder } from '../../../src/build/project/baseline-order.js'
import { AddColumn, AddTable, type Operation } from '../../../src/core/operations/index.js'
import type { ColumnSnapshot, SnapshotData, TableSnapshot } from '../../../src/core/state/snapshot.js'

const key = (name: string): ColumnSnapshot => ({
  name,
  dbColumnName: name,
  columnClass: 'Serial',
  params: { null: false, default: null, primaryKey: true, unique: false, index: false },
})
const plain = (name: string): ColumnSnapshot => ({
  name,
  dbColumnName: name,
  columnClass: 'Text',
  params: { null: true, default: null, primaryKey: false, unique: false, index: false },
})
const pointing = (name: string, table: string): ColumnSnapshot => ({
  name,
  dbColumnName: name,
  columnClass: 'ForeignKey',
  params: {
    null: true,
    default: null,
    primaryKey: false,
    unique: false,
    index: false,
    references: { app: 'shop', table, column: 'id' },
    onDelete: 'cascade',
    onUpdate: 'cascade',
  },
})
const table = (className: string, columns: ColumnSnapshot[]): TableSnapshot => ({
  app: 'shop',
  className,
  tablename: className.toLowerCase(),
  schema: 'public',
  columns,
  constraints: [],
  indexes: [],
})

/** The differ's shape of a baseline: every table, then plain columns, then foreign key columns. */
function differOrder(model: SnapshotData): Operation[] {
  const columns = (foreignKeys: boolean) =>
    model.tables.flatMap((t) =>
      t.columns
        .filter((c) => (c.columnClass === 'ForeignKey') === foreignKeys)
        .map(
          (c) =>
            new AddColumn('shop', {
              tableClassName: t.className,
              tablename: t.tablename,
              columnName: c.name,
              dbColumnName: c.dbColumnName,
              columnClass: c.columnClass,
              params: c.params,
            }),
        ),
    )
  return [
    ...model.tables.map((t) => new AddTable('shop', { className: t.className, tablename: t.tablename })),
    ...columns(false),
    ...columns(true),
  ]
}

const described = (operations: Operation[]) => operations.map((o) => o.describe())

describe('a baseline in declared column order', () => {
  it('creates each table’s columns in their declared order, after the tables they point at', () => {
    const model: SnapshotData = {
      tables: [
        table('Order', [key('id'), pointing('customer', 'Customer'), plain('note')]),
        table('Customer', [key('id'), plain('name')]),
      ],
      enums: [],
    }
    expect(described(inDeclaredColumnOrder(differOrder(model), model, 'shop'))).toEqual([
      'add table Order',
      'add table Customer',
      'add column Customer.id',
      'add column Customer.name',
      'add column Order.id',
      'add column Order.customer',
      'add column Order.note',
    ])
  })

  it('keeps the differ’s order when foreign keys point at each other', () => {
    const model: SnapshotData = {
      tables: [
        table('Team', [key('id'), pointing('captain', 'Player')]),
        table('Player', [key('id'), pointing('team', 'Team')]),
      ],
      enums: [],
    }
    const operations = differOrder(model)
    expect(inDeclaredColumnOrder(operations, model, 'shop')).toEqual(operations)
  })
})
