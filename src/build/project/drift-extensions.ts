/**
 * Extensions in drift. They belong to the database, not to a schema, and one made by hand before
 * the first migration is what the migrations stand on: the live database's extensions are created
 * in the scratch database first, and counted as expected when a migration creates them or what the
 * migrations built uses them; any other is reported as extra.
 */
import { extensionsAdded } from '../../core/operations/extensions.js'
import { quoteIdent } from '../../core/postgres/quote.js'
import type { Engine } from '../../runtime/engines/engine.js'
import type { PhysicalSchema } from '../../runtime/introspect.js'
import type { RecordedProjectState } from './project-state.js'

export interface LiveExtension {
  name: string
  schema: string
}

/** The live database's extensions (but plpgsql, which every database has). */
export async function liveExtensions(live: Engine): Promise<LiveExtension[]> {
  const { rows } = await live.query<LiveExtension>(
    `select e.extname::text as name, n.nspname::text as schema
       from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where e.extname <> 'plpgsql' order by 1`,
  )
  return rows
}

/**
 * The live database's extensions, created in the scratch one before the migrations run: one made by
 * hand before the first migration (citext, pg_trgm...) is what those migrations stand on. One the
 * scratch database cannot have is left out; the migration that needs it then fails, naming it.
 */
export async function copyExtensions(extensions: readonly LiveExtension[], scratch: Engine): Promise<void> {
  for (const { name, schema } of extensions) {
    try {
      await scratch.exec(
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)} WITH SCHEMA ${quoteIdent(schema)} CASCADE`,
      )
    } catch {
      // Not available there: see above.
    }
  }
}

/**
 * Extensions that some object of the schema (a column, an index, a default, a view, a constraint, a
 * trigger, a function) stands on. An extension's own operator entries depend on it too: only the
 * kinds of object a schema declares count.
 */
const usedExtensionsSql = `select distinct x.extname::text as name
  from pg_extension x
  join pg_depend member on member.refclassid = 'pg_extension'::regclass and member.refobjid = x.oid and member.deptype = 'e'
  join pg_depend used on used.refclassid = member.classid and used.refobjid = member.objid and used.deptype in ('n', 'a')
 where used.classid = any(array['pg_class', 'pg_rewrite', 'pg_attrdef', 'pg_constraint', 'pg_trigger', 'pg_proc', 'pg_type']::regclass[])
   and not exists (
   select 1 from pg_depend own where own.classid = used.classid and own.objid = used.objid and own.deptype = 'e')`

/**
 * The extensions migrations account for: those they create, and those made by hand before them that
 * what they built stands on (copied into the scratch database, see `copyExtensions`). Any other
 * extension of the live database was added beside the migrations: drift reports it as extra.
 */
export async function expectedExtensions(
  scratch: Engine,
  applied: RecordedProjectState,
  built: PhysicalSchema,
): Promise<PhysicalSchema['extensions']> {
  const created = new Set(extensionsAdded(applied.apps.flatMap((a) => a.migrations.flatMap((m) => m.operations))))
  const { rows } = await scratch.query<{ name: string }>(usedExtensionsSql)
  const used = new Set(rows.map((r) => r.name))
  return built.extensions.filter((e) => created.has(e.name) || used.has(e.name))
}
