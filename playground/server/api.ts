/**
 * The playground's server route: the app's own code, using the bundled runner and the same database
 * handle the plugin uses in dev (so it sees each migration the moment it is applied).
 */
import { getDatabase, migrate, status } from 'virtual:auto-migrations'

let ready: Promise<unknown> | undefined

export async function handle(path: string): Promise<unknown> {
  ready ??= migrate()
  await ready
  const db = await getDatabase()
  if (path === '/api/status') return status()
  // The live schema: every column of every table, as Postgres reports it.
  const { rows } = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public' and table_name <> 'auto_migrations'
      order by table_name, ordinal_position`,
  )
  return rows
}
