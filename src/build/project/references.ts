/**
 * The foreign keys that migrations point at tables of other apps. A migration that drops or renames
 * such a table (or its key) needs the migrations of those apps, which must run first on a database
 * built from scratch (see depends-on.ts); the state cache keeps them per app.
 */
import { AddColumn, AlterColumn, type Operation } from '../../core/operations/index.js'
import type { MigrationHeader, RecordedMigration } from '../../core/operations/migration.js'
import type { ForeignKeyTarget } from '../../core/state/snapshot.js'

export interface DependentReference {
  app: string
  migrationId: string
  file: string
  target: ForeignKeyTarget
}

/**
 * A rename in an app's history, in order: of a table's class name, or of a column's property (of
 * the table by its class name then). Foreign keys recorded earlier name the old ones.
 */
export type Rename = { table: string; newTable: string } | { table: string; column: string; newColumn: string }

/** The renames of tables and columns that operations make, in order. */
export function renamesOf(operations: readonly Operation[]): Rename[] {
  return operations.flatMap((o): Rename[] => {
    if (o.kind === 'renameTable') {
      const p = o.params as { oldClassName: string; newClassName: string }
      return p.oldClassName === p.newClassName ? [] : [{ table: p.oldClassName, newTable: p.newClassName }]
    }
    if (o.kind === 'renameColumn') {
      const p = o.params as { tableClassName: string; oldColumnName: string; newColumnName: string }
      return p.oldColumnName === p.newColumnName
        ? []
        : [{ table: p.tableClassName, column: p.oldColumnName, newColumn: p.newColumnName }]
    }
    return []
  })
}

/** The table and key column of another app (or its own) that an operation points a foreign key at. */
export const targetOf = (o: Operation): ForeignKeyTarget | undefined =>
  // An alterColumn that lets a foreign key go sets `references` to null.
  (o instanceof AddColumn
    ? o.params.params.references
    : o instanceof AlterColumn
      ? o.params.params.references
      : undefined) ?? undefined

/** One entry per app that points and target it points at: several apps may point at one key. */
const referenceKey = (app: string, t: ForeignKeyTarget) => JSON.stringify([app, t.app, t.table, t.column])

/**
 * Each target of another app that `migrations` point at, with the first migration of each app that
 * does: every app that pointed at a table must let go of it before the table goes.
 */
export function referencesOf(
  migrations: readonly Pick<MigrationHeader & RecordedMigration, 'app' | 'id' | 'file' | 'operations'>[],
): DependentReference[] {
  const seen = new Map<string, DependentReference>()
  for (const m of migrations) {
    for (const o of m.operations) {
      const target = targetOf(o)
      if (!target || target.app === m.app || seen.has(referenceKey(m.app, target))) continue
      seen.set(referenceKey(m.app, target), { app: m.app, migrationId: m.id, file: m.file, target: { ...target } })
    }
  }
  return [...seen.values()]
}
