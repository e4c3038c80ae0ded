/**
 * One scenario per kind of operation: the SQL it writes forwards and backwards, what it does to a
 * real database (Postgres 15 and PGlite) in each direction, and that its replay then the replay of
 * its reverse give back the snapshot we started from. See helpers/scenarios.ts for the round trip.
 */
import { expect, it } from 'vitest'
import {
  Array as ArrayColumn,
  Enum,
  ForeignKey,
  Integer,
  JSONB,
  Numeric,
  Table,
  Text,
  Timestamptz,
  Varchar,
  check,
  index,
  sql,
  unique,
} from '../../../src/index.js'
import { diffApp } from '../../../src/core/differ/diff.js'
import { findTable } from '../../../src/runtime/introspect.js'
import { app, model } from '../../helpers/models.js'
import { describeEngines } from '../../helpers/databases.js'
import { rows, roundTrip } from '../../helpers/scenarios.js'

class Author extends Table {
  name = new Varchar({ length: 100 })
}
class Post extends Table {
  title = new Varchar({ length: 200, unique: true })
  body = new Text({ null: true })
  author = new ForeignKey(() => Author, { onDelete: 'cascade' })
  views = new Integer({ default: 0, index: true })
  static override constraints = [unique('title', 'author'), index('author', 'views'), check('views >= 0')]
}
const blog = () => model(app('blog', [Author, Post])).snapshot
const authors = () => model(app('blog', [Author])).snapshot

describeEngines('table operations', { database: 'shared' }, (ctx) => {
  it('addTable with its definition creates the table, constraints and indexes; backwards drops it', async () => {
    const { engine } = ctx()
    const post = blog().tables.find((t) => t.className === 'Post')!
    const result = await roundTrip(engine, {
      start: authors(),
      operations: (m) =>
        m.addTable({
          className: 'Post',
          tablename: 'post',
          columns: post.columns,
          constraints: post.constraints,
          indexes: post.indexes,
        }),
    })
    expect(result.forwards).toEqual([
      `CREATE TABLE "public"."post" (
  "id" serial CONSTRAINT "post_pkey" PRIMARY KEY,
  "title" varchar(200) NOT NULL DEFAULT '' CONSTRAINT "post_title_key" UNIQUE,
  "body" text,
  "author" integer CONSTRAINT "post_author_fkey" REFERENCES "public"."author" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "views" integer NOT NULL DEFAULT 0,
  CONSTRAINT "post_title_author_key" UNIQUE ("title", "author"),
  CONSTRAINT "post_views_check" CHECK (views >= 0)
)`,
      `CREATE INDEX "post_views_idx" ON "public"."post" USING btree ("views")`,
      `CREATE INDEX "post_author_views_idx" ON "public"."post" USING btree ("author", "views")`,
    ])
    expect(result.backwards).toEqual([`DROP TABLE "public"."post"`])
    const table = findTable(result.after, 'public', 'post')!
    expect(table.foreignKeys.map((f) => [f.name, f.referencedTable, f.onDelete, f.onUpdate])).toEqual([
      ['post_author_fkey', 'author', 'cascade', 'cascade'],
    ])
    expect(table.indexes.map((i) => i.name)).toEqual(['post_author_views_idx', 'post_views_idx'])
    expect(findTable(result.back, 'public', 'post')).toBeUndefined()
  })

  it('addTable without a definition creates an empty table (the differ adds columns next)', async () => {
    const result = await roundTrip(ctx().engine, {
      operations: (m) => m.addTable({ className: 'Note', tablename: 'note' }),
    })
    expect(result.forwards).toEqual([`CREATE TABLE "public"."note" ()`])
    expect(findTable(result.after, 'public', 'note')!.columns).toEqual([])
  })

  it('dropTable records the definition: backwards recreates columns, keys, indexes and foreign keys, not rows', async () => {
    const { engine } = ctx()
    const post = blog().tables.find((t) => t.className === 'Post')!
    const result = await roundTrip(engine, {
      start: blog(),
      seed: `insert into author (name) values ('ann'); insert into post (title, author) values ('hello', 1);`,
      operations: (m) =>
        m.dropTable({
          className: 'Post',
          tablename: 'post',
          columns: post.columns,
          constraints: post.constraints,
          indexes: post.indexes,
        }),
      afterBackwards: async (db) => {
        expect(await rows(db, 'select * from post')).toEqual([])
        expect(await rows(db, 'select name from author')).toEqual([{ name: 'ann' }])
      },
    })
    expect(result.forwards).toEqual([`DROP TABLE "public"."post"`])
    expect(result.backwards[0]).toMatch(/^CREATE TABLE "public"\."post"/)
    expect(findTable(result.after, 'public', 'post')).toBeUndefined()
  })

  it('renameTable keeps the rows, renames generated constraint and index names, and foreign keys follow', async () => {
    const { engine } = ctx()
    const result = await roundTrip(engine, {
      start: blog(),
      seed: `insert into author (name) values ('ann'); insert into post (title, author) values ('hello', 1);`,
      operations: (m) =>
        m.renameTable({
          oldClassName: 'Author',
          newClassName: 'Writer',
          oldTablename: 'author',
          newTablename: 'writer',
        }),
      afterForwards: async (db, after) => {
        expect(await rows(db, 'select name from writer')).toEqual([{ name: 'ann' }])
        expect(findTable(after, 'public', 'writer')!.primaryKey?.name).toBe('writer_pkey')
        expect(findTable(after, 'public', 'post')!.foreignKeys[0]?.referencedTable).toBe('writer')
      },
      afterBackwards: async (db) => {
        expect(await rows(db, 'select a.name, p.title from post p join author a on a.id = p.author')).toEqual([
          { name: 'ann', title: 'hello' },
        ])
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."author" RENAME TO "writer"`,
      `ALTER TABLE "public"."writer" RENAME CONSTRAINT "author_pkey" TO "writer_pkey"`,
    ])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."writer" RENAME TO "author"`,
      `ALTER TABLE "public"."author" RENAME CONSTRAINT "writer_pkey" TO "author_pkey"`,
    ])
    expect(
      result.snapshotAfter.tables.find((t) => t.className === 'Post')!.columns.find((c) => c.name === 'author')!.params
        .references,
    ).toEqual({
      app: 'blog',
      table: 'Writer',
      column: 'id',
    })
  })

  it('renameTable renames every generated name of the table: unique, index, check, composite ones', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      operations: (m) =>
        m.renameTable({ oldClassName: 'Post', newClassName: 'Post', oldTablename: 'post', newTablename: 'article' }),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" RENAME TO "article"`,
      `ALTER TABLE "public"."article" RENAME CONSTRAINT "post_pkey" TO "article_pkey"`,
      `ALTER TABLE "public"."article" RENAME CONSTRAINT "post_title_key" TO "article_title_key"`,
      `ALTER INDEX "public"."post_views_idx" RENAME TO "article_views_idx"`,
      `ALTER TABLE "public"."article" RENAME CONSTRAINT "post_author_fkey" TO "article_author_fkey"`,
      `ALTER TABLE "public"."article" RENAME CONSTRAINT "post_title_author_key" TO "article_title_author_key"`,
      `ALTER TABLE "public"."article" RENAME CONSTRAINT "post_views_check" TO "article_views_check"`,
      `ALTER INDEX "public"."post_author_views_idx" RENAME TO "article_author_views_idx"`,
    ])
  })

  it('changeTableSchema moves the table (with its indexes and sequence) and back', async () => {
    const { engine } = ctx()
    const result = await roundTrip(engine, {
      start: blog(),
      seed: `insert into author (name) values ('ann');`,
      schemas: ['archive'],
      operations: (m) =>
        m.changeTableSchema({ className: 'Author', tablename: 'author', oldSchema: 'public', newSchema: 'archive' }),
      afterForwards: async (db, after) => {
        expect(findTable(after, 'archive', 'author')).toBeDefined()
        expect(findTable(after, 'public', 'post')!.foreignKeys[0]?.referencedSchema).toBe('archive')
        await db.exec(`insert into archive.author (name) values ('bob')`)
        expect(await rows(db, 'select id, name from archive.author order by id')).toEqual([
          { id: 1, name: 'ann' },
          { id: 2, name: 'bob' },
        ])
      },
    })
    // The serial's sequence moves too, under another name when the target schema has its name taken.
    const freeSequenceName = (table: string) =>
      expect.stringContaining(`seq regclass := pg_get_serial_sequence('${table}', 'id')::regclass;`)
    expect(result.forwards).toEqual([
      `CREATE SCHEMA IF NOT EXISTS "archive"`,
      freeSequenceName('"public"."author"'),
      `ALTER TABLE "public"."author" SET SCHEMA "archive"`,
    ])
    expect(result.backwards).toEqual([
      `CREATE SCHEMA IF NOT EXISTS "public"`,
      freeSequenceName('"archive"."author"'),
      `ALTER TABLE "archive"."author" SET SCHEMA "public"`,
    ])
    expect(findTable(result.back, 'public', 'author')).toBeDefined()
    expect(findTable(result.back, 'archive', 'author')).toBeUndefined()
    // The schema created forwards is left (empty) backwards: it may have existed before.
    expect(result.back.schemas).toEqual(['archive', 'public'])
  })
})

const post = { tableClassName: 'Post', tablename: 'post' }
const seedBlog = `insert into author (name) values ('ann'); insert into post (title, body, author, views) values ('hello', 'text', 1, 3);`

describeEngines('column operations', { database: 'shared' }, (ctx) => {
  it('addColumn NOT NULL with a default fills existing rows; its index is created and dropped with it', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      seed: seedBlog,
      operations: (m) =>
        m.addColumn({
          ...post,
          columnName: 'slug',
          dbColumnName: 'slug',
          columnClass: 'Varchar',
          params: {
            length: 80,
            default: 'none',
            null: false,
            primaryKey: false,
            unique: false,
            index: true,
            indexMethod: 'hash',
          },
        }),
      afterForwards: async (db) => {
        expect(await rows(db, 'select slug from post')).toEqual([{ slug: 'none' }])
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" ADD COLUMN "slug" varchar(80) NOT NULL DEFAULT 'none'`,
      `CREATE INDEX "post_slug_idx" ON "public"."post" USING hash ("slug")`,
    ])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."post" DROP COLUMN "slug"`])
    const slug = findTable(result.after, 'public', 'post')!.columns.find((c) => c.name === 'slug')!
    expect([slug.type, slug.nullable, slug.default]).toEqual([
      'character varying(80)',
      false,
      `'none'::character varying`,
    ])
    expect(findTable(result.after, 'public', 'post')!.indexes.find((i) => i.name === 'post_slug_idx')?.method).toBe(
      'hash',
    )
  })

  it('addColumn unique and a foreign key with its referential actions', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      operations: (m) => {
        m.addColumn({
          ...post,
          columnName: 'code',
          dbColumnName: 'code',
          columnClass: 'Text',
          params: { default: null, null: true, primaryKey: false, unique: true, index: false },
        })
        m.addColumn({
          ...post,
          columnName: 'editor',
          dbColumnName: 'editor_id',
          columnClass: 'ForeignKey',
          params: {
            references: { app: 'blog', table: 'Author', column: 'id' },
            onDelete: 'set null',
            onUpdate: 'restrict',
            default: null,
            null: true,
            primaryKey: false,
            unique: false,
            index: false,
          },
        })
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" ADD COLUMN "code" text CONSTRAINT "post_code_key" UNIQUE`,
      `ALTER TABLE "public"."post" ADD COLUMN "editor_id" integer CONSTRAINT "post_editor_id_fkey" REFERENCES "public"."author" ("id") ON DELETE SET NULL ON UPDATE RESTRICT`,
    ])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."post" DROP COLUMN "editor_id"`,
      `ALTER TABLE "public"."post" DROP COLUMN "code"`,
    ])
    const fk = findTable(result.after, 'public', 'post')!.foreignKeys.find((f) => f.name === 'post_editor_id_fkey')!
    expect([fk.columns, fk.onDelete, fk.onUpdate]).toEqual([['editor_id'], 'set null', 'restrict'])
  })

  it('dropColumn: backwards restores the column with its unique constraint and index, not its data', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      seed: seedBlog,
      operations: (m) =>
        m.dropColumn({
          ...post,
          columnName: 'views',
          dbColumnName: 'views',
          columnClass: 'Integer',
          params: { default: 0, null: false, primaryKey: false, unique: false, index: true },
        }),
      setup: (m) => {
        // The composite index and check name `views`: drop them first, as the differ would.
        m.dropIndex({
          ...post,
          index: {
            name: null,
            keys: [{ column: 'author' }, { column: 'views' }],
            unique: false,
            method: 'btree',
            where: null,
            nullsDistinct: true,
            concurrently: false,
          },
        })
        m.dropConstraint({ ...post, constraint: { kind: 'check', name: null, expression: 'views >= 0' } })
      },
      afterBackwards: async (db) => {
        expect(await rows(db, 'select title, views from post')).toEqual([{ title: 'hello', views: 0 }])
      },
    })
    expect(result.forwards).toEqual([`ALTER TABLE "public"."post" DROP COLUMN "views"`])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."post" ADD COLUMN "views" integer NOT NULL DEFAULT 0`,
      `CREATE INDEX "post_views_idx" ON "public"."post" USING btree ("views")`,
    ])
  })

  it('renameColumn keeps the rows and renames the generated names that contain it', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      seed: seedBlog,
      operations: (m) =>
        m.renameColumn({
          ...post,
          oldColumnName: 'author',
          newColumnName: 'writer',
          oldDbColumnName: 'author',
          newDbColumnName: 'writer_id',
        }),
      afterForwards: async (db, after) => {
        expect(await rows(db, 'select title, writer_id from post')).toEqual([{ title: 'hello', writer_id: 1 }])
        const table = findTable(after, 'public', 'post')!
        expect(table.foreignKeys.map((f) => f.name)).toEqual(['post_writer_id_fkey'])
        expect(table.uniques.map((u) => [u.name, u.columns])).toEqual([
          ['post_title_key', ['title']],
          ['post_title_writer_id_key', ['title', 'writer_id']],
        ])
      },
      afterBackwards: async (db) => {
        expect(await rows(db, 'select title, author from post')).toEqual([{ title: 'hello', author: 1 }])
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" RENAME COLUMN "author" TO "writer_id"`,
      `ALTER TABLE "public"."post" RENAME CONSTRAINT "post_author_fkey" TO "post_writer_id_fkey"`,
      `ALTER TABLE "public"."post" RENAME CONSTRAINT "post_title_author_key" TO "post_title_writer_id_key"`,
      `ALTER INDEX "public"."post_author_views_idx" RENAME TO "post_writer_id_views_idx"`,
    ])
    expect(result.backwards[0]).toBe(`ALTER TABLE "public"."post" RENAME COLUMN "writer_id" TO "author"`)
    expect(result.snapshotAfter.tables.find((t) => t.className === 'Post')!.constraints).toContainEqual({
      kind: 'unique',
      name: null,
      columns: ['title', 'writer'],
      nullsDistinct: true,
    })
  })

  it('renameColumn of a foreign key target: references follow, the database keeps the constraint', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      seed: seedBlog,
      operations: (m) =>
        m.renameColumn({
          tableClassName: 'Author',
          tablename: 'author',
          oldColumnName: 'id',
          newColumnName: 'key',
          oldDbColumnName: 'id',
          newDbColumnName: 'key',
        }),
    })
    expect(result.forwards).toEqual([`ALTER TABLE "public"."author" RENAME COLUMN "id" TO "key"`])
    expect(findTable(result.after, 'public', 'post')!.foreignKeys[0]?.referencedColumns).toEqual(['key'])
    expect(
      result.snapshotAfter.tables.find((t) => t.className === 'Post')!.columns.find((c) => c.name === 'author')!.params
        .references,
    ).toEqual({
      app: 'blog',
      table: 'Author',
      column: 'key',
    })
  })
})

class Product extends Table {
  name = new Varchar({ length: 50 })
  code = new Text({ null: true })
  price = new Numeric({ digits: [10, 2] })
  stock = new Integer()
  status = new Enum('status', ['draft', 'live'], { default: 'draft' })
  tags = new ArrayColumn(new Text(), { null: true })
  data = new JSONB({ null: true })
  createdAt = new Timestamptz({ null: true })
}
const shop = () => model(app('blog', [Author, Product])).snapshot
const product = { tableClassName: 'Product', tablename: 'product' }
const seedShop = `insert into product (name, code, price, stock, tags) values ('pen', '42', 1.5, 7, '{a,b}');`
const alter = (columnName: string, params: object, oldParams: object, dbColumnName = columnName) => ({
  ...product,
  columnName,
  dbColumnName,
  params,
  oldParams,
})
const columnOf = (schema: import('../../../src/runtime/introspect.js').PhysicalSchema, table: string, column: string) =>
  findTable(schema, 'public', table)!.columns.find((c) => c.name === column)!

describeEngines('alterColumn', { database: 'shared' }, (ctx) => {
  it('length: varchar(50) to varchar(120) and back (data that fits survives)', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => m.alterColumn(alter('name', { length: 120 }, { length: 50 })),
      afterBackwards: async (db) => expect(await rows(db, 'select name from product')).toEqual([{ name: 'pen' }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "name" DROP DEFAULT`,
      `ALTER TABLE "public"."product" ALTER COLUMN "name" TYPE varchar(120)`,
      `ALTER TABLE "public"."product" ALTER COLUMN "name" SET DEFAULT ''`,
    ])
    expect(result.backwards[1]).toBe(`ALTER TABLE "public"."product" ALTER COLUMN "name" TYPE varchar(50)`)
    expect(columnOf(result.after, 'product', 'name').type).toBe('character varying(120)')
  })

  it('digits: numeric(10, 2) to numeric(12, 4), and to unconstrained numeric', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => m.alterColumn(alter('price', { digits: [12, 4] }, { digits: [10, 2] })),
      afterForwards: async (db) =>
        expect(await rows(db, 'select price::text from product')).toEqual([{ price: '1.5000' }]),
    })
    expect(result.forwards[1]).toBe(`ALTER TABLE "public"."product" ALTER COLUMN "price" TYPE numeric(12, 4)`)
    expect(columnOf(result.after, 'product', 'price').type).toBe('numeric(12,4)')
    const loose = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('price', { digits: null }, { digits: [10, 2] })),
    })
    expect(loose.forwards[1]).toBe(`ALTER TABLE "public"."product" ALTER COLUMN "price" TYPE numeric`)
    expect(loose.backwards[1]).toBe(`ALTER TABLE "public"."product" ALTER COLUMN "price" TYPE numeric(10, 2)`)
    expect(
      loose.snapshotAfter.tables.find((t) => t.className === 'Product')!.columns.find((c) => c.name === 'price')!
        .params,
    ).not.toHaveProperty('digits')
  })

  it('null: NOT NULL dropped and set again', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('stock', { null: true }, { null: false })),
    })
    expect(result.forwards).toEqual([`ALTER TABLE "public"."product" ALTER COLUMN "stock" DROP NOT NULL`])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."product" ALTER COLUMN "stock" SET NOT NULL`])
    expect(columnOf(result.after, 'product', 'stock').nullable).toBe(true)
    expect(columnOf(result.back, 'product', 'stock').nullable).toBe(false)
  })

  it('default: changed, set from none, dropped, and a sql expression', async () => {
    const changed = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('stock', { default: 5 }, { default: 0 })),
    })
    expect(changed.forwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "stock" DROP DEFAULT`,
      `ALTER TABLE "public"."product" ALTER COLUMN "stock" SET DEFAULT 5`,
    ])
    expect(columnOf(changed.after, 'product', 'stock').default).toBe('5')
    const set = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('createdAt', { default: sql`now()` }, { default: null }, 'created_at')),
    })
    expect(set.forwards).toEqual([`ALTER TABLE "public"."product" ALTER COLUMN "created_at" SET DEFAULT now()`])
    expect(set.backwards).toEqual([`ALTER TABLE "public"."product" ALTER COLUMN "created_at" DROP DEFAULT`])
    expect(columnOf(set.after, 'product', 'created_at').default).toBe('now()')
    const json = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('data', { default: { a: [1, 'x'] } }, { default: null })),
    })
    expect(json.forwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "data" SET DEFAULT '{"a":[1,"x"]}'::jsonb`,
    ])
    const tags = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('tags', { default: ['a', "it's"] }, { default: null })),
    })
    expect(tags.forwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "tags" SET DEFAULT ARRAY['a', 'it''s']::text[]`,
    ])
  })

  it('unique: added and dropped', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => m.alterColumn(alter('code', { unique: true }, { unique: false })),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" ADD CONSTRAINT "product_code_key" UNIQUE ("code")`,
    ])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."product" DROP CONSTRAINT "product_code_key"`])
    expect(findTable(result.after, 'public', 'product')!.uniques.map((u) => u.name)).toEqual(['product_code_key'])
  })

  it('index and indexMethod: added, then changed from btree to gin', async () => {
    const added = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.alterColumn(alter('code', { index: true }, { index: false })),
    })
    expect(added.forwards).toEqual([`CREATE INDEX "product_code_idx" ON "public"."product" USING btree ("code")`])
    expect(added.backwards).toEqual([`DROP INDEX "public"."product_code_idx"`])
    const method = await roundTrip(ctx().engine, {
      start: shop(),
      setup: (m) => m.alterColumn(alter('tags', { index: true }, { index: false })),
      operations: (m) => m.alterColumn(alter('tags', { indexMethod: 'gin' }, { indexMethod: null })),
    })
    expect(method.forwards).toEqual([
      `DROP INDEX "public"."product_tags_idx"`,
      `CREATE INDEX "product_tags_idx" ON "public"."product" USING gin ("tags")`,
    ])
    expect(findTable(method.after, 'public', 'product')!.indexes.map((i) => [i.name, i.method])).toEqual([
      ['product_tags_idx', 'gin'],
    ])
  })

  it('type text to integer uses USING and converts the rows; back to text without USING', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => m.alterColumn(alter('code', { columnClass: 'Integer' }, { columnClass: 'Text' })),
      afterForwards: async (db) => expect(await rows(db, 'select code from product')).toEqual([{ code: 42 }]),
      afterBackwards: async (db) => expect(await rows(db, 'select code from product')).toEqual([{ code: '42' }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "code" TYPE integer USING "code"::integer`,
    ])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."product" ALTER COLUMN "code" TYPE text`])
  })

  it('type varchar to text, and integer to bigint (implicit casts, defaults kept)', async () => {
    const text = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) =>
        m.alterColumn(alter('name', { columnClass: 'Text', length: null }, { columnClass: 'Varchar', length: 50 })),
    })
    expect(text.forwards[1]).toBe(`ALTER TABLE "public"."product" ALTER COLUMN "name" TYPE text`)
    expect(columnOf(text.after, 'product', 'name')).toMatchObject({ type: 'text', default: `''::text` })
    const big = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => m.alterColumn(alter('stock', { columnClass: 'BigInt' }, { columnClass: 'Integer' })),
      afterForwards: async (db) => expect(await rows(db, 'select stock::text from product')).toEqual([{ stock: '7' }]),
    })
    expect(big.forwards[1]).toBe(`ALTER TABLE "public"."product" ALTER COLUMN "stock" TYPE bigint`)
    expect(columnOf(big.after, 'product', 'stock')).toMatchObject({ type: 'bigint', default: '0' })
  })

  it('type enum to text and text to enum go through text, with the default re-set', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) =>
        m.alterColumn(alter('status', { columnClass: 'Text', enum: null }, { columnClass: 'Enum', enum: 'status' })),
      afterBackwards: async (db) =>
        expect(await rows(db, 'select status::text from product')).toEqual([{ status: 'draft' }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "status" DROP DEFAULT`,
      `ALTER TABLE "public"."product" ALTER COLUMN "status" TYPE text USING "status"::text::text`,
      `ALTER TABLE "public"."product" ALTER COLUMN "status" SET DEFAULT 'draft'`,
    ])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."product" ALTER COLUMN "status" DROP DEFAULT`,
      `ALTER TABLE "public"."product" ALTER COLUMN "status" TYPE "public"."status" USING "status"::text::"public"."status"`,
      `ALTER TABLE "public"."product" ALTER COLUMN "status" SET DEFAULT 'draft'`,
    ])
    expect(columnOf(result.after, 'product', 'status')).toMatchObject({ type: 'text', default: `'draft'::text` })
    expect(columnOf(result.back, 'product', 'status')).toMatchObject({ type: 'status', default: `'draft'::status` })
  })

  it('primaryKey: moved from the implicit id to another column', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => {
        m.alterColumn(alter('id', { primaryKey: false }, { primaryKey: true }))
        m.alterColumn(alter('name', { primaryKey: true }, { primaryKey: false }))
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" DROP CONSTRAINT "product_pkey"`,
      `ALTER TABLE "public"."product" ADD CONSTRAINT "product_pkey" PRIMARY KEY ("name")`,
    ])
    expect(findTable(result.after, 'public', 'product')!.primaryKey).toEqual({
      name: 'product_pkey',
      columns: ['name'],
    })
    expect(findTable(result.back, 'public', 'product')!.primaryKey).toEqual({ name: 'product_pkey', columns: ['id'] })
  })

  it('ForeignKey onDelete and onUpdate: the constraint is replaced', async () => {
    const result = await roundTrip(ctx().engine, {
      start: blog(),
      seed: seedBlog,
      operations: (m) =>
        m.alterColumn({
          ...post,
          columnName: 'author',
          dbColumnName: 'author',
          params: { onDelete: 'restrict', onUpdate: 'no action' },
          oldParams: { onDelete: 'cascade', onUpdate: 'cascade' },
        }),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" DROP CONSTRAINT "post_author_fkey"`,
      `ALTER TABLE "public"."post" ADD CONSTRAINT "post_author_fkey" FOREIGN KEY ("author") REFERENCES "public"."author" ("id") ON DELETE RESTRICT`,
    ])
    const fk = findTable(result.after, 'public', 'post')!.foreignKeys[0]!
    expect([fk.onDelete, fk.onUpdate]).toEqual(['restrict', 'no action'])
  })
})

class Diary extends Table {
  name = new Text()
  mood = new Enum('mood', ['sad', 'ok', 'happy'], { default: 'ok' })
  history = new ArrayColumn(new Enum('mood', ['sad', 'ok', 'happy']), { null: true })
}
const moods = () => model(app('blog', [Diary])).snapshot
const seedMoods = `insert into diary (name, mood, history) values ('a', 'sad', '{sad,ok}'), ('b', 'ok', null);`
const enumValues = (schema: import('../../../src/runtime/introspect.js').PhysicalSchema, name: string) =>
  schema.enums.find((e) => e.name === name)?.values

describeEngines('enum operations', { database: 'shared' }, (ctx) => {
  it('addEnum creates the type (in its schema); backwards drops it', async () => {
    const result = await roundTrip(ctx().engine, {
      schemas: ['shop'],
      operations: (m) => {
        m.addEnum({ name: 'size', values: ['s', 'm', "it's xl"] })
        m.addEnum({ name: 'color', schema: 'shop', values: ['red'] })
      },
    })
    expect(result.forwards).toEqual([
      `CREATE TYPE "public"."size" AS ENUM ('s', 'm', 'it''s xl')`,
      `CREATE SCHEMA IF NOT EXISTS "shop"`,
      `CREATE TYPE "shop"."color" AS ENUM ('red')`,
    ])
    expect(result.backwards).toEqual([`DROP TYPE "shop"."color"`, `DROP TYPE "public"."size"`])
    expect(result.after.enums).toEqual([
      { schema: 'public', name: 'size', values: ['s', 'm', "it's xl"] },
      { schema: 'shop', name: 'color', values: ['red'] },
    ])
    expect(result.back.enums).toEqual([])
  })

  it('alterEnum adding a value at the end uses ADD VALUE; backwards rebuilds the type and keeps the rows', async () => {
    const result = await roundTrip(ctx().engine, {
      start: moods(),
      seed: seedMoods,
      operations: (m) =>
        m.alterEnum({ name: 'mood', values: ['sad', 'ok', 'happy', 'ecstatic'], oldValues: ['sad', 'ok', 'happy'] }),
      afterBackwards: async (db) =>
        expect(await rows(db, 'select name, mood::text, history::text from diary order by name')).toEqual([
          { name: 'a', mood: 'sad', history: '{sad,ok}' },
          { name: 'b', mood: 'ok', history: null },
        ]),
    })
    expect(result.forwards).toEqual([`ALTER TYPE "public"."mood" ADD VALUE IF NOT EXISTS 'ecstatic'`])
    expect(result.backwards).toEqual([
      `ALTER TYPE "public"."mood" RENAME TO "mood__old"`,
      `CREATE TYPE "public"."mood" AS ENUM ('sad', 'ok', 'happy')`,
      `ALTER TABLE "public"."diary" ALTER COLUMN "mood" DROP DEFAULT`,
      `ALTER TABLE "public"."diary" ALTER COLUMN "mood" TYPE "public"."mood" USING "mood"::text::"public"."mood"`,
      `ALTER TABLE "public"."diary" ALTER COLUMN "mood" SET DEFAULT 'ok'`,
      `ALTER TABLE "public"."diary" ALTER COLUMN "history" TYPE "public"."mood"[] USING "history"::text[]::"public"."mood"[]`,
      `DROP TYPE "public"."mood__old"`,
    ])
    expect(enumValues(result.after, 'mood')).toEqual(['sad', 'ok', 'happy', 'ecstatic'])
  })

  it('alterEnum adding values in the middle and at the start keeps the declared order', async () => {
    const result = await roundTrip(ctx().engine, {
      start: moods(),
      seed: seedMoods,
      operations: (m) =>
        m.alterEnum({
          name: 'mood',
          values: ['awful', 'sad', 'meh', 'ok', 'happy'],
          oldValues: ['sad', 'ok', 'happy'],
        }),
      afterForwards: async (db) =>
        expect(
          await rows(
            db,
            `select array_agg(v::text order by v) as sorted from unnest('{happy,meh,awful,ok,sad}'::mood[]) v`,
          ),
        ).toEqual([{ sorted: ['awful', 'sad', 'meh', 'ok', 'happy'] }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TYPE "public"."mood" ADD VALUE IF NOT EXISTS 'awful' BEFORE 'sad'`,
      `ALTER TYPE "public"."mood" ADD VALUE IF NOT EXISTS 'meh' BEFORE 'ok'`,
    ])
    expect(enumValues(result.after, 'mood')).toEqual(['awful', 'sad', 'meh', 'ok', 'happy'])
  })

  it('alterEnum removing a value that a column uses: rows with other values survive both ways', async () => {
    const result = await roundTrip(ctx().engine, {
      start: moods(),
      seed: seedMoods,
      operations: (m) => m.alterEnum({ name: 'mood', values: ['sad', 'ok'], oldValues: ['sad', 'ok', 'happy'] }),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name, mood::text from diary order by name')).toEqual([
          { name: 'a', mood: 'sad' },
          { name: 'b', mood: 'ok' },
        ])
        await expect(db.exec(`insert into diary (name, mood) values ('c', 'happy')`)).rejects.toMatchObject({
          code: '22P02',
        })
      },
    })
    expect(result.forwards[0]).toBe(`ALTER TYPE "public"."mood" RENAME TO "mood__old"`)
    expect(result.backwards).toEqual([`ALTER TYPE "public"."mood" ADD VALUE IF NOT EXISTS 'happy'`])
    expect(enumValues(result.after, 'mood')).toEqual(['sad', 'ok'])
    expect(enumValues(result.back, 'mood')).toEqual(['sad', 'ok', 'happy'])
  })

  it('alterEnum removing a value still stored fails with Postgres’ error and changes nothing', async () => {
    const { engine } = ctx()
    await expect(
      roundTrip(engine, {
        start: moods(),
        seed: `insert into diary (name, mood) values ('x', 'happy')`,
        operations: (m) => m.alterEnum({ name: 'mood', values: ['sad', 'ok'], oldValues: ['sad', 'ok', 'happy'] }),
      }),
    ).rejects.toMatchObject({ code: '22P02' })
    expect(await rows(engine, `select mood::text from diary`)).toEqual([{ mood: 'happy' }])
    expect(await rows(engine, `select count(*)::int as n from pg_type where typname = 'mood__old'`)).toEqual([{ n: 0 }])
  })

  it('dropEnum drops an unused type; backwards recreates it with its values', async () => {
    const result = await roundTrip(ctx().engine, {
      setup: (m) => m.addEnum({ name: 'size', values: ['s', 'm'] }),
      operations: (m) => m.dropEnum({ name: 'size', values: ['s', 'm'] }),
    })
    expect(result.forwards).toEqual([`DROP TYPE "public"."size"`])
    expect(result.backwards).toEqual([`CREATE TYPE "public"."size" AS ENUM ('s', 'm')`])
    expect(result.after.enums).toEqual([])
  })
})

class Membership extends Table {
  static override primaryKey = ['account', 'tag']
  account = new Integer()
  tag = new Varchar({ length: 20 })
  note = new Text({ null: true })
}

describeEngines('constraint operations', { database: 'shared' }, (ctx) => {
  it('addConstraint: composite unique with NULLS NOT DISTINCT', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) =>
        m.addConstraint({
          ...product,
          constraint: { kind: 'unique', name: null, columns: ['name', 'code'], nullsDistinct: false },
        }),
      afterForwards: async (db) => {
        await db.exec(`insert into product (name, code, price, stock) values ('ink', null, 1, 1)`)
        await expect(
          db.exec(`insert into product (name, code, price, stock) values ('ink', null, 2, 2)`),
        ).rejects.toMatchObject({ code: '23505' })
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" ADD CONSTRAINT "product_name_code_key" UNIQUE NULLS NOT DISTINCT ("name", "code")`,
    ])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."product" DROP CONSTRAINT "product_name_code_key"`])
    expect(findTable(result.after, 'public', 'product')!.uniques).toMatchObject([
      { name: 'product_name_code_key', columns: ['name', 'code'], nullsDistinct: false },
    ])
  })

  it('addConstraint: a check, generated or named; existing rows are validated', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => {
        m.addConstraint({ ...product, constraint: { kind: 'check', name: null, expression: 'stock >= 0' } })
        m.addConstraint({ ...product, constraint: { kind: 'check', name: 'price_positive', expression: 'price > 0' } })
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."product" ADD CONSTRAINT "product_stock_check" CHECK (stock >= 0)`,
      `ALTER TABLE "public"."product" ADD CONSTRAINT "price_positive" CHECK (price > 0)`,
    ])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."product" DROP CONSTRAINT "price_positive"`,
      `ALTER TABLE "public"."product" DROP CONSTRAINT "product_stock_check"`,
    ])
    expect(findTable(result.after, 'public', 'product')!.checks.map((c) => [c.name, c.definition])).toEqual([
      ['price_positive', 'CHECK ((price > (0)::numeric))'],
      ['product_stock_check', 'CHECK ((stock >= 0))'],
    ])
    await expect(
      roundTrip(ctx().engine, {
        start: shop(),
        seed: seedShop,
        operations: (m) =>
          m.addConstraint({ ...product, constraint: { kind: 'check', name: null, expression: 'stock > 100' } }),
      }),
    ).rejects.toMatchObject({ code: '23514' })
  })

  it('composite primary key: dropped and restored', async () => {
    const result = await roundTrip(ctx().engine, {
      start: model(app('blog', [Membership])).snapshot,
      seed: `insert into membership (account, tag) values (1, 'a'), (1, 'b')`,
      operations: (m) =>
        m.dropConstraint({
          tableClassName: 'Membership',
          tablename: 'membership',
          constraint: { kind: 'primaryKey', name: null, columns: ['account', 'tag'] },
        }),
    })
    expect(result.forwards).toEqual([`ALTER TABLE "public"."membership" DROP CONSTRAINT "membership_pkey"`])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."membership" ADD CONSTRAINT "membership_pkey" PRIMARY KEY ("account", "tag")`,
    ])
    expect(findTable(result.before, 'public', 'membership')!.primaryKey).toEqual({
      name: 'membership_pkey',
      columns: ['account', 'tag'],
    })
    expect(findTable(result.after, 'public', 'membership')!.primaryKey).toBeNull()
  })

  it('composite primary key: added to a table created without one', async () => {
    const result = await roundTrip(ctx().engine, {
      start: model(app('blog', [Membership])).snapshot,
      setup: (m) =>
        m.dropConstraint({
          tableClassName: 'Membership',
          tablename: 'membership',
          constraint: { kind: 'primaryKey', name: null, columns: ['account', 'tag'] },
        }),
      operations: (m) =>
        m.addConstraint({
          tableClassName: 'Membership',
          tablename: 'membership',
          constraint: { kind: 'primaryKey', name: null, columns: ['tag', 'account'] },
        }),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."membership" ADD CONSTRAINT "membership_pkey" PRIMARY KEY ("tag", "account")`,
    ])
    expect(findTable(result.after, 'public', 'membership')!.primaryKey).toEqual({
      name: 'membership_pkey',
      columns: ['tag', 'account'],
    })
  })
})

const productIndex = (index: Partial<import('../../../src/core/state/snapshot.js').IndexSnapshot>) => ({
  ...product,
  index: {
    name: null,
    keys: [],
    unique: false,
    method: 'btree' as const,
    where: null,
    nullsDistinct: true,
    concurrently: false,
    ...index,
  },
})

describeEngines('index operations', { database: 'shared' }, (ctx) => {
  it('addIndex: partial, expression, descending with nulls order, operator class', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => {
        m.addIndex(productIndex({ keys: [{ column: 'code' }], where: 'code IS NOT NULL' }))
        m.addIndex(productIndex({ keys: [{ expression: 'lower(name)' }], unique: true }))
        m.addIndex(productIndex({ keys: [{ column: 'stock', order: 'desc', nulls: 'last' }, { column: 'price' }] }))
        m.addIndex(
          productIndex({ name: 'product_name_pattern', keys: [{ column: 'name', opclass: 'varchar_pattern_ops' }] }),
        )
      },
    })
    expect(result.forwards).toEqual([
      `CREATE INDEX "product_code_idx" ON "public"."product" USING btree ("code") WHERE code IS NOT NULL`,
      `CREATE UNIQUE INDEX "product_lower_name_key" ON "public"."product" USING btree ((lower(name)))`,
      `CREATE INDEX "product_stock_price_idx" ON "public"."product" USING btree ("stock" DESC NULLS LAST, "price")`,
      `CREATE INDEX "product_name_pattern" ON "public"."product" USING btree ("name" varchar_pattern_ops)`,
    ])
    expect(result.backwards).toEqual([
      `DROP INDEX "public"."product_name_pattern"`,
      `DROP INDEX "public"."product_stock_price_idx"`,
      `DROP INDEX "public"."product_lower_name_key"`,
      `DROP INDEX "public"."product_code_idx"`,
    ])
    const byName = Object.fromEntries(findTable(result.after, 'public', 'product')!.indexes.map((i) => [i.name, i]))
    expect(byName.product_code_idx?.predicate).toBe('(code IS NOT NULL)')
    expect(byName.product_lower_name_key).toMatchObject({ unique: true, keys: ['lower(name::text)'] })
    expect(byName.product_stock_price_idx?.definition).toContain('(stock DESC NULLS LAST, price)')
    expect(byName.product_name_pattern?.definition).toContain('(name varchar_pattern_ops)')
  })

  it('addIndex: gin with an operator class, hash, and a unique index with NULLS NOT DISTINCT', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => {
        m.addIndex(productIndex({ keys: [{ column: 'data', opclass: 'jsonb_path_ops' }], method: 'gin' }))
        m.addIndex(productIndex({ keys: [{ column: 'code' }], method: 'hash' }))
        m.addIndex(
          productIndex({
            keys: [{ column: 'code' }, { column: 'stock' }],
            unique: true,
            nullsDistinct: false,
            where: 'stock > 0',
          }),
        )
      },
    })
    expect(result.forwards).toEqual([
      `CREATE INDEX "product_data_idx" ON "public"."product" USING gin ("data" jsonb_path_ops)`,
      `CREATE INDEX "product_code_idx" ON "public"."product" USING hash ("code")`,
      `CREATE UNIQUE INDEX "product_code_stock_key" ON "public"."product" USING btree ("code", "stock") NULLS NOT DISTINCT WHERE stock > 0`,
    ])
    const indexes = findTable(result.after, 'public', 'product')!.indexes
    expect(indexes.map((i) => [i.name, i.method, i.unique, i.nullsDistinct])).toEqual([
      ['product_code_idx', 'hash', false, true],
      ['product_code_stock_key', 'btree', true, false],
      ['product_data_idx', 'gin', false, true],
    ])
  })

  it('addIndex concurrently runs outside the transaction, and so does its drop', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.addIndex(productIndex({ keys: [{ column: 'stock' }], concurrently: true })),
    })
    expect(result.forwards).toEqual([
      `CREATE INDEX CONCURRENTLY "product_stock_idx" ON "public"."product" USING btree ("stock")`,
    ])
    expect(result.backwards).toEqual([`DROP INDEX CONCURRENTLY IF EXISTS "public"."product_stock_idx"`])
    expect(findTable(result.after, 'public', 'product')!.indexes[0]).toMatchObject({
      name: 'product_stock_idx',
      valid: true,
    })
  })

  it('dropIndex: backwards recreates the partial expression index', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      setup: (m) =>
        m.addIndex(productIndex({ keys: [{ expression: 'lower(name)', order: 'desc' }], where: 'stock > 0' })),
      operations: (m) =>
        m.dropIndex(productIndex({ keys: [{ expression: 'lower(name)', order: 'desc' }], where: 'stock > 0' })),
    })
    expect(result.forwards).toEqual([`DROP INDEX "public"."product_lower_name_idx"`])
    expect(result.backwards).toEqual([
      `CREATE INDEX "product_lower_name_idx" ON "public"."product" USING btree ((lower(name)) DESC) WHERE stock > 0`,
    ])
  })
})

describeEngines('sql and raw operations', { database: 'shared' }, (ctx) => {
  it('sql with backwards SQL runs each in its direction', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => m.sql('CREATE VIEW cheap AS SELECT name FROM product WHERE price < 10', 'DROP VIEW cheap'),
      afterForwards: async (db) =>
        expect(await rows(db, `select viewname::text from pg_views where schemaname = 'public'`)).toEqual([
          { viewname: 'cheap' },
        ]),
      afterBackwards: async (db) =>
        expect(await rows(db, `select viewname::text from pg_views where schemaname = 'public'`)).toEqual([]),
      compareWithScratch: false,
    })
    expect(result.forwards).toEqual(['CREATE VIEW cheap AS SELECT name FROM product WHERE price < 10'])
    expect(result.backwards).toEqual(['DROP VIEW cheap'])
    expect(result.snapshotAfter).toEqual(result.snapshotBefore)
  })

  it('sql without backwards: backwards runs nothing for it', async () => {
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      seed: seedShop,
      operations: (m) => m.sql(`UPDATE product SET stock = stock + 1`),
      afterBackwards: async (db) => expect(await rows(db, 'select stock from product')).toEqual([{ stock: 8 }]),
    })
    expect(result.forwards).toEqual(['UPDATE product SET stock = stock + 1'])
    expect(result.backwards).toEqual([])
  })

  it('addRaw runs forwards only and addRawBackwards backwards only, inside the migration transaction', async () => {
    const seen: string[] = []
    const result = await roundTrip(ctx().engine, {
      start: shop(),
      operations: (m) => {
        m.addRaw(async (db) => {
          seen.push('forwards')
          await db.query(`insert into product (name, price, stock) values ($1, 1, 1)`, ['raw'])
        })
        m.addRawBackwards(async (db) => {
          seen.push('backwards')
          await db.query(`delete from product where name = $1`, ['raw'])
        })
      },
      afterForwards: async (db) => expect(await rows(db, 'select name from product')).toEqual([{ name: 'raw' }]),
      afterBackwards: async (db) => expect(await rows(db, 'select name from product')).toEqual([]),
    })
    expect(seen).toEqual(['forwards', 'backwards'])
    expect(result.forwards).toEqual(['<raw>'])
    expect(result.backwards).toEqual(['<raw>'])
  })
})

const LONG_TABLE = `${'long_table_name_'.repeat(3)}abcdefghijklmno` // 63 bytes
class Order extends Table {
  static override tablename = 'order'
  user = new Varchar({ length: 20, unique: true })
  select = new Integer({ index: true, default: 0 })
  userName = new Text({ dbColumnName: 'UserName', null: true, index: true })
  quoted = new Text({ dbColumnName: 'say "hi"', null: true, unique: true })
  static override constraints = [check('"select" >= 0'), index('userName', 'quoted')]
}
class Weird extends Table {
  static override tablename = 'We"ird Table'
  order = new ForeignKey(() => Order, { dbColumnName: 'Order' })
  group = new Text({ null: true, unique: true })
}
class Long extends Table {
  static override tablename = LONG_TABLE
  firstVeryLongColumnName = new Text({ null: true, unique: true, index: true })
  secondVeryLongColumnName = new Text({ null: true, unique: true, index: true })
  order = new ForeignKey(() => Order)
  static override constraints = [unique('firstVeryLongColumnName', 'secondVeryLongColumnName')]
}
const identifiers = () => model(app('blog', [Order, Weird, Long])).snapshot
const bytes = (name: string) => Buffer.byteLength(name, 'utf8')

describeEngines('identifiers that need quoting', { database: 'shared' }, (ctx) => {
  it('reserved words, mixed case, double quotes and a 63-byte table name create, rename and drop', async () => {
    const { engine } = ctx()
    const snapshot = identifiers()
    const result = await roundTrip(engine, {
      operations: (m) => {
        const diff = diffApp({ tables: [], enums: [] }, snapshot, 'blog')
        m.operations.push(...diff.operations)
      },
      afterForwards: async (db) => {
        await db.exec(`insert into "order" ("user", "select", "UserName", "say ""hi""") values ('u', 1, 'U', 'q')`)
        await db.exec(`insert into "We""ird Table" ("Order", "group") values (1, 'g')`)
        expect(
          await rows(db, `select o."user", w."group" from "We""ird Table" w join "order" o on o.id = w."Order"`),
        ).toEqual([{ user: 'u', group: 'g' }])
      },
    })
    expect(result.forwards).toContain(`CREATE TABLE "public"."We""ird Table" ()`)
    expect(result.forwards).toContain(
      `ALTER TABLE "public"."order" ADD COLUMN "say ""hi""" text CONSTRAINT "order_say ""hi""_key" UNIQUE`,
    )
    expect(result.forwards).toContain(`CREATE INDEX "order_UserName_idx" ON "public"."order" USING btree ("UserName")`)
    const long = findTable(result.after, 'public', LONG_TABLE)!
    expect(long).toBeDefined()
    const names = [
      ...long.uniques.map((u) => u.name),
      ...long.indexes.map((i) => i.name),
      long.primaryKey!.name,
      ...long.foreignKeys.map((f) => f.name),
    ]
    expect(names).toHaveLength(7)
    expect(new Set(names).size).toBe(7)
    for (const name of names) expect(bytes(name)).toBeLessThanOrEqual(63)
    // Shortened names keep a readable prefix and the suffix, and are stable.
    expect(long.uniques.map((u) => u.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^long_table_name_long_table_name_.*_[0-9a-f]{8}_key$/)]),
    )
    expect(findTable(result.after, 'public', 'We"ird Table')!.foreignKeys[0]).toMatchObject({
      name: 'We"ird Table_Order_fkey',
      referencedTable: 'order',
    })
  })

  it('renaming a table to a 63-byte name and a column with a quote renames every generated name', async () => {
    const result = await roundTrip(ctx().engine, {
      start: model(app('blog', [Order])).snapshot,
      operations: (m) => {
        m.renameTable({ oldClassName: 'Order', newClassName: 'Order', oldTablename: 'order', newTablename: LONG_TABLE })
        m.renameColumn({
          tableClassName: 'Order',
          tablename: LONG_TABLE,
          oldColumnName: 'user',
          newColumnName: 'user',
          oldDbColumnName: 'user',
          newDbColumnName: 'the "user"',
        })
      },
    })
    expect(result.forwards[0]).toBe(`ALTER TABLE "public"."order" RENAME TO "${LONG_TABLE}"`)
    expect(result.forwards).toContain(`ALTER TABLE "public"."${LONG_TABLE}" RENAME COLUMN "user" TO "the ""user"""`)
    const table = findTable(result.after, 'public', LONG_TABLE)!
    const names = [
      ...table.uniques.map((u) => u.name),
      ...table.indexes.map((i) => i.name),
      ...table.checks.map((c) => c.name),
      table.primaryKey!.name,
    ]
    expect(new Set(names).size).toBe(names.length)
    for (const name of names) {
      expect(bytes(name)).toBeLessThanOrEqual(63)
      expect(name.startsWith('long_table_name_')).toBe(true)
    }
  })
})
