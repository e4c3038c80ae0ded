import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureHistoryTable } from '../../src/runtime/history.js'
import { findTable, introspect, type PhysicalSchema } from '../../src/runtime/introspect.js'
import { freshEngine } from '../helpers/databases.js'

/** 63 bytes exactly: Postgres' limit, kept whole. */
const LONG = 'a_table_name_that_is_exactly_sixty_three_bytes_long_xxxxxxxxxxx'
const LONG_COLUMN = 'a_column_name_that_is_exactly_sixty_three_bytes_long_yyyyyyyyyy'

const DDL = `
create type "Mood" as enum ('sad', 'ok', 'happy');
create schema "Sales";
create type "Sales".status as enum ('draft', 'paid', 'void');

create table "Author" (
  id serial primary key,
  "Name" varchar(255) not null default '',
  email text,
  created_at timestamptz not null default now(),
  constraint "Author_email_key" unique nulls not distinct (email)
);

create table "order" (
  id bigserial primary key,
  "authorId" integer not null references "Author" (id) on delete cascade,
  total numeric(10,2) not null default 0,
  mood "Mood",
  tags text[] not null default '{}',
  "select" boolean default true,
  code char(3),
  constraint order_total_check check (total >= 0 and total < 100000),
  constraint order_author_total_key unique ("authorId", total)
);
create index order_lower_tag_idx on "order" (lower(tags[1]), "authorId" desc) where mood is not null;
create index order_tags_gin on "order" using gin (tags);
create index order_author_covering on "order" ("authorId") include (total);
create unique index order_code_uniq on "order" (code) nulls not distinct where code is not null;

create table "Sales".${LONG} (
  ${LONG_COLUMN} integer generated always as identity,
  "order" bigint references "order" (id) on update cascade on delete set null deferrable initially deferred,
  state "Sales".status not null default 'draft',
  note text collate "C",
  primary key (${LONG_COLUMN})
);
`

describe('introspection on Postgres 15 and PGlite (Postgres 18)', () => {
  const results: Partial<Record<'pg' | 'pglite', PhysicalSchema>> = {}
  const notNullConstraints: Partial<Record<'pg' | 'pglite', number>> = {}
  const cleanups: Array<() => Promise<void>> = []

  beforeAll(async () => {
    await Promise.all(
      (['pg', 'pglite'] as const).map(async (kind) => {
        const { engine, cleanup } = await freshEngine(kind)
        cleanups.push(cleanup)
        await engine.exec(DDL)
        await ensureHistoryTable(engine, 'public')
        results[kind] = await introspect(engine, { schemas: ['public', 'Sales', 'absent'] })
        const { rows } = await engine.query<{ n: number }>(
          `select count(*)::int as n from pg_constraint where contype = 'n'`,
        )
        notNullConstraints[kind] = rows[0]?.n ?? 0
      }),
    )
  })
  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()))
  })

  it('gives deep-equal results on both engines (NOT NULL constraints of PG 18 ignored)', () => {
    expect(results.pglite?.tables).toHaveLength(3)
    // The difference being ignored is real: PG 18 lists NOT NULL as constraints, PG 15 does not.
    expect(notNullConstraints.pg).toBe(0)
    expect(notNullConstraints.pglite).toBeGreaterThan(0)
    expect(results.pglite).toEqual(results.pg)
  })

  it('lists the requested schemas that exist, the enums in value order, and hides the history table', () => {
    const schema = results.pg as PhysicalSchema
    expect(schema.schemas).toEqual(['Sales', 'public'])
    expect(schema.enums).toEqual([
      { schema: 'Sales', name: 'status', values: ['draft', 'paid', 'void'] },
      { schema: 'public', name: 'Mood', values: ['sad', 'ok', 'happy'] },
    ])
    expect(schema.tables.map((t) => `${t.schema}.${t.name}`)).toEqual([
      `Sales.${LONG}`,
      'public.Author',
      'public.order',
    ])
  })

  it('reads columns in order with Postgres’ types and normalised defaults, and tells serials apart', () => {
    const author = findTable(results.pg as PhysicalSchema, 'public', 'Author')
    expect(author?.columns).toEqual([
      {
        name: 'id',
        type: 'integer',
        nullable: false,
        default: `nextval('"Author_id_seq"'::regclass)`,
        serial: true,
        identity: null,
        generated: null,
        collation: null,
        comment: null,
      },
      {
        name: 'Name',
        type: 'character varying(255)',
        nullable: false,
        default: `''::character varying`,
        serial: false,
        identity: null,
        generated: null,
        collation: null,
        comment: null,
      },
      {
        name: 'email',
        type: 'text',
        nullable: true,
        default: null,
        serial: false,
        identity: null,
        generated: null,
        collation: null,
        comment: null,
      },
      {
        name: 'created_at',
        type: 'timestamp with time zone',
        nullable: false,
        default: 'now()',
        serial: false,
        identity: null,
        generated: null,
        collation: null,
        comment: null,
      },
    ])
    const order = findTable(results.pg as PhysicalSchema, 'public', 'order')
    expect(order?.columns.map((c) => [c.name, c.type, c.nullable, c.default, c.serial])).toEqual([
      ['id', 'bigint', false, `nextval('order_id_seq'::regclass)`, true],
      ['authorId', 'integer', false, null, false],
      ['total', 'numeric(10,2)', false, '0', false],
      ['mood', '"Mood"', true, null, false],
      ['tags', 'text[]', false, `'{}'::text[]`, false],
      ['select', 'boolean', true, 'true', false],
      ['code', 'character(3)', true, null, false],
    ])
  })

  it('reads keys, unique constraints (NULLS NOT DISTINCT), checks and foreign keys with their actions', () => {
    const schema = results.pg as PhysicalSchema
    const author = findTable(schema, 'public', 'Author')
    expect(author?.primaryKey).toEqual({ name: 'Author_pkey', columns: ['id'] })
    expect(author?.uniques).toEqual([
      {
        name: 'Author_email_key',
        columns: ['email'],
        nullsDistinct: false,
        include: [],
        deferrable: false,
        initiallyDeferred: false,
      },
    ])
    const order = findTable(schema, 'public', 'order')
    expect(order?.uniques).toEqual([
      {
        name: 'order_author_total_key',
        columns: ['authorId', 'total'],
        nullsDistinct: true,
        include: [],
        deferrable: false,
        initiallyDeferred: false,
      },
    ])
    expect(order?.checks).toEqual([
      {
        name: 'order_total_check',
        expression: '((total >= (0)::numeric) AND (total < (100000)::numeric))',
        definition: 'CHECK (((total >= (0)::numeric) AND (total < (100000)::numeric)))',
      },
    ])
    expect(order?.foreignKeys).toEqual([
      {
        name: 'order_authorId_fkey',
        columns: ['authorId'],
        referencedSchema: 'public',
        referencedTable: 'Author',
        referencedColumns: ['id'],
        onDelete: 'cascade',
        onUpdate: 'no action',
        match: 'simple',
        deferrable: false,
        initiallyDeferred: false,
        validated: true,
      },
    ])
    const long = findTable(schema, 'Sales', LONG)
    expect(long?.primaryKey?.columns).toEqual([LONG_COLUMN])
    expect(long?.columns[0]).toMatchObject({ name: LONG_COLUMN, identity: 'always', serial: false, default: null })
    expect(long?.columns[3]).toMatchObject({ name: 'note', collation: 'C' })
    expect(long?.columns[2]).toMatchObject({ type: '"Sales".status', default: `'draft'::"Sales".status` })
    expect(long?.foreignKeys[0]).toMatchObject({
      columns: ['order'],
      referencedSchema: 'public',
      referencedTable: 'order',
      onDelete: 'set null',
      onUpdate: 'cascade',
      deferrable: true,
      initiallyDeferred: true,
    })
  })

  it('lists only indexes that back no constraint, with method, keys, INCLUDE columns and partial predicate', () => {
    const order = findTable(results.pg as PhysicalSchema, 'public', 'order')
    expect(order?.indexes.map((i) => i.name)).toEqual([
      'order_author_covering',
      'order_code_uniq',
      'order_lower_tag_idx',
      'order_tags_gin',
    ])
    expect(order?.indexes[2]).toEqual({
      name: 'order_lower_tag_idx',
      unique: false,
      method: 'btree',
      definition:
        'CREATE INDEX order_lower_tag_idx ON public."order" USING btree (lower(tags[1]), "authorId" DESC) WHERE (mood IS NOT NULL)',
      keys: ['lower(tags[1])', '"authorId"'],
      include: [],
      predicate: '(mood IS NOT NULL)',
      nullsDistinct: true,
      valid: true,
    })
    expect(order?.indexes[0]).toMatchObject({ keys: ['"authorId"'], include: ['total'] })
    expect(order?.indexes[1]).toMatchObject({ unique: true, nullsDistinct: false, predicate: '(code IS NOT NULL)' })
    expect(order?.indexes[3]).toMatchObject({ method: 'gin', keys: ['tags'] })
  })
})
