/**
 * `pull`: reads the tables of an existing database (runtime/introspect.ts and its index keys) and
 * turns them into the model's declarations (./pull-model.ts). Writing the files and the baseline
 * migration is the CLI's (cli/commands/pull.ts); this part only reads.
 */
import { AutoMigrationsError } from '../../errors.js'
import type { Engine } from '../../runtime/engines/engine.js'
import { introspectIndexKeys } from '../../runtime/introspect-keys.js'
import { introspect } from '../../runtime/introspect.js'
import { type PulledTables, pullTables } from './pull-model.js'

export interface ReadTablesOptions {
  schema: string
  /** Only these tables (by their names in the database); default: every table of the schema. */
  tables?: readonly string[] | undefined
  historySchema?: string | undefined
}

/**
 * The declarations of the tables of `options.schema` in the database.
 * @throws `PULL_UNSUPPORTED` listing everything the model cannot declare yet (nothing is written then),
 *   `USAGE` for a schema or a table that is not there.
 */
export async function readTables(engine: Engine, options: ReadTablesOptions): Promise<PulledTables> {
  const schema = await introspect(engine, {
    schemas: [options.schema],
    ...(options.historySchema ? { historySchema: options.historySchema } : {}),
  })
  if (schema.schemas.length === 0)
    throw new AutoMigrationsError('USAGE', `--schema ${options.schema}: the database has no such schema.`)
  if (options.tables) {
    const absent = options.tables.filter((name) => !schema.tables.some((t) => t.name === name))
    if (absent.length > 0)
      throw new AutoMigrationsError(
        'USAGE',
        `--tables: schema ${options.schema} has no table ${absent.join(', ')}. It has: ${schema.tables.map((t) => t.name).join(', ') || 'no tables'}.`,
      )
    schema.tables = schema.tables.filter((t) => options.tables!.includes(t.name))
  }
  // Views name tables that --tables may leave out: they are pulled with the whole schema only.
  const views = options.tables ? schema.views : []
  if (options.tables) schema.views = []
  if (schema.tables.length === 0)
    throw new AutoMigrationsError('USAGE', `Schema ${options.schema} has no tables to pull.`, {
      schema: options.schema,
    })
  const pulled = pullTables({ schema, indexKeys: await introspectIndexKeys(engine, [options.schema]) })
  for (const view of views) pulled.skipped.push(`view ${view.name}: views are pulled without --tables only`)
  if (pulled.unsupported.length > 0) {
    throw new AutoMigrationsError(
      'PULL_UNSUPPORTED',
      `Nothing was written: the model cannot declare yet\n${pulled.unsupported.map((line) => `  - ${line}`).join('\n')}\n` +
        'Leave those tables out with --tables, or change them in the database first.',
      { unsupported: pulled.unsupported },
    )
  }
  return pulled
}
