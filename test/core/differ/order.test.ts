/**
 * The order of one migration's operations (src/differ/order.ts), on hand-made plans: what each
 * operation needs comes first, and otherwise the preferred order and the order of detection hold.
 */
import { describe, expect, it } from 'vitest'
import { need, orderOperations, type Planned } from '../../../src/core/differ/order.js'
import { AddTable, RenameColumn } from '../../../src/core/operations/index.js'

const addTable = (className: string, needs: string[] = [], gives: string[] = []): Planned => ({
  operation: new AddTable('blog', { className, tablename: className.toLowerCase() }),
  needs,
  gives,
})

const renameColumn = (from: string, to: string): Planned => {
  const params = {
    tableClassName: 'Point',
    tablename: 'point',
    oldColumnName: from,
    newColumnName: to,
    oldDbColumnName: from,
    newDbColumnName: to,
  }
  const space = 'column Point'
  return {
    operation: new RenameColumn('blog', params),
    needs: [need.name(space, to)],
    gives: [need.name(space, from)],
    move: {
      leaves: need.name(space, from),
      takes: need.name(space, to),
      space,
      name: from,
      aside: (temporary) => [
        new RenameColumn('blog', { ...params, newDbColumnName: temporary }),
        new RenameColumn('blog', { ...params, oldColumnName: to, oldDbColumnName: temporary }),
      ],
    },
  }
}

const names = (plan: Planned[], inUse = () => false) => orderOperations(plan, inUse).map((o) => o.describe())

describe('the order of a migration', () => {
  it('keeps the order of detection where nothing needs another order', () => {
    expect(names([addTable('A'), addTable('B'), addTable('C')])).toEqual(['add table A', 'add table B', 'add table C'])
  })

  it('runs an operation after the ones that give what it needs, and the rest as detected', () => {
    const plan = [addTable('A', ['b']), addTable('B', [], ['b']), addTable('C')]
    expect(names(plan)).toEqual(['add table B', 'add table A', 'add table C'])
  })

  it('a rename to a name another rename gives up runs after it', () => {
    expect(names([renameColumn('a', 'b'), renameColumn('b', 'c')])).toEqual([
      'rename column Point.b to c',
      'rename column Point.a to b',
    ])
  })

  it('two renames that swap names: one goes through a temporary name nothing uses', () => {
    const inUse = (_space: string, name: string) => name === 'x_swap1'
    expect(
      orderOperations([renameColumn('x', 'y'), renameColumn('y', 'x')], inUse).map((o) => {
        const p = (o as RenameColumn).params
        return `${p.oldDbColumnName} → ${p.newDbColumnName}`
      }),
    ).toEqual(['x → x_swap2', 'y → x', 'x_swap2 → y'])
  })

  it('gives up a need for a name in a cycle no temporary name breaks (Postgres then says which name is taken)', () => {
    const name = need.name('table public', 't')
    const plan = [addTable('A', [name], ['a']), addTable('B', ['a'], [name])]
    expect(names(plan)).toEqual(['add table A', 'add table B'])
  })
})
