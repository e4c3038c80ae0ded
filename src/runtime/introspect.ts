/**
 * Reads the schema that is actually in a database (the "physical schema"), as plain data.
 *
 * Used to check that a migration produced what the snapshot says, and by tests. It must give
 * identical results on Postgres 15 (servers) and PGlite (Postgres 18), so:
 * - everything is read from pg_catalog (information_schema names differ between versions);
 * - Postgres 18's NOT NULL constraints (pg_constraint contype 'n') are ignored: nullability is read
 *   from pg_attribute.attnotnull, which both versions keep;
 * - types, defaults and definitions are Postgres' own renderings (format_type, pg_get_expr,
 *   pg_get_constraintdef, pg_get_indexdef), so they compare as Postgres normalises them;
 * - arrays are returned as text[] (both drivers parse text[], not name[] or int2[]) and every list
 *   is sorted here by code unit, independent of the server's collation.
 * Partitions, objects owned by extensions and the history table are left out. Views, functions and
 * triggers are kept as Postgres renders them back (pg_get_viewdef, pg_get_functiondef,
 * pg_get_triggerdef): two databases built the same way render them the same.
 */
import type { Queryable } from './engines/engine.js'
import { LOCK_TABLE } from './engines/lease.js'
import { HISTORY_TABLE, PROGRESS_TABLE } from './history.js'

export type ForeignKeyAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default'

export interface PhysicalColumn {
  name: string
  /** `format_type`: 'character varying(255)', 'numeric(10,2)', 'text[]', 'mood' (schema-qualified when not on the search_path). */
  type: string
  nullable: boolean
  /** The default as Postgres normalises it (`''::character varying`, `now()`), or null. */
  default: string | null
  /** `default nextval(...)` of a sequence owned by this column: what `serial`/`bigserial` create. */
  serial: boolean
  identity: 'always' | 'by default' | null
  /** The expression of a generated column, or null. */
  generated: string | null
  /** The column's collation when it differs from its type's default, or null. */
  collation: string | null
  /** COMMENT ON COLUMN, or null. */
  comment: string | null
}

export interface PhysicalPrimaryKey {
  name: string
  columns: string[]
}

export interface PhysicalUnique {
  name: string
  columns: string[]
  nullsDistinct: boolean
  /** INCLUDE columns. */
  include: string[]
  deferrable: boolean
  initiallyDeferred: boolean
}

export interface PhysicalCheck {
  name: string
  /** The bare expression, e.g. `(views >= 0)`. */
  expression: string
  /** pg_get_constraintdef, e.g. `CHECK ((views >= 0))` (with `NOT VALID` when not validated). */
  definition: string
}

export interface PhysicalForeignKey {
  name: string
  columns: string[]
  referencedSchema: string
  referencedTable: string
  referencedColumns: string[]
  onDelete: ForeignKeyAction
  onUpdate: ForeignKeyAction
  match: 'simple' | 'full' | 'partial'
  deferrable: boolean
  initiallyDeferred: boolean
  validated: boolean
}

export interface PhysicalExclusion {
  name: string
  /** pg_get_constraintdef: `EXCLUDE USING gist (room WITH =, during WITH &&)`. */
  definition: string
  /** The access method of its index. */
  method: string
  /** Each element's operator, in order (its keys are its index's, see introspect-keys.ts). */
  operators: string[]
  include: string[]
  /** The WHERE predicate, or null. */
  predicate: string | null
  deferrable: boolean
  initiallyDeferred: boolean
}

/** An index that does not back a primary key, unique or exclusion constraint. */
export interface PhysicalIndex {
  name: string
  unique: boolean
  /** Access method: btree, hash, gin, gist, brin… */
  method: string
  /** pg_get_indexdef: the full CREATE INDEX statement as Postgres renders it. */
  definition: string
  /** Key columns or expressions (without order or operator class; those are in `definition`). */
  keys: string[]
  /** INCLUDE columns. */
  include: string[]
  /** The partial-index predicate, or null. */
  predicate: string | null
  nullsDistinct: boolean
  /** False for an index left INVALID by a failed CREATE INDEX CONCURRENTLY. */
  valid: boolean
}

export interface PhysicalTable {
  schema: string
  name: string
  partitioned: boolean
  /** COMMENT ON TABLE, or null. */
  comment: string | null
  /** In attnum order (the order of CREATE TABLE and ADD COLUMN). */
  columns: PhysicalColumn[]
  primaryKey: PhysicalPrimaryKey | null
  uniques: PhysicalUnique[]
  checks: PhysicalCheck[]
  foreignKeys: PhysicalForeignKey[]
  exclusions: PhysicalExclusion[]
  indexes: PhysicalIndex[]
  /** Triggers that a user made (not the internal ones behind foreign keys). */
  triggers: PhysicalTrigger[]
}

export interface PhysicalTrigger {
  name: string
  /** pg_get_triggerdef: `CREATE TRIGGER name BEFORE UPDATE ON public.account FOR EACH ROW EXECUTE FUNCTION fn()`. */
  definition: string
}

/** An extension of the database (they are database-wide: read whatever schemas are asked for). */
export interface PhysicalExtension {
  name: string
  schema: string
}

export interface PhysicalView {
  schema: string
  name: string
  materialized: boolean
  /** pg_get_viewdef, pretty-printed: the SELECT as Postgres keeps it. */
  definition: string
  /** Materialized views only. */
  indexes: PhysicalIndex[]
}

export interface PhysicalFunction {
  schema: string
  name: string
  /** pg_get_function_identity_arguments: `a integer, b text`, or empty. */
  arguments: string
  /** pg_get_functiondef: the whole `CREATE OR REPLACE FUNCTION` statement. */
  definition: string
}

export interface PhysicalEnum {
  schema: string
  name: string
  /** In sort order. */
  values: string[]
}

export interface PhysicalSchema {
  /** The requested schemas that exist. */
  schemas: string[]
  tables: PhysicalTable[]
  enums: PhysicalEnum[]
  extensions: PhysicalExtension[]
  views: PhysicalView[]
  functions: PhysicalFunction[]
}

export interface IntrospectOptions {
  schemas: string[]
  /**
   * The schema of the history table to leave out. Default: a table named `auto_migrations` is left
   * out in every schema.
   */
  historySchema?: string
}

/** Code-unit order: deterministic whatever the locale or the server's collation. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return compare(a.name, b.name)
}

const FK_ACTIONS: Record<string, ForeignKeyAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

const FK_MATCH: Record<string, PhysicalForeignKey['match']> = { s: 'simple', f: 'full', p: 'partial' }

/**
 * The tables to read: ordinary and partitioned tables in the requested schemas, not partitions,
 * not owned by an extension, not the runner's own tables (history, progress, lock). $1: schemas, $2: history schema or null.
 */
const TABLE_FILTER = `
  c.relkind in ('r', 'p') and not c.relispartition
  and n.nspname = any($1::text[])
  and not (c.relname in ('${HISTORY_TABLE}', '${PROGRESS_TABLE}', '${LOCK_TABLE}') and ($2::text is null or n.nspname = $2::text))
  and not exists (
    select 1 from pg_depend e
     where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')`

const TABLES_SQL = `
select n.nspname::text as schema, c.relname::text as name, c.relkind = 'p' as partitioned,
       obj_description(c.oid, 'pg_class') as comment
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where ${TABLE_FILTER}`

const COLUMNS_SQL = `
select n.nspname::text as schema, c.relname::text as table, a.attname::text as name, a.attnum::int as attnum,
       format_type(a.atttypid, a.atttypmod) as type,
       not a.attnotnull as nullable,
       case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end as default,
       case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end as generated,
       a.attidentity::text as identity,
       exists (
         select 1 from pg_depend dep join pg_class s on s.oid = dep.objid and s.relkind = 'S'
          where dep.classid = 'pg_class'::regclass and dep.refclassid = 'pg_class'::regclass
            and dep.refobjid = c.oid and dep.refobjsubid = a.attnum and dep.deptype = 'a'
       ) as owns_sequence,
       case when a.attcollation <> t.typcollation
            then (select co.collname::text from pg_collation co where co.oid = a.attcollation) end as collation,
       col_description(c.oid, a.attnum) as comment
  from pg_attribute a
  join pg_class c on c.oid = a.attrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_type t on t.oid = a.atttypid
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where a.attnum > 0 and not a.attisdropped and ${TABLE_FILTER}`

const CONSTRAINTS_SQL = `
select n.nspname::text as schema, c.relname::text as table, con.conname::text as name, con.contype::text as type,
       array(select a.attname::text
               from unnest(con.conkey) with ordinality k(attnum, ord)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
              order by k.ord) as columns,
       pg_get_constraintdef(con.oid) as definition,
       case when con.contype = 'c' then pg_get_expr(con.conbin, con.conrelid) end as expression,
       fn.nspname::text as ref_schema, fc.relname::text as ref_table,
       array(select a.attname::text
               from unnest(con.confkey) with ordinality k(attnum, ord)
               join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
              order by k.ord) as ref_columns,
       con.confdeltype::text as on_delete, con.confupdtype::text as on_update,
       con.confmatchtype::text as match,
       con.condeferrable as deferrable, con.condeferred as initially_deferred,
       con.convalidated as validated,
       coalesce(i.indnullsnotdistinct, false) as nulls_not_distinct,
       array(select pg_get_indexdef(i.indexrelid, k, true)
               from generate_series(i.indnkeyatts::int + 1, i.indnatts::int) k order by k) as include,
       array(select o.oprname::text
               from unnest(con.conexclop) with ordinality x(op, ord)
               join pg_operator o on o.oid = x.op
              order by x.ord) as operators,
       (select am.amname::text from pg_class ic join pg_am am on am.oid = ic.relam where ic.oid = con.conindid) as method,
       case when con.contype = 'x' then pg_get_expr(i.indpred, i.indrelid) end as predicate
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_class fc on fc.oid = con.confrelid
  left join pg_namespace fn on fn.oid = fc.relnamespace
  left join pg_index i on i.indexrelid = con.conindid and con.contype in ('u', 'x')
 where con.contype in ('p', 'u', 'c', 'f', 'x') and ${TABLE_FILTER}`

/** Indexes of the relations `filter` selects (tables, or materialized views). */
const indexesSql = (filter: string) => `
select n.nspname::text as schema, c.relname::text as table, ic.relname::text as name,
       i.indisunique as unique, am.amname::text as method,
       pg_get_indexdef(i.indexrelid) as definition,
       pg_get_expr(i.indpred, i.indrelid) as predicate,
       array(select pg_get_indexdef(i.indexrelid, k, true)
               from generate_series(1, i.indnkeyatts::int) k order by k) as keys,
       array(select pg_get_indexdef(i.indexrelid, k, true)
               from generate_series(i.indnkeyatts::int + 1, i.indnatts::int) k order by k) as include,
       i.indnullsnotdistinct as nulls_not_distinct,
       i.indisvalid as valid
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_am am on am.oid = ic.relam
  join pg_class c on c.oid = i.indrelid
  join pg_namespace n on n.oid = c.relnamespace
 where not exists (
         select 1 from pg_constraint con
          where con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x'))
   and ${filter}`

const NOT_FROM_EXTENSION = (catalog: string, oid: string) => `not exists (
    select 1 from pg_depend e
     where e.classid = '${catalog}'::regclass and e.objid = ${oid} and e.deptype = 'e')`

/** Views and materialized views in the requested schemas ($1), not made by an extension. */
const VIEW_FILTER = `c.relkind in ('v', 'm') and n.nspname = any($1::text[]) and ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`

const VIEWS_SQL = `
select n.nspname::text as schema, c.relname::text as name, c.relkind = 'm' as materialized,
       pg_get_viewdef(c.oid, true) as definition
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where ${VIEW_FILTER}`

const EXTENSIONS_SQL = `
select e.extname::text as name, n.nspname::text as schema
  from pg_extension e join pg_namespace n on n.oid = e.extnamespace
 where e.extname <> 'plpgsql'`

/** Functions and procedures (not aggregates, which pg_get_functiondef does not render). */
const FUNCTIONS_SQL = `
select n.nspname::text as schema, p.proname::text as name,
       pg_get_function_identity_arguments(p.oid) as arguments,
       pg_get_functiondef(p.oid) as definition
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where p.prokind in ('f', 'p') and n.nspname = any($1::text[]) and ${NOT_FROM_EXTENSION('pg_proc', 'p.oid')}`

const TRIGGERS_SQL = `
select n.nspname::text as schema, c.relname::text as table, t.tgname::text as name,
       pg_get_triggerdef(t.oid) as definition
  from pg_trigger t
  join pg_class c on c.oid = t.tgrelid
  join pg_namespace n on n.oid = c.relnamespace
 where not t.tgisinternal and ${TABLE_FILTER}`

const ENUMS_SQL = `
select n.nspname::text as schema, t.typname::text as name,
       array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder) as values
  from pg_type t join pg_namespace n on n.oid = t.typnamespace
 where t.typtype = 'e' and n.nspname = any($1::text[])
   and not exists (
     select 1 from pg_depend e
      where e.classid = 'pg_type'::regclass and e.objid = t.oid and e.deptype = 'e')`

const SCHEMAS_SQL = 'select nspname::text as name from pg_namespace where nspname = any($1::text[])'

interface TableKey {
  schema: string
  table: string
}

interface ColumnRow extends TableKey {
  name: string
  attnum: number
  type: string
  nullable: boolean
  default: string | null
  generated: string | null
  identity: string
  owns_sequence: boolean
  collation: string | null
  comment: string | null
}

interface ConstraintRow extends TableKey {
  name: string
  type: 'p' | 'u' | 'c' | 'f' | 'x'
  columns: string[]
  definition: string
  expression: string | null
  ref_schema: string | null
  ref_table: string | null
  ref_columns: string[]
  on_delete: string
  on_update: string
  match: string
  deferrable: boolean
  initially_deferred: boolean
  validated: boolean
  nulls_not_distinct: boolean
  include: string[]
  operators: string[]
  method: string | null
  predicate: string | null
}

interface IndexRow extends TableKey {
  name: string
  unique: boolean
  method: string
  definition: string
  predicate: string | null
  keys: string[]
  include: string[]
  nulls_not_distinct: boolean
  valid: boolean
}

/**
 * The tables (with columns, keys, constraints and indexes) and enums of `schemas`, sorted
 * deterministically. Reads only; safe to run inside a transaction.
 */
export async function introspect(q: Queryable, options: IntrospectOptions): Promise<PhysicalSchema> {
  const params = [options.schemas, options.historySchema ?? null]
  // One statement at a time: a Queryable may be a transaction, which runs statements in order anyway.
  const schemaRows = await q.query<{ name: string }>(SCHEMAS_SQL, [options.schemas])
  const tableRows = await q.query<{ schema: string; name: string; partitioned: boolean; comment: string | null }>(
    TABLES_SQL,
    params,
  )
  const columnRows = await q.query<ColumnRow>(COLUMNS_SQL, params)
  const constraintRows = await q.query<ConstraintRow>(CONSTRAINTS_SQL, params)
  const indexRows = await q.query<IndexRow>(indexesSql(TABLE_FILTER), params)
  const enumRows = await q.query<{ schema: string; name: string; values: string[] }>(ENUMS_SQL, [options.schemas])
  const triggerRows = await q.query<TableKey & PhysicalTrigger>(TRIGGERS_SQL, params)
  const extensionRows = await q.query<PhysicalExtension>(EXTENSIONS_SQL)
  const viewRows = await q.query<Omit<PhysicalView, 'indexes'>>(VIEWS_SQL, [options.schemas])
  const viewIndexRows = await q.query<IndexRow>(indexesSql(VIEW_FILTER), [options.schemas])
  const functionRows = await q.query<PhysicalFunction>(FUNCTIONS_SQL, [options.schemas])

  const tables = new Map<string, PhysicalTable>()
  const keyOf = (schema: string, table: string): string => JSON.stringify([schema, table])
  for (const row of tableRows.rows) {
    tables.set(keyOf(row.schema, row.name), {
      schema: row.schema,
      name: row.name,
      partitioned: row.partitioned,
      comment: row.comment,
      columns: [],
      primaryKey: null,
      uniques: [],
      checks: [],
      foreignKeys: [],
      exclusions: [],
      indexes: [],
      triggers: [],
    })
  }
  const tableOf = (row: TableKey): PhysicalTable | undefined => tables.get(keyOf(row.schema, row.table))

  const columnsInOrder = [...columnRows.rows].sort((a, b) => a.attnum - b.attnum)
  for (const row of columnsInOrder) {
    tableOf(row)?.columns.push({
      name: row.name,
      type: row.type,
      nullable: row.nullable,
      default: row.default,
      serial: row.owns_sequence && row.default?.startsWith('nextval(') === true,
      identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : null,
      generated: row.generated,
      collation: row.collation,
      comment: row.comment,
    })
  }

  for (const row of constraintRows.rows) {
    const table = tableOf(row)
    if (!table) continue
    switch (row.type) {
      case 'p':
        table.primaryKey = { name: row.name, columns: row.columns }
        break
      case 'u':
        table.uniques.push({
          name: row.name,
          columns: row.columns,
          nullsDistinct: !row.nulls_not_distinct,
          include: row.include,
          deferrable: row.deferrable,
          initiallyDeferred: row.initially_deferred,
        })
        break
      case 'c':
        table.checks.push({ name: row.name, expression: row.expression ?? '', definition: row.definition })
        break
      case 'f':
        table.foreignKeys.push({
          name: row.name,
          columns: row.columns,
          referencedSchema: row.ref_schema ?? '',
          referencedTable: row.ref_table ?? '',
          referencedColumns: row.ref_columns,
          onDelete: FK_ACTIONS[row.on_delete] ?? 'no action',
          onUpdate: FK_ACTIONS[row.on_update] ?? 'no action',
          match: FK_MATCH[row.match] ?? 'simple',
          deferrable: row.deferrable,
          initiallyDeferred: row.initially_deferred,
          validated: row.validated,
        })
        break
      case 'x':
        table.exclusions.push({
          name: row.name,
          definition: row.definition,
          method: row.method ?? 'gist',
          operators: row.operators,
          include: row.include,
          predicate: row.predicate,
          deferrable: row.deferrable,
          initiallyDeferred: row.initially_deferred,
        })
        break
    }
  }

  for (const row of indexRows.rows) tableOf(row)?.indexes.push(indexOf(row))
  for (const row of triggerRows.rows) tableOf(row)?.triggers.push({ name: row.name, definition: row.definition })

  const views = new Map<string, PhysicalView>()
  for (const row of viewRows.rows)
    views.set(keyOf(row.schema, row.name), {
      schema: row.schema,
      name: row.name,
      materialized: row.materialized,
      definition: row.definition,
      indexes: [],
    })
  for (const row of viewIndexRows.rows) views.get(keyOf(row.schema, row.table))?.indexes.push(indexOf(row))

  const sortedTables = [...tables.values()].sort((a, b) => compare(a.schema, b.schema) || compare(a.name, b.name))
  for (const table of sortedTables) {
    table.uniques.sort(byName)
    table.checks.sort(byName)
    table.foreignKeys.sort(byName)
    table.exclusions.sort(byName)
    table.indexes.sort(byName)
    table.triggers.sort(byName)
  }
  const bySchemaAndName = (a: { schema: string; name: string }, b: { schema: string; name: string }) =>
    compare(a.schema, b.schema) || compare(a.name, b.name)
  const sortedViews = [...views.values()].sort(bySchemaAndName)
  for (const view of sortedViews) view.indexes.sort(byName)

  return {
    schemas: schemaRows.rows.map((row) => row.name).sort(compare),
    tables: sortedTables,
    enums: enumRows.rows
      .map((row) => ({ schema: row.schema, name: row.name, values: row.values }))
      .sort(bySchemaAndName),
    extensions: extensionRows.rows.map((row) => ({ name: row.name, schema: row.schema })).sort(byName),
    views: sortedViews,
    functions: functionRows.rows
      .map((row) => ({ schema: row.schema, name: row.name, arguments: row.arguments, definition: row.definition }))
      .sort((a, b) => bySchemaAndName(a, b) || compare(a.arguments, b.arguments)),
  }
}

function indexOf(row: IndexRow): PhysicalIndex {
  return {
    name: row.name,
    unique: row.unique,
    method: row.method,
    definition: row.definition,
    keys: row.keys,
    include: row.include,
    predicate: row.predicate,
    nullsDistinct: !row.nulls_not_distinct,
    valid: row.valid,
  }
}

/** One table of a physical schema, or undefined. */
export function findTable(schema: PhysicalSchema, tableSchema: string, name: string): PhysicalTable | undefined {
  return schema.tables.find((table) => table.schema === tableSchema && table.name === name)
}
