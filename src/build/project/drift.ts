/**
 * `drift`: the live database against the schema its applied migrations describe. Only the
 * migrations the history table records as ran are replayed, in the order of the migration graph,
 * into a scratch database (runtime/drift/scratch.ts); both databases are then introspected and
 * compared (runtime/drift/compare.ts). Building the expected schema in Postgres itself keeps both
 * sides in Postgres' own renderings, and runs `manager.sql(...)` operations as they ran.
 */
import { existsSync } from 'node:fs'
import { checksumOf } from '../../core/operations/manager.js'
import type { DatabaseOption, Engine } from '../../runtime/engines/engine.js'
import { embeddedDirOf, openEngine } from '../../runtime/engines/open.js'
import { compareSchemas } from '../../runtime/drift/compare.js'
import type { Difference } from '../../runtime/drift/difference.js'
import { openScratchDatabase } from '../../runtime/drift/scratch.js'
import { DEFAULT_HISTORY_SCHEMA, historyTableExists, readHistory } from '../../runtime/history.js'
import { introspect, type PhysicalSchema } from '../../runtime/introspect.js'
import type { MigrationStatus } from '../../runtime/runner.js'
import { projectMigrator } from './apply.js'
import { expectedSchemaKey, readExpectedSchema, writeExpectedSchema } from './drift-cache.js'
import { renderedByLive } from './drift-views.js'
import { copyExtensions, expectedExtensions, type LiveExtension, liveExtensions } from './drift-extensions.js'
import type { RecordedProjectState } from './project-state.js'

export interface DriftReport {
  differences: Difference[]
  /** The migrations replayed: those the database records as ran. */
  replayed: { app: string; id: string }[]
  /** Migrations that make the comparison less certain: changed after they ran, stopped part-way, or without a file. */
  uncertain: MigrationStatus[]
  /** False when the embedded database was never created: there is nothing to compare. */
  exists: boolean
  /**
   * Where the expected schema was built (undefined: nothing ran, so nothing was built; 'cache': kept
   * from an earlier run with the same applied migrations, see drift-cache.ts).
   */
  scratch: 'server' | 'embedded' | 'cache' | undefined
}

export interface DriftOptions {
  /** The database to compare (default: the config's). */
  database?: DatabaseOption
  /** An engine already open on it (the dev server's): used as is, not closed. */
  engine?: Engine
  /**
   * Keep the expected schema under the project's cache folder and use it again while the applied
   * migrations are the same (the dev server, at every start). Default false.
   */
  cache?: boolean
}

const schemasSql = `select nspname::text as name from pg_namespace
 where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by 1`

/**
 * What the database records as ran and what it holds, read in one snapshot: a migration that
 * commits meanwhile (the app's own server migrating at start) is either in both or in neither.
 */
async function readLive(live: Engine, historySchema: string): Promise<{ ran: Set<string>; actual: PhysicalSchema }> {
  return live.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    const history = (await historyTableExists(tx, historySchema)) ? await readHistory(tx, historySchema) : []
    const { rows } = await tx.query<{ name: string }>(schemasSql)
    const actual = await introspect(tx, { schemas: rows.map((r) => r.name), historySchema })
    return { ran: new Set(history.map((row) => `${row.app} ${row.migrationId}`)), actual }
  })
}

/** `schema` with only what lies in `schemas`. */
function within(schema: PhysicalSchema, schemas: readonly string[]): PhysicalSchema {
  const keep = new Set(schemas)
  return {
    schemas: schema.schemas.filter((s) => keep.has(s)),
    tables: schema.tables.filter((t) => keep.has(t.schema)),
    enums: schema.enums.filter((e) => keep.has(e.schema)),
    extensions: schema.extensions,
    views: schema.views.filter((v) => keep.has(v.schema)),
    functions: schema.functions.filter((f) => keep.has(f.schema)),
  }
}

/** The schema the applied migrations build, read from a scratch database beside `live`. */
async function buildExpected(
  live: Engine,
  database: DatabaseOption,
  applied: RecordedProjectState,
  extensions: readonly LiveExtension[],
): Promise<{ expected: PhysicalSchema; where: 'server' | 'embedded' }> {
  const historySchema = applied.project.config.historySchema ?? DEFAULT_HISTORY_SCHEMA
  const scratch = await openScratchDatabase(live, database)
  try {
    await copyExtensions(extensions, scratch.engine)
    await projectMigrator(applied).migrate({ database: scratch.engine })
    const { rows } = await scratch.engine.query<{ name: string }>(schemasSql)
    const schemas = [...new Set(['public', ...rows.map((r) => r.name)])]
    const built = await introspect(scratch.engine, { schemas, historySchema })
    const expected = { ...built, extensions: await expectedExtensions(scratch.engine, applied, built) }
    return { expected, where: scratch.where }
  } finally {
    await scratch.close()
  }
}

/** Compares the database with what its applied migrations describe. The database is only read. */
export async function findDrift(replayed: RecordedProjectState, options: DriftOptions = {}): Promise<DriftReport> {
  const database = options.database ?? replayed.project.config.database
  const root = replayed.project.root
  const dir = options.engine ? undefined : embeddedDirOf(database, root)
  if (dir !== undefined && !existsSync(dir))
    return { differences: [], replayed: [], uncertain: [], exists: false, scratch: undefined }
  const live = options.engine ?? (await openEngine(database, { root }))
  try {
    const sound = replayed.apps.filter((a) => a.errors.length === 0)
    const historySchema = replayed.project.config.historySchema ?? DEFAULT_HISTORY_SCHEMA
    const { ran, actual } = await readLive(live, historySchema)
    const applied: RecordedProjectState = {
      ...replayed,
      apps: sound.map((a) => ({ ...a, migrations: a.migrations.filter((m) => ran.has(`${m.app} ${m.id}`)) })),
    }
    // For the warnings only: what was edited after it ran, stopped part-way, or lost its file.
    const status = await projectMigrator(replayed, { apps: sound.map((a) => a.app.name) }).status({ database: live })
    const replayedIds = applied.apps.flatMap((a) => a.migrations.map((m) => ({ app: m.app, id: m.id })))
    const uncertain = status.filter((s) => s.state === 'changed' || s.state === 'partial' || s.state === 'missing')
    if (replayedIds.length === 0) {
      // Nothing ran: the migrations describe an empty public schema, no scratch database needed.
      const nothing: PhysicalSchema = {
        schemas: ['public'],
        tables: [],
        enums: [],
        extensions: [],
        views: [],
        functions: [],
      }
      const differences = compareSchemas(within(actual, ['public']), nothing)
      return { differences, replayed: [], uncertain, exists: true, scratch: undefined }
    }
    const extensions = await liveExtensions(live)
    const key = options.cache
      ? expectedSchemaKey({
          engine: `${live.kind} ${(await live.query<{ v: string }>('show server_version')).rows[0]?.v ?? ''}`,
          migrations: applied.apps.flatMap((a) =>
            a.migrations.map((m) => ({ app: m.app, id: m.id, checksum: checksumOf(m.operations) })),
          ),
          extensions: extensions.map((e) => `${e.schema}.${e.name}`),
          historySchema,
        })
      : undefined
    const kept = key === undefined ? undefined : readExpectedSchema(root, key)
    const built = kept
      ? { expected: kept, where: 'cache' as const }
      : await buildExpected(live, database, applied, extensions)
    if (key !== undefined && !kept) writeExpectedSchema(root, key, built.expected)
    const expected = await renderedByLive(live, actual, built.expected)
    return {
      // Schemas the migrations made (and public) are those of the expected side.
      differences: compareSchemas(within(actual, expected.schemas), expected),
      replayed: replayedIds,
      uncertain,
      exists: true,
      scratch: built.where,
    }
  } finally {
    if (!options.engine) await live.close()
  }
}
