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
import { type ForeignKeyTarget, type SchemaState, type SnapshotData, keyOf } from '../migration/snapshot.js'

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
  o instanceof AddColumn ? o.params.params.references : o instanceof AlterColumn ? o.params.params.references : undefined

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

/**
 * The first reference whose target the history has as a key and the model no longer does (the
 * class gone or renamed, the property gone or renamed, or no longer that kind of key), as an error that says
 * what to do (files relative to `root`); undefined when every target is kept. A target the history itself no longer has was
 * broken before (`check --scratch` shows it) and is not this check's to report.
 */
export function checkReferencedKeys(references: readonly DependentReference[], history: SchemaState, model: SnapshotData, root: string): AutoMigrationsError | undefined {
  const modelTables = new Map(model.tables.map((t) => [`${t.app}.${t.className}`, t]))
  for (const ref of references) {
    const { app, table, column } = ref.target
    const was = history.findTable(app, table)
    const key = was && keyOf(was, column)
    if (!key) continue
    const now = modelTables.get(`${app}.${table}`)
    if (now && keyOf(now, column) === key) continue
    const kind = key === 'primaryKey' ? 'the primary key' : 'unique'
    const what = !now
      ? `drop or rename the table class ${table}`
      : !now.columns.some((c) => c.name === column)
        ? `drop or rename its column ${column}`
        : `change its column ${column}, which is ${kind}, into another kind of key or none`
    return new AutoMigrationsError(
      'KEPT_FOR_DEPENDENT_APP',
      `App "${app}" can't ${what}: migration ${ref.migrationId} of app "${ref.app}" (${path.relative(root, ref.file)}) points a foreign key at ${table}.${column}. ` +
        `Every migration of "${app}" runs before those of "${ref.app}", so a database built from scratch would no longer find it. ` +
        `Keep class ${table} with its key ${column} as it is; to rename the table in the database set \`static tablename\`, to rename the column set \`dbColumnName\`.`,
      { app, table, column, dependent: ref.app, file: ref.file, migrationId: ref.migrationId },
    )
  }
  return undefined
}

/**
 * References whose target the history itself no longer has as that kind of key: written before
 * the rule above (or by hand). Databases that ran the history are fine, but a new one is built app
 * by app, so the dependent app's migration would point at a table or key already gone.
 */
export function unbuildableReferences(references: readonly DependentReference[], history: SchemaState, root: string): AutoMigrationsError[] {
  return references.flatMap((ref) => {
    const { app, table, column } = ref.target
    const owner = history.findTable(app, table)
    if (owner && keyOf(owner, column)) return []
    const what = !owner ? `no longer have a table class ${table}` : !owner.columns.some((c) => c.name === column) ? `leave ${table} without a column ${column}` : `leave ${table}.${column} without a primary key or unique constraint`
    return [
      new AutoMigrationsError(
        'UNBUILDABLE_HISTORY',
        `Migration ${ref.migrationId} of app "${ref.app}" (${path.relative(root, ref.file)}) points a foreign key at ${table}.${column} of app "${app}", but the migrations of "${app}" ${what}. ` +
          `They all run before those of "${ref.app}", so a new database can't be built from this history (databases that already ran it are not affected; \`check --scratch\` shows the failing statement). ` +
          `Repair the history by hand: see "A history that can't build a new database" in the README.`,
        { app: ref.app, table, column, file: ref.file, migrationId: ref.migrationId, target: app },
      ),
    ]
  })
}
