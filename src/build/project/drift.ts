/**
 * `drift`: the live database against the schema its applied migrations describe. Only the
 * migrations the history table records as ran are replayed, in the order of the migration graph,
 * into a scratch database (runtime/drift/scratch.ts); both databases are then introspected and
 * compared (runtime/drift/compare.ts). Building the expected schema in Postgres itself keeps both
 * sides in Postgres' own renderings, and runs `manager.sql(...)` operations as they ran.
 */
import { existsSync } from 'node:fs'
import type { DatabaseOption, Engine } from '../../runtime/engines/engine.js'
import { embeddedDirOf, openEngine } from '../../runtime/engines/open.js'
import { compareSchemas } from '../../runtime/drift/compare.js'
import type { Difference } from '../../runtime/drift/difference.js'
import { openScratchDatabase } from '../../runtime/drift/scratch.js'
import { introspect } from '../../runtime/introspect.js'
import type { MigrationStatus } from '../../runtime/runner.js'
import { projectMigrator } from './apply.js'
import type { RecordedProjectState } from './project-state.js'

export interface DriftReport {
  differences: Difference[]
  /** The migrations replayed: those the database records as ran. */
  replayed: { app: string; id: string }[]
  /** Migrations that make the comparison less certain: changed after they ran, stopped part-way, or without a file. */
  uncertain: MigrationStatus[]
  /** False when the embedded database was never created: there is nothing to compare. */
  exists: boolean
  /** Where the expected schema was built. */
  scratch: 'server' | 'embedded' | undefined
}

export interface DriftOptions {
  /** The database to compare (default: the config's). */
  database?: DatabaseOption
  /** An engine already open on it (the dev server's): used as is, not closed. */
  engine?: Engine
}

const schemasSql = `select nspname::text as name from pg_namespace
 where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by 1`

/** Compares the database with what its applied migrations describe. The database is only read. */
export async function findDrift(replayed: RecordedProjectState, options: DriftOptions = {}): Promise<DriftReport> {
  const database = options.database ?? replayed.project.config.database
  const root = replayed.project.root
  const dir = options.engine ? undefined : embeddedDirOf(database, root)
  if (dir !== undefined && !existsSync(dir))
    return { differences: [], replayed: [], uncertain: [], exists: false, scratch: undefined }
  const live = options.engine ?? (await openEngine(database, { root }))
  try {
    const sound = replayed.apps.filter((a) => a.errors.length === 0).map((a) => a.app.name)
    const status = await projectMigrator(replayed, { apps: sound }).status({ database: live })
    const ran = new Set(status.filter((s) => s.state === 'ran' || s.state === 'changed').map((s) => `${s.app} ${s.id}`))
    const applied: RecordedProjectState = {
      ...replayed,
      apps: replayed.apps
        .filter((a) => a.errors.length === 0)
        .map((a) => ({ ...a, migrations: a.migrations.filter((m) => ran.has(`${m.app} ${m.id}`)) })),
    }
    const historySchema = replayed.project.config.historySchema
    const scratch = await openScratchDatabase(live, database)
    try {
      await projectMigrator(applied).migrate({ database: scratch.engine })
      const { rows } = await scratch.engine.query<{ name: string }>(schemasSql)
      const schemas = [...new Set(['public', ...rows.map((r) => r.name)])]
      const introspectOptions = { schemas, ...(historySchema ? { historySchema } : {}) }
      const expected = await introspect(scratch.engine, introspectOptions)
      const actual = await introspect(live, introspectOptions)
      return {
        differences: compareSchemas(actual, expected),
        replayed: applied.apps.flatMap((a) => a.migrations.map((m) => ({ app: m.app, id: m.id }))),
        uncertain: status.filter((s) => s.state === 'changed' || s.state === 'partial' || s.state === 'missing'),
        exists: true,
        scratch: scratch.where,
      }
    } finally {
      await scratch.close()
    }
  } finally {
    if (!options.engine) await live.close()
  }
}
