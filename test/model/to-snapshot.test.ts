/** The table model → snapshot: implicit defaults, primary keys and recorded histories. */
import { describe, expect, it } from 'vitest'
import { diffApp } from '../../src/core/differ/diff.js'
import type { ColumnSnapshot, SnapshotData } from '../../src/core/state/snapshot.js'
import { BigIntColumn, BooleanColumn, Integer, Text, Varchar } from '../../src/model/columns.js'
import { Table } from '../../src/model/table.js'
import { withRecordedKeyDefaults } from '../../src/model/to-snapshot.js'
import { app, model } from '../helpers/engine.js'

class Country extends Table {
  code = new Varchar({ length: 2, primaryKey: true })
  name = new Text()
  population = new Integer()
  member = new BooleanColumn()
}
class Counter extends Table {
  n = new Integer({ primaryKey: true })
}
class Explicit extends Table {
  n = new Integer({ primaryKey: true, default: 7 })
}
class Membership extends Table {
  static override primaryKey = ['accountId', 'groupId']
  accountId = new BigIntColumn()
  groupId = new Integer()
  role = new Varchar({ length: 20 })
}

function column(snapshot: SnapshotData, table: string, name: string): ColumnSnapshot {
  const found = snapshot.tables.find((t) => t.className === table)?.columns.find((c) => c.name === name)
  if (!found) throw new Error(`no ${table}.${name}`)
  return found
}

/** The snapshot as a history written before keys lost the implicit default recorded it. */
function olderHistory(snapshot: SnapshotData, defaults: Record<string, unknown>): SnapshotData {
  const copy = structuredClone(snapshot)
  for (const [at, value] of Object.entries(defaults)) {
    const [table, name] = at.split('.') as [string, string]
    ;(column(copy, table, name).params as { default: unknown }).default = value
  }
  return copy
}

describe('implicit defaults', () => {
  it('NOT NULL text, number and boolean columns get Piccolo’s, primary key columns never', () => {
    const { snapshot } = model(app('geo', [Country, Counter, Explicit, Membership]))
    expect(column(snapshot, 'Country', 'name').params.default).toBe('')
    expect(column(snapshot, 'Country', 'population').params.default).toBe(0)
    expect(column(snapshot, 'Country', 'member').params.default).toBe(false)
    expect(column(snapshot, 'Membership', 'role').params.default).toBe('')
    // Keys: a single-column one and the columns of a composite one.
    expect(column(snapshot, 'Country', 'code').params.default).toBe(null)
    expect(column(snapshot, 'Counter', 'n').params.default).toBe(null)
    expect(column(snapshot, 'Membership', 'accountId').params.default).toBe(null)
    expect(column(snapshot, 'Membership', 'groupId').params.default).toBe(null)
    // A default written on a key is the user's.
    expect(column(snapshot, 'Explicit', 'n').params.default).toBe(7)
  })

  it('a history that recorded the implicit default on a key diffs to no change', () => {
    const current = model(app('geo', [Country, Counter, Membership]))
    const older = olderHistory(current.snapshot, {
      'Country.code': '',
      'Counter.n': 0,
      'Membership.accountId': 0,
      'Membership.groupId': 0,
    })
    // Without taking the recorded default, every key would get an alterColumn dropping it.
    expect(diffApp(older, current.snapshot, 'geo').operations.map((o) => o.describe())).toHaveLength(4)
    const to = withRecordedKeyDefaults(current, older, 'geo')
    expect(diffApp(older, to, 'geo').operations).toEqual([])
    // Read-only: the model's own snapshot is unchanged, and a history without defaults takes nothing.
    expect(column(current.snapshot, 'Country', 'code').params.default).toBe(null)
    expect(withRecordedKeyDefaults(current, current.snapshot, 'geo')).toBe(current.snapshot)
  })

  it('only the implicit default is taken: another recorded default, or a declared one, is a change', () => {
    class Declared extends Table {
      n = new Integer({ primaryKey: true, default: null })
    }
    const current = model(app('geo', [Counter, Declared]))
    const older = olderHistory(current.snapshot, { 'Counter.n': 5, 'Declared.n': 0 })
    const operations = diffApp(older, withRecordedKeyDefaults(current, older, 'geo'), 'geo').operations
    expect(operations.map((o) => (o.params as { tableClassName?: string }).tableClassName).sort()).toEqual([
      'Counter',
      'Declared',
    ])
  })
})
