/**
 * One comparer per kind of schema object. A comparer lists the objects of its kind in a schema (or
 * in a table), keys them, describes one in a few words, and names the attributes that must be
 * equal. Adding a kind of object is one more comparer here, and its introspection in ../introspect.ts.
 */
import type {
  PhysicalCheck,
  PhysicalColumn,
  PhysicalEnum,
  PhysicalExclusion,
  PhysicalExtension,
  PhysicalForeignKey,
  PhysicalFunction,
  PhysicalIndex,
  PhysicalPrimaryKey,
  PhysicalSchema,
  PhysicalTable,
  PhysicalTrigger,
  PhysicalUnique,
  PhysicalView,
} from '../introspect.js'
import type { DriftObject } from './difference.js'

/** An attribute compared as text: its label in messages and its value (null: none). */
export interface Attribute {
  label: string
  value: string | null
  /**
   * A text too long for one line (a query, a function's body): the message says only that it
   * differs (`view active_account: query differs`); both texts stay in the difference.
   */
  long?: boolean
}

export interface Comparer<T> {
  object: DriftObject
  /** The key that pairs an object of the database with one of the migrations. */
  key(item: T): string
  /** The name shown for it (`post.views`, `post_title_idx`). */
  name(item: T): string
  /** A few words for an extra or missing one: `integer, null`. Empty: nothing to add. */
  describe(item: T): string
  /** The attributes that must be equal, in the order they are reported. */
  attributes(item: T): Attribute[]
}

/** Comparers of what a schema holds directly; `tables` also yields each table's own comparers. */
export interface SchemaComparer<T> extends Comparer<T> {
  list(schema: PhysicalSchema): T[]
}

export interface TableComparer<T> extends Comparer<T> {
  list(table: PhysicalTable): T[]
}

/** `post` in public, `blog.post` elsewhere: what a user calls a table. */
export function tableLabel(table: { schema: string; name: string }): string {
  return table.schema === 'public' ? table.name : `${table.schema}.${table.name}`
}

const nullText = (nullable: boolean) => (nullable ? 'null' : 'not null')

const deferrable = (c: { deferrable: boolean; initiallyDeferred: boolean }) =>
  c.initiallyDeferred ? 'deferrable initially deferred' : c.deferrable ? 'deferrable' : 'not deferrable'

/** The index definition without `CREATE INDEX name ON table`: what the index is, not what it's called. */
function indexBody(index: PhysicalIndex): string {
  return index.definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, index.unique ? 'UNIQUE ' : '')
}

export const schemaComparer: SchemaComparer<string> = {
  object: 'schema',
  list: (schema) => schema.schemas,
  key: (name) => name,
  name: (name) => name,
  describe: () => '',
  attributes: () => [],
}

export const enumComparer: SchemaComparer<PhysicalEnum> = {
  object: 'enum',
  list: (schema) => schema.enums,
  key: (e) => `${e.schema}.${e.name}`,
  name: tableLabel,
  describe: (e) => e.values.join(', '),
  attributes: (e) => [{ label: 'values', value: `(${e.values.join(', ')})` }],
}

export const tableComparer: SchemaComparer<PhysicalTable> = {
  object: 'table',
  list: (schema) => schema.tables,
  key: (t) => `${t.schema}.${t.name}`,
  name: tableLabel,
  describe: (t) => `${t.columns.length} column${t.columns.length === 1 ? '' : 's'}`,
  attributes: (t) => [
    { label: 'partitioned', value: t.partitioned ? 'partitioned' : 'not partitioned' },
    { label: 'comment', value: t.comment },
  ],
}

export const extensionComparer: SchemaComparer<PhysicalExtension> = {
  object: 'extension',
  list: (schema) => schema.extensions,
  key: (e) => e.name,
  name: (e) => e.name,
  describe: () => '',
  attributes: (e) => [{ label: 'schema', value: e.schema }],
}

/** Views or materialized views, by their query as Postgres renders it back. */
function viewComparer(materialized: boolean): SchemaComparer<PhysicalView> {
  return {
    object: materialized ? 'materialized view' : 'view',
    list: (schema) => schema.views.filter((v) => v.materialized === materialized),
    key: (v) => `${v.schema}.${v.name}`,
    name: tableLabel,
    describe: () => '',
    attributes: (v) => [{ label: 'query', value: v.definition.trim(), long: true }],
  }
}

/** `touch_updated_at()`, `stats.total(a integer)`: a function is its name and its argument types. */
const functionLabel = (f: PhysicalFunction) => `${tableLabel(f)}(${f.arguments})`

export const functionComparer: SchemaComparer<PhysicalFunction> = {
  object: 'function',
  list: (schema) => schema.functions,
  key: (f) => `${f.schema}.${f.name}(${f.arguments})`,
  name: functionLabel,
  describe: () => '',
  attributes: (f) => [{ label: 'definition', value: f.definition.trim(), long: true }],
}

/** The indexes of a table or a materialized view (`label`, in `schema`). */
export function indexComparer(label: string, schema: string): TableComparer<PhysicalIndex> {
  return {
    object: 'index',
    list: (t) => t.indexes,
    key: (i) => i.name,
    // Index names are unique in their schema: the table is only said when it is missing or extra.
    name: (i) => (schema === 'public' ? i.name : `${schema}.${i.name}`),
    describe: (i) => `on ${label} ${indexBody(i)}`,
    attributes: (i) => [
      { label: 'definition', value: indexBody(i) },
      { label: 'valid', value: i.valid ? 'valid' : 'INVALID' },
    ],
  }
}

/** Comparers of what one table holds; their names are qualified by the table where they need it. */
export function tableComparers(table: PhysicalTable): TableComparer<unknown>[] {
  const label = tableLabel(table)
  const columns: TableComparer<PhysicalColumn> = {
    object: 'column',
    list: (t) => t.columns,
    key: (c) => c.name,
    name: (c) => `${label}.${c.name}`,
    describe: (c) => [c.type, nullText(c.nullable), ...(c.default === null ? [] : [`default ${c.default}`])].join(', '),
    attributes: (c) => [
      { label: 'type', value: c.type },
      { label: 'null', value: nullText(c.nullable) },
      { label: 'default', value: c.default },
      { label: 'identity', value: c.identity },
      { label: 'generated', value: c.generated },
      { label: 'collation', value: c.collation },
      { label: 'comment', value: c.comment },
    ],
  }
  const primaryKey: TableComparer<PhysicalPrimaryKey> = {
    object: 'primary key',
    list: (t) => (t.primaryKey ? [t.primaryKey] : []),
    // A table has one primary key whatever it is called: a new name is a change, not a drop and an add.
    key: () => 'primary key',
    name: () => label,
    describe: (k) => `${k.name} (${k.columns.join(', ')})`,
    attributes: (k) => [
      { label: 'columns', value: `(${k.columns.join(', ')})` },
      { label: 'name', value: k.name },
    ],
  }
  const uniques: TableComparer<PhysicalUnique> = {
    object: 'unique constraint',
    list: (t) => t.uniques,
    key: (u) => u.name,
    name: (u) => u.name,
    describe: (u) => `on ${label} (${u.columns.join(', ')})`,
    attributes: (u) => [
      { label: 'columns', value: `(${u.columns.join(', ')})` },
      { label: 'nulls', value: u.nullsDistinct ? 'distinct' : 'not distinct' },
      { label: 'deferrable', value: deferrable(u) },
    ],
  }
  const checks: TableComparer<PhysicalCheck> = {
    object: 'check constraint',
    list: (t) => t.checks,
    key: (c) => c.name,
    name: (c) => c.name,
    describe: (c) => `on ${label} ${c.definition}`,
    attributes: (c) => [{ label: 'definition', value: c.definition }],
  }
  const foreignKeys: TableComparer<PhysicalForeignKey> = {
    object: 'foreign key',
    list: (t) => t.foreignKeys,
    key: (f) => f.name,
    name: (f) => f.name,
    describe: (f) =>
      `on ${label} (${f.columns.join(', ')}) -> ${tableLabel({ schema: f.referencedSchema, name: f.referencedTable })}`,
    attributes: (f) => [
      { label: 'columns', value: `(${f.columns.join(', ')})` },
      {
        label: 'references',
        value: `${tableLabel({ schema: f.referencedSchema, name: f.referencedTable })} (${f.referencedColumns.join(', ')})`,
      },
      { label: 'on delete', value: f.onDelete },
      { label: 'on update', value: f.onUpdate },
      { label: 'match', value: f.match },
      { label: 'deferrable', value: deferrable(f) },
      { label: 'validated', value: f.validated ? 'validated' : 'not valid' },
    ],
  }
  const exclusions: TableComparer<PhysicalExclusion> = {
    object: 'exclusion constraint',
    list: (t) => t.exclusions,
    key: (x) => x.name,
    name: (x) => x.name,
    describe: (x) => `on ${label} ${x.definition}`,
    attributes: (x) => [{ label: 'definition', value: x.definition }],
  }
  const triggers: TableComparer<PhysicalTrigger> = {
    object: 'trigger',
    list: (t) => t.triggers,
    key: (t) => t.name,
    name: (t) => `${t.name} on ${label}`,
    describe: () => '',
    attributes: (t) => [{ label: 'definition', value: t.definition, long: true }],
  }
  return [
    columns,
    primaryKey,
    uniques,
    checks,
    foreignKeys,
    exclusions,
    indexComparer(label, table.schema),
    triggers,
  ] as TableComparer<unknown>[]
}

/** What a schema holds directly, in the order differences are reported. */
export const SCHEMA_COMPARERS: readonly SchemaComparer<unknown>[] = [
  schemaComparer,
  extensionComparer,
  enumComparer,
  tableComparer,
  viewComparer(false),
  viewComparer(true),
  functionComparer,
] as SchemaComparer<unknown>[]
