/**
 * The order of a baseline's operations (every table new) such that each table's columns are created
 * in the order the model declares them. The differ adds foreign key columns after every other
 * column (their targets must exist first); a pulled database had them in the middle, and a
 * database built from the baseline should list its columns as the pulled one did.
 *
 * Tables go after the tables their foreign keys point at. When that is impossible (foreign keys in
 * a cycle, a key declared after a column that points at it, a key made by a table-level
 * constraint), the differ's order stands.
 */
import type { Operation } from '../../core/operations/index.js'
import type { ColumnParams, SnapshotData, TableSnapshot } from '../../core/state/snapshot.js'

interface ColumnOperation {
  tableClassName: string
  columnName: string
  params: ColumnParams
}

const isColumnKey = (table: TableSnapshot, column: string) =>
  table.columns.some((c) => c.name === column && (c.params.primaryKey || c.params.unique))

/** What a baseline makes before any column: tables and what they stand on (extensions, enums, functions). */
const BEFORE_COLUMNS: ReadonlySet<string> = new Set(['addTable', 'addEnum', 'addExtension', 'addFunction'])

/** `operations` of a baseline of `app` with each table's columns in declared order, or as given when that can't be. */
export function inDeclaredColumnOrder(operations: readonly Operation[], model: SnapshotData, app: string): Operation[] {
  const tables = new Map(model.tables.filter((t) => t.app === app).map((t) => [t.className, t]))
  const columns = new Map<string, Operation[]>()
  const before: Operation[] = []
  const after: Operation[] = []
  for (const operation of operations) {
    if (operation.kind === 'addColumn') {
      const { tableClassName } = operation.params as unknown as ColumnOperation
      columns.set(tableClassName, [...(columns.get(tableClassName) ?? []), operation])
    } else if (columns.size === 0 && BEFORE_COLUMNS.has(operation.kind)) before.push(operation)
    else after.push(operation)
  }
  // Only a baseline's shape is reordered: enums and tables, then columns, then declarations.
  if (after.some((o) => o.kind === 'addTable' || o.kind === 'addEnum' || o.kind === 'addColumn')) return [...operations]

  const ordered: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (name: string): boolean => {
    if (state.get(name) === 'done') return true
    if (state.get(name) === 'visiting') return false
    state.set(name, 'visiting')
    const table = tables.get(name)
    if (!table) return false
    for (const [at, column] of table.columns.entries()) {
      const ref = column.params.references
      if (!ref || ref.app !== app) continue
      const target = tables.get(ref.table)
      if (!target || !isColumnKey(target, ref.column)) return false
      if (ref.table === name) {
        // Pointing at its own table: the key must come first.
        if (target.columns.findIndex((c) => c.name === ref.column) > at) return false
      } else if (!visit(ref.table)) return false
    }
    state.set(name, 'done')
    ordered.push(name)
    return true
  }
  for (const name of columns.keys()) if (!visit(name)) return [...operations]

  const position = (table: TableSnapshot, column: string) => table.columns.findIndex((c) => c.name === column)
  const columnOperations = ordered.flatMap((name) => {
    const table = tables.get(name)!
    return [...(columns.get(name) ?? [])].sort(
      (a, b) =>
        position(table, (a.params as unknown as ColumnOperation).columnName) -
        position(table, (b.params as unknown as ColumnOperation).columnName),
    )
  })
  return [...before, ...columnOperations, ...after]
}
