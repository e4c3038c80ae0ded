/**
 * What an app must keep because a dependent app's migrations point foreign keys at it.
 *
 * Migrations run app by app in dependency order (SPEC §7): on a database built from scratch, every
 * migration of `auth` runs before the first of `blog`. So when a migration of blog, at any point of
 * its history, added a foreign key to `auth.User.id`, auth can never drop User, give the class another
 * name, or drop (or stop keying) its column `id`: blog's old migration would look for it after auth's
 * migrations are done and fail. On an existing database it would work, which is why this is checked
 * here, before the migration is written, and not left for a fresh deployment to find.
 *
 * Physical names are free: the class keeps its name and `static tablename` renames the table, the
 * property keeps its name and `dbColumnName` renames the column (foreign keys name tables and
 * columns by class and property, and Postgres follows a physical rename).
 */
import path from 'node:path'
import { AutoMigrationsError } from '../errors.js'
import { AddColumn, AlterColumn, type Operation } from '../migration/operations/index.js'
import {
  type ForeignKeyTarget,
  keyOf,
  type SchemaState,
  type SnapshotData,
  type TableSnapshot,
} from '../migration/snapshot.js'

/** A foreign key that a migration of `app` points at a table of another app. */
export interface DependentReference {
  app: string
  migrationId: string
  file: string
  target: ForeignKeyTarget
}

interface MigrationWithOperations {
  app: string
  id: string
  file: string
  operations: readonly Operation[]
}

const targetOf = (o: Operation): ForeignKeyTarget | undefined =>
  o instanceof AddColumn
    ? o.params.params.references
    : o instanceof AlterColumn
      ? o.params.params.references
      : undefined

const targetKey = (t: ForeignKeyTarget) => `${t.app}\u0000${t.table}\u0000${t.column}`

/** Each target of another app that `migrations` point at, with the first migration that does. */
export function referencesOf(migrations: readonly MigrationWithOperations[]): DependentReference[] {
  const seen = new Map<string, DependentReference>()
  for (const m of migrations) {
    for (const o of m.operations) {
      const target = targetOf(o)
      if (!target || target.app === m.app || seen.has(targetKey(target))) continue
      seen.set(targetKey(target), { app: m.app, migrationId: m.id, file: m.file, target: { ...target } })
    }
  }
  return [...seen.values()]
}

/** What `table` (undefined: gone) lacks of `column` as a key of kind `key` (any kind when omitted); undefined when nothing. */
function lacks(
  table: TableSnapshot | undefined,
  column: string,
  key?: 'primaryKey' | 'unique',
): 'table' | 'column' | 'key' | undefined {
  if (!table) return 'table'
  if (!table.columns.some((c) => c.name === column)) return 'column'
  const now = keyOf(table, column)
  return now && (key === undefined || now === key) ? undefined : 'key'
}

/** Where a reference was made, for messages: `migration <ID> of app "<app>" (<file>)`. */
const madeIn = (ref: DependentReference, root: string) =>
  `migration ${ref.migrationId} of app "${ref.app}" (${path.relative(root, ref.file)})`

/**
 * The first reference whose target the history has as a key and the model no longer does (the
 * class gone or renamed, the property gone or renamed, or no longer that kind of key), as an error
 * that says what to do (files relative to `root`); undefined when every target is kept. A target
 * the history itself no longer has is `unbuildableReferences`' to report.
 */
export function checkReferencedKeys(
  references: readonly DependentReference[],
  history: SchemaState,
  model: SnapshotData,
  root: string,
): AutoMigrationsError | undefined {
  const modelTables = new Map(model.tables.map((t) => [`${t.app}.${t.className}`, t]))
  for (const ref of references) {
    const { app, table, column } = ref.target
    const was = history.findTable(app, table)
    const key = was && keyOf(was, column)
    if (!key) continue
    const lost = lacks(modelTables.get(`${app}.${table}`), column, key)
    if (!lost) continue
    const what = {
      table: `drop or rename the table class ${table}`,
      column: `drop or rename its column ${column}`,
      key: `change its column ${column}, which is ${key === 'primaryKey' ? 'the primary key' : 'unique'}, into another kind of key or none`,
    }[lost]
    return new AutoMigrationsError(
      'KEPT_FOR_DEPENDENT_APP',
      `App "${app}" can't ${what}: ${madeIn(ref, root)} points a foreign key at ${table}.${column}. ` +
        `Every migration of "${app}" runs before those of "${ref.app}", so a database built from scratch would no longer find it. ` +
        `Keep class ${table} with its key ${column} as it is; to rename the table in the database set \`static tablename\`, to rename the column set \`dbColumnName\`.`,
      { app, table, column, dependent: ref.app, file: ref.file, migrationId: ref.migrationId },
    )
  }
  return undefined
}

/**
 * References whose target the history itself no longer has as a key: written before the rule
 * above (or by hand). Databases that ran the history are fine, but a new one is built app by app,
 * so the dependent app's migration would point at a table or key already gone.
 */
export function unbuildableReferences(
  references: readonly DependentReference[],
  history: SchemaState,
  root: string,
): AutoMigrationsError[] {
  return references.flatMap((ref) => {
    const { app, table, column } = ref.target
    const lost = lacks(history.findTable(app, table), column)
    if (!lost) return []
    const what = {
      table: `no longer have a table class ${table}`,
      column: `leave ${table} without a column ${column}`,
      key: `leave ${table}.${column} without a primary key or unique constraint`,
    }[lost]
    const where = madeIn(ref, root)
    return [
      new AutoMigrationsError(
        'UNBUILDABLE_HISTORY',
        `${where[0]!.toUpperCase()}${where.slice(1)} points a foreign key at ${table}.${column} of app "${app}", but the migrations of "${app}" ${what}. ` +
          `They all run before those of "${ref.app}", so a new database can't be built from this history (databases that already ran it are not affected; \`check --scratch\` shows the failing statement). ` +
          `Repair the history by hand: see "A history that can't build a new database" in the README.`,
        { app: ref.app, table, column, file: ref.file, migrationId: ref.migrationId, target: app },
      ),
    ]
  })
}
