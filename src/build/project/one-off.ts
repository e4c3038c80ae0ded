/**
 * One-off values (Django's "provide a one-off default"): a NOT NULL column without a default added
 * to a table that already exists cannot be added to a table with rows (Postgres 23502). On a
 * terminal, `new --auto` asks for a value that fills the existing rows (the addColumn's `fill`);
 * elsewhere the column is held back and reported with the ways out.
 */
import { AddColumn, type Operation, RenameTable } from '../../core/operations/index.js'
import type { DefaultValue, SnapshotData } from '../../core/state/snapshot.js'

/** `app.Table.column`: the key of an answer. */
export const oneOffKey = (o: AddColumn): string => `${o.app}.${o.params.tableClassName}.${o.params.columnName}`

/**
 * True for an addColumn that rows already in its table could not take without a value. `renamed`:
 * tables renamed earlier in the same migration (`app.Class` of their new name), which have rows too.
 */
export function needsOneOffValue(o: Operation, before: SnapshotData, renamed: ReadonlySet<string>): o is AddColumn {
  if (!(o instanceof AddColumn) || o.params.fill !== undefined) return false
  const { params, columnClass } = o.params
  if (params.null || params.primaryKey || (params.default !== null && params.default !== undefined)) return false
  if (columnClass === 'Serial' || columnClass === 'BigSerial') return false
  const table = o.params.tableClassName
  return renamed.has(`${o.app}.${table}`) || before.tables.some((t) => t.app === o.app && t.className === table)
}

/** Whether `o` names the column `column` adds (an index or constraint on it), so must wait for it. */
function usesColumn(o: Operation, column: AddColumn): boolean {
  const p = o.params as { tableClassName?: unknown }
  if (o === column || o.app !== column.app || p.tableClassName !== column.params.tableClassName) return false
  return JSON.stringify(o.params).includes(JSON.stringify(column.params.columnName))
}

/**
 * The operations with each column that needs a one-off value either filled from `values` or held
 * back, with what uses it.
 */
export function withOneOffValues(
  operations: readonly Operation[],
  before: SnapshotData,
  values: ReadonlyMap<string, DefaultValue>,
): { operations: Operation[]; needsValue: AddColumn[] } {
  const needsValue: AddColumn[] = []
  const out: Operation[] = []
  const renamed = new Set<string>()
  for (const o of operations) {
    if (o instanceof RenameTable) renamed.add(`${o.app}.${o.params.newClassName}`)
    if (!needsOneOffValue(o, before, renamed)) {
      if (!needsValue.some((held) => usesColumn(o, held))) out.push(o)
      continue
    }
    const value = values.get(oneOffKey(o))
    if (value === undefined) needsValue.push(o)
    else out.push(new AddColumn(o.app, { ...o.params, fill: value }))
  }
  return { operations: out, needsValue }
}

/** What resolves a held column, for reports and the overlay. */
export function oneOffFix(o: AddColumn): string {
  const column = `${o.params.tableClassName}.${o.params.columnName}`
  return (
    `give ${column} a default, or make it null: true, or run npx auto-migrations new ${o.app} --auto ` +
    'in a terminal (it asks for a one-off value for the existing rows)'
  )
}

export const oneOffDescription = (o: AddColumn): string =>
  `add column ${o.params.tableClassName}.${o.params.columnName}: NOT NULL without a default, on a table that may have rows`
