/**
 * Migrations the differ writes for model changes that once broke on a real database: each runs
 * forwards and backwards on Postgres 15 and PGlite, and the result matches the model built from scratch.
 */
import { describe, expect, it } from 'vitest'
import { diffApp } from '../../src/differ/diff.js'
import {
  Array as ArrayColumn,
  BigInt as BigIntColumn,
  check,
  Enum,
  ForeignKey,
  Integer,
  index,
  Serial,
  sql,
  Table,
  Text,
  unique,
  Varchar,
} from '../../src/index.js'
import type { MigrationManager } from '../../src/migration/manager.js'
import type { SnapshotData } from '../../src/migration/snapshot.js'
import { findTable } from '../../src/runtime/introspect.js'
import type { ModelSnapshot } from '../../src/schema/to-snapshot.js'
import { app, model } from '../helpers/engine.js'
import { describeSharedEngines, roundTrip, rows } from '../helpers/scenarios.js'

/** The migration `diffApp` writes from `from` to the model `to` (destructive changes allowed). */
const generated = (from: SnapshotData, to: ModelSnapshot) => (m: MigrationManager) => {
  const diff = diffApp(from, to.snapshot, 'blog', { allowDestructive: true, hints: to.hints })
  expect(diff.questions).toEqual([])
  m.operations.push(...diff.operations)
}

describeSharedEngines('generated migrations', (ctx) => {
  it('Serial to Integer drops the sequence; back to Serial creates one that continues after the rows', async () => {
    class Ticket extends Table {
      id = new Serial({ primaryKey: true })
      name = new Text()
    }
    const before = model(app('blog', [Ticket])).snapshot
    const after = (() => {
      class Ticket extends Table {
        id = new Integer({ primaryKey: true, null: true, default: null })
        name = new Text()
      }
      return model(app('blog', [Ticket]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into ticket (name) values ('a'), ('b')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, `select count(*)::int as n from pg_class where relkind = 'S'`)).toEqual([{ n: 0 }])
      },
      afterBackwards: async (db) => {
        await db.exec(`insert into ticket (name) values ('c')`)
        expect(await rows(db, 'select id, name from ticket order by id')).toEqual([
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
          { id: 3, name: 'c' },
        ])
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."ticket" ALTER COLUMN "id" DROP DEFAULT`,
      `DO $am$ BEGIN EXECUTE 'DROP SEQUENCE ' || pg_get_serial_sequence('"public"."ticket"', 'id'); END $am$`,
    ])
    expect(result.backwards).toEqual([
      `CREATE SEQUENCE "public"."ticket_id_seq" AS integer OWNED BY "public"."ticket"."id"`,
      `ALTER TABLE "public"."ticket" ALTER COLUMN "id" SET DEFAULT nextval('"public"."ticket_id_seq"'::regclass)`,
      `SELECT setval('"public"."ticket_id_seq"'::regclass, coalesce(max("id"), 0) + 1, false) FROM "public"."ticket"`,
    ])
    expect(findTable(result.after, 'public', 'ticket')!.columns.find((c) => c.name === 'id')).toMatchObject({
      serial: false,
      default: null,
    })
  })

  it('a primary key from Integer to BigInt converts the foreign keys that point at it', async () => {
    class Account extends Table {
      id = new Integer({ primaryKey: true })
    }
    class Invoice extends Table {
      account = new ForeignKey(() => Account)
    }
    const before = model(app('blog', [Account, Invoice])).snapshot
    const after = (() => {
      class Account extends Table {
        id = new BigIntColumn({ primaryKey: true })
      }
      class Invoice extends Table {
        account = new ForeignKey(() => Account)
      }
      return model(app('blog', [Account, Invoice]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into account (id) values (7); insert into invoice (account) values (7);`,
      operations: generated(before, after),
      afterForwards: async (db) =>
        expect(await rows(db, 'select account::text from invoice')).toEqual([{ account: '7' }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."invoice" DROP CONSTRAINT "invoice_account_fkey"`,
      `ALTER TABLE "public"."account" ALTER COLUMN "id" DROP DEFAULT`,
      `ALTER TABLE "public"."account" ALTER COLUMN "id" TYPE bigint`,
      `ALTER TABLE "public"."invoice" ALTER COLUMN "account" TYPE bigint`,
      `ALTER TABLE "public"."account" ALTER COLUMN "id" SET DEFAULT 0`,
      `ALTER TABLE "public"."invoice" ADD CONSTRAINT "invoice_account_fkey" FOREIGN KEY ("account") REFERENCES "public"."account" ("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    ])
    expect(findTable(result.after, 'public', 'invoice')!.columns.find((c) => c.name === 'account')!.type).toBe('bigint')
  })

  it('an enum value added and used as a default in the same migration (ADD VALUE commits first)', async () => {
    class Task extends Table {
      state = new Enum('state', ['todo', 'done'], { default: 'todo' })
    }
    const before = model(app('blog', [Task])).snapshot
    const after = (() => {
      class Task extends Table {
        state = new Enum('state', ['new', 'todo', 'done'], { default: 'new' })
      }
      return model(app('blog', [Task]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into task default values`,
      operations: generated(before, after),
    })
    expect(result.forwards).toEqual([
      `ALTER TYPE "public"."state" ADD VALUE IF NOT EXISTS 'new' BEFORE 'todo'`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" DROP DEFAULT`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" SET DEFAULT 'new'`,
    ])
  })

  it('an enum value removed while the default moves off it: the type is rebuilt last, added back first', async () => {
    class Task extends Table {
      state = new Enum('state', ['todo', 'doing', 'done'], { default: 'doing' })
    }
    const before = model(app('blog', [Task])).snapshot
    const after = (() => {
      class Task extends Table {
        state = new Enum('state', ['todo', 'done', 'archived'], { default: 'todo' })
      }
      return model(app('blog', [Task]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into task (state) values ('todo'), ('done')`,
      operations: generated(before, after),
      afterForwards: async (db, after) => {
        expect(after.enums[0]?.values).toEqual(['todo', 'done', 'archived'])
        expect(await rows(db, 'select state::text from task order by 1')).toEqual([
          { state: 'done' },
          { state: 'todo' },
        ])
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TYPE "public"."state" ADD VALUE IF NOT EXISTS 'archived'`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" DROP DEFAULT`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" SET DEFAULT 'todo'`,
      `ALTER TYPE "public"."state" RENAME TO "state__old"`,
      `CREATE TYPE "public"."state" AS ENUM ('todo', 'done', 'archived')`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" DROP DEFAULT`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" TYPE "public"."state" USING "state"::text::"public"."state"`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" SET DEFAULT 'todo'`,
      `DROP TYPE "public"."state__old"`,
    ])
  })

  it('an Integer column that becomes a foreign key to a new table waits for the table', async () => {
    class Post extends Table {
      category = new Integer({ null: true, default: null })
    }
    const before = model(app('blog', [Post])).snapshot
    const after = (() => {
      class Category extends Table {
        name = new Varchar({ length: 40 })
      }
      class Post extends Table {
        category = new ForeignKey(() => Category)
      }
      return model(app('blog', [Post, Category]))
    })()
    const result = await roundTrip(ctx().engine, { start: before, operations: generated(before, after) })
    expect(
      result.forwards.indexOf(
        `ALTER TABLE "public"."category" ADD COLUMN "id" serial CONSTRAINT "category_pkey" PRIMARY KEY`,
      ),
    ).toBeLessThan(
      result.forwards.indexOf(
        `ALTER TABLE "public"."post" ADD CONSTRAINT "post_category_fkey" FOREIGN KEY ("category") REFERENCES "public"."category" ("id") ON DELETE CASCADE ON UPDATE CASCADE`,
      ),
    )
  })

  it('a renamed table that foreign keys point at: no foreign key is rewritten, backwards too', async () => {
    class Author extends Table {
      name = new Text()
    }
    class Book extends Table {
      author = new ForeignKey(() => Author)
    }
    const before = model(app('blog', [Author, Book])).snapshot
    const after = (() => {
      class Writer extends Table {
        static override renamedFrom = 'Author'
        name = new Text()
      }
      class Book extends Table {
        author = new ForeignKey(() => Writer)
      }
      return model(app('blog', [Writer, Book]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into author (name) values ('x'); insert into book (author) values (1)`,
      operations: generated(before, after),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."author" RENAME TO "writer"`,
      `ALTER TABLE "public"."writer" RENAME CONSTRAINT "author_pkey" TO "writer_pkey"`,
    ])
  })
})

describeSharedEngines('generated migrations: names that other renames give up', (ctx) => {
  it('a chain of table renames frees each name before it is taken; forwards and backwards', async () => {
    // Group becomes Crew in table "team" while Team moves to "member": "team" must be free first.
    class Group extends Table {
      static override tablename = 'group'
      name = new Text()
    }
    class Team extends Table {
      static override tablename = 'team'
      label = new Text()
    }
    const before = model(app('blog', [Group, Team])).snapshot
    const after = (() => {
      class Crew extends Table {
        static override renamedFrom = 'Group'
        static override tablename = 'team'
        name = new Text()
      }
      class Team extends Table {
        static override tablename = 'member'
        label = new Text()
      }
      return model(app('blog', [Crew, Team]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into "group" (name) values ('g'); insert into team (label) values ('t')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name from team')).toEqual([{ name: 'g' }])
        expect(await rows(db, 'select label from member')).toEqual([{ label: 't' }])
      },
    })
    expect(result.forwards.filter((s) => / RENAME TO /.test(s))).toEqual([
      `ALTER TABLE "public"."team" RENAME TO "member"`,
      `ALTER TABLE "public"."group" RENAME TO "team"`,
    ])
  })

  it('a table renamed to the name of a dropped table that a foreign key pointed at: the key lets go, the table goes, then the rename', async () => {
    class Old extends Table {
      static override tablename = 'team'
      name = new Text()
    }
    class Crew extends Table {
      static override tablename = 'crew'
      name = new Text()
    }
    class Player extends Table {
      team = new ForeignKey(() => Old, { null: true })
    }
    const before = model(app('blog', [Old, Crew, Player])).snapshot
    const after = (() => {
      class Crew extends Table {
        static override tablename = 'team'
        name = new Text()
      }
      class Player extends Table {
        team = new ForeignKey(() => Crew, { null: true })
      }
      return model(app('blog', [Crew, Player]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into crew (name) values ('c'); insert into player (team) values (null)`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name from team')).toEqual([{ name: 'c' }])
      },
    })
    expect(result.forwards.filter((s) => /^(DROP TABLE|ALTER TABLE \S+ RENAME TO) /.test(s))).toEqual([
      `DROP TABLE "public"."team"`,
      `ALTER TABLE "public"."crew" RENAME TO "team"`,
    ])
  })

  it('two tables that swap names go through a temporary name, and rows stay with their tables', async () => {
    class Cat extends Table {
      static override tablename = 'a'
      name = new Text()
    }
    class Dog extends Table {
      static override tablename = 'b'
      name = new Text()
    }
    const before = model(app('blog', [Cat, Dog])).snapshot
    const after = (() => {
      class Cat extends Table {
        static override tablename = 'b'
        name = new Text()
      }
      class Dog extends Table {
        static override tablename = 'a'
        name = new Text()
      }
      return model(app('blog', [Cat, Dog]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into a (name) values ('cat'); insert into b (name) values ('dog')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name from b')).toEqual([{ name: 'cat' }])
        expect(await rows(db, 'select name from a')).toEqual([{ name: 'dog' }])
      },
      afterBackwards: async (db) => {
        expect(await rows(db, 'select name from a')).toEqual([{ name: 'cat' }])
      },
    })
    expect(result.forwards.filter((s) => / RENAME TO /.test(s))).toEqual([
      `ALTER TABLE "public"."a" RENAME TO "a_swap1"`,
      `ALTER TABLE "public"."b" RENAME TO "a"`,
      `ALTER TABLE "public"."a_swap1" RENAME TO "b"`,
    ])
  })

  it('two tables that swap schemas under one name', async () => {
    class Cat extends Table {
      static override tablename = 'pet'
      static override schema = 'north'
      name = new Text()
    }
    class Dog extends Table {
      static override tablename = 'pet'
      static override schema = 'south'
      name = new Text()
    }
    const before = model(app('blog', [Cat, Dog])).snapshot
    const after = (() => {
      class Cat extends Table {
        static override tablename = 'pet'
        static override schema = 'south'
        name = new Text()
      }
      class Dog extends Table {
        static override tablename = 'pet'
        static override schema = 'north'
        name = new Text()
      }
      return model(app('blog', [Cat, Dog]))
    })()
    await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into north.pet (name) values ('cat'); insert into south.pet (name) values ('dog')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name from south.pet')).toEqual([{ name: 'cat' }])
        expect(await rows(db, 'select name from north.pet')).toEqual([{ name: 'dog' }])
      },
    })
  })

  it('a table renamed and moved to another schema, its new name taken in the old one: moved first, then renamed', async () => {
    class Role extends Table {
      static override tablename = 'role'
      name = new Text()
    }
    class User extends Table {
      static override tablename = 'member'
      name = new Text()
    }
    const before = model(app('blog', [Role, User])).snapshot
    const after = (() => {
      class Role extends Table {
        static override tablename = 'member'
        static override schema = 'extra'
        name = new Text()
      }
      return model(app('blog', [Role, User]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into role (name) values ('r'); insert into member (name) values ('u')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name from extra.member')).toEqual([{ name: 'r' }])
        expect(await rows(db, 'select name from public.member')).toEqual([{ name: 'u' }])
      },
    })
    expect(result.forwards.filter((s) => /^ALTER TABLE \S+ (RENAME TO|SET SCHEMA) /.test(s))).toEqual([
      `ALTER TABLE "public"."role" SET SCHEMA "extra"`,
      `ALTER TABLE "extra"."role" RENAME TO "member"`,
    ])
  })

  it('columns that swap names, and a chain of column renames, keep their values', async () => {
    class Point extends Table {
      x = new Integer({ dbColumnName: 'x' })
      y = new Integer({ dbColumnName: 'y' })
      label = new Text({ dbColumnName: 'label' })
      note = new Text({ dbColumnName: 'note' })
    }
    const before = model(app('blog', [Point])).snapshot
    const after = (() => {
      class Point extends Table {
        x = new Integer({ dbColumnName: 'y' })
        y = new Integer({ dbColumnName: 'x' })
        label = new Text({ dbColumnName: 'note' })
        note = new Text({ dbColumnName: 'remark' })
      }
      return model(app('blog', [Point]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into point (x, y, label, note) values (1, 2, 'l', 'n')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select x, y, note, remark from point')).toEqual([{ x: 2, y: 1, note: 'l', remark: 'n' }])
      },
      afterBackwards: async (db) => {
        expect(await rows(db, 'select x, y, label, note from point')).toEqual([{ x: 1, y: 2, label: 'l', note: 'n' }])
      },
    })
    expect(result.forwards.filter((s) => / RENAME COLUMN /.test(s))).toEqual([
      `ALTER TABLE "public"."point" RENAME COLUMN "note" TO "remark"`,
      `ALTER TABLE "public"."point" RENAME COLUMN "label" TO "note"`,
      `ALTER TABLE "public"."point" RENAME COLUMN "x" TO "x_swap1"`,
      `ALTER TABLE "public"."point" RENAME COLUMN "y" TO "x"`,
      `ALTER TABLE "public"."point" RENAME COLUMN "x_swap1" TO "y"`,
    ])
  })
})

describeSharedEngines('generated migrations: order of drops and additions', (ctx) => {
  it('replacing the implicit id by an explicit primary key drops the old key first', async () => {
    class Country extends Table {
      code = new Varchar({ length: 2 })
    }
    const before = model(app('blog', [Country])).snapshot
    const after = (() => {
      class Country extends Table {
        code = new Varchar({ length: 2, primaryKey: true })
      }
      return model(app('blog', [Country]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into country (code) values ('fr')`,
      operations: generated(before, after),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."country" DROP COLUMN "id"`,
      `ALTER TABLE "public"."country" ADD CONSTRAINT "country_pkey" PRIMARY KEY ("code")`,
    ])
    expect(findTable(result.after, 'public', 'country')!.primaryKey).toEqual({
      name: 'country_pkey',
      columns: ['code'],
    })
  })

  it('a primary key replaced by another while the foreign key that points at it moves to the new one', async () => {
    // The foreign key's constraint lets go before the old key goes and comes back after the new one.
    class Country extends Table {
      code = new Varchar({ length: 2, primaryKey: true })
      name = new Text()
    }
    class City extends Table {
      country = new ForeignKey(() => Country)
    }
    const before = model(app('blog', [Country, City])).snapshot
    const after = (() => {
      class Country extends Table {
        code = new Varchar({ length: 2, unique: true })
        name = new Text({ primaryKey: true })
      }
      class City extends Table {
        country = new ForeignKey(() => Country)
      }
      return model(app('blog', [Country, City]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into country (code, name) values ('fr', 'France'); insert into city (country) values (null)`,
      operations: generated(before, after),
    })
    const city = findTable(result.after, 'public', 'city')!
    expect(
      city.foreignKeys.map((k) => ({ columns: k.columns, table: k.referencedTable, to: k.referencedColumns })),
    ).toEqual([{ columns: ['country'], table: 'country', to: ['name'] }])
    expect(findTable(result.after, 'public', 'country')!.primaryKey?.columns).toEqual(['name'])
  })

  it('a primary key that becomes unique while a foreign key keeps pointing at it', async () => {
    class Tag extends Table {
      slug = new Varchar({ length: 40, primaryKey: true })
    }
    class Post extends Table {
      tag = new ForeignKey(() => Tag)
    }
    const before = model(app('blog', [Tag, Post])).snapshot
    const after = (() => {
      class Tag extends Table {
        slug = new Varchar({ length: 40, unique: true })
      }
      class Post extends Table {
        tag = new ForeignKey(() => Tag, { targetColumn: 'slug' })
      }
      return model(app('blog', [Tag, Post]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into tag (slug) values ('ts'); insert into post (tag) values ('ts')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select tag from post')).toEqual([{ tag: 'ts' }])
      },
    })
    expect(findTable(result.after, 'public', 'post')!.foreignKeys.map((k) => k.referencedColumns)).toEqual([['slug']])
  })

  it('a table-level unique constraint that a foreign key points at, replaced by the primary key', async () => {
    // The constraint is dropped before renames and other drops: the foreign key lets go before that,
    // under its old names (the table holding it is renamed in the same migration).
    class Tag extends Table {
      static override constraints = [unique('slug')]
      slug = new Varchar({ length: 40 })
    }
    class Post extends Table {
      tag = new ForeignKey(() => Tag, { targetColumn: 'slug' })
    }
    const before = model(app('blog', [Tag, Post])).snapshot
    const after = (() => {
      class Tag extends Table {
        slug = new Varchar({ length: 40, primaryKey: true })
      }
      class Article extends Table {
        static override renamedFrom = 'Post'
        tag = new ForeignKey(() => Tag)
      }
      return model(app('blog', [Tag, Article]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into tag (slug) values ('ts'); insert into post (tag) values ('ts')`,
      operations: generated(before, after),
      afterForwards: async (db) => {
        expect(await rows(db, 'select tag from article')).toEqual([{ tag: 'ts' }])
      },
    })
    expect(
      findTable(result.after, 'public', 'article')!.foreignKeys.map((k) => [k.referencedTable, k.referencedColumns]),
    ).toEqual([['tag', ['slug']]])
    expect(findTable(result.after, 'public', 'tag')!.primaryKey?.columns).toEqual(['slug'])
  })

  it('a new column may take the database name of a dropped one, a new table the name of a dropped one', async () => {
    class Post extends Table {
      title = new Text({ dbColumnName: 'name' })
    }
    class Draft extends Table {
      static override tablename = 'note'
      body = new Text()
    }
    const before = model(app('blog', [Post, Draft])).snapshot
    const after = (() => {
      class Post extends Table {
        headline = new Varchar({ length: 80, dbColumnName: 'name' })
      }
      class Note extends Table {
        body = new Text()
      }
      return model(app('blog', [Post, Note]))
    })()
    const answers = {
      accepted: new Set<string>(),
      declined: new Set(['column:blog:Post:title->headline', 'table:blog:Draft->Note']),
    }
    const result = await roundTrip(ctx().engine, {
      start: before,
      operations: (m) =>
        m.operations.push(...diffApp(before, after.snapshot, 'blog', { allowDestructive: true, answers }).operations),
    })
    expect(result.forwards.slice(0, 3)).toEqual([
      `DROP TABLE "public"."note"`,
      `ALTER TABLE "public"."post" DROP COLUMN "name"`,
      `CREATE TABLE "public"."note" ()`,
    ])
  })

  it('two dropped tables that point at each other: one key goes first, backwards adds it last', async () => {
    class Person extends Table {
      name = new Text()
      team = new ForeignKey((): typeof Team => Team)
    }
    class Team extends Table {
      lead = new ForeignKey(() => Person)
    }
    const before = model(app('blog', [Person, Team])).snapshot
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into person (name) values ('p'); insert into team (lead) values (1); update person set team = 1;`,
      operations: generated(before, model(app('blog', []))),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."person" DROP COLUMN "team"`,
      `DROP TABLE "public"."team"`,
      `DROP TABLE "public"."person"`,
    ])
    expect(result.backwards.at(-1)).toBe(
      `ALTER TABLE "public"."person" ADD COLUMN "team" integer CONSTRAINT "person_team_fkey" REFERENCES "public"."team" ("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    )
  })

  it('a check and a partial index naming a renamed column: replaced before the rename, restored after it', async () => {
    class Item extends Table {
      price = new Integer({ dbColumnName: 'cost' })
      static override constraints = [check('cost >= 0'), index('price', { where: sql`cost > 10` })]
    }
    const before = model(app('blog', [Item])).snapshot
    const after = (() => {
      class Item extends Table {
        price = new Integer()
        static override constraints = [check('price >= 0'), index('price', { where: sql`price > 10` })]
      }
      return model(app('blog', [Item]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into item (cost) values (5)`,
      operations: generated(before, after),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."item" DROP CONSTRAINT "item_cost_check"`,
      `DROP INDEX "public"."item_cost_idx"`,
      `ALTER TABLE "public"."item" RENAME COLUMN "cost" TO "price"`,
      `ALTER TABLE "public"."item" ADD CONSTRAINT "item_price_check" CHECK (price >= 0)`,
      `CREATE INDEX "item_price_idx" ON "public"."item" USING btree ("price") WHERE price > 10`,
    ])
  })

  it('a join table keyed by two foreign keys: its key columns are NOT NULL, and a unique on the same columns survives a drop', async () => {
    class Tag extends Table {
      label = new Text()
    }
    class Note extends Table {
      body = new Text()
    }
    class NoteTag extends Table {
      static override primaryKey = ['note', 'tag']
      note = new ForeignKey(() => Note)
      tag = new ForeignKey(() => Tag)
      static override constraints = [unique('note', 'tag')]
    }
    const before = model(app('blog', [Tag, Note, NoteTag]))
    expect(before.snapshot.tables.find((t) => t.className === 'NoteTag')!.columns.map((c) => c.params.null)).toEqual([
      false,
      false,
    ])
    const after = model(app('blog', [Tag, Note]))
    const result = await roundTrip(ctx().engine, {
      start: before.snapshot,
      operations: generated(before.snapshot, after),
    })
    const table = findTable(result.before, 'public', 'note_tag')!
    expect([table.primaryKey?.name, table.uniques.map((u) => u.name)]).toEqual([
      'note_tag_pkey',
      ['note_tag_note_tag_key'],
    ])
    expect(table.columns.map((c) => c.nullable)).toEqual([false, false])
  })

  it('an array of text becomes an array of integers with USING', async () => {
    class Post extends Table {
      scores = new ArrayColumn(new Text(), { null: true })
    }
    const before = model(app('blog', [Post])).snapshot
    const after = (() => {
      class Post extends Table {
        scores = new ArrayColumn(new Integer(), { null: true })
      }
      return model(app('blog', [Post]))
    })()
    const result = await roundTrip(ctx().engine, {
      start: before,
      seed: `insert into post (scores) values ('{1,2}')`,
      operations: generated(before, after),
      afterForwards: async (db) => expect(await rows(db, 'select scores from post')).toEqual([{ scores: [1, 2] }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" ALTER COLUMN "scores" TYPE integer[] USING "scores"::integer[]`,
    ])
  })

  it('a foreign key that becomes a plain column lets go of its target before the target table is dropped', async () => {
    class Author extends Table {
      name = new Text()
    }
    class Post extends Table {
      author = new ForeignKey(() => Author)
    }
    const before = model(app('blog', [Author, Post])).snapshot
    const after = (() => {
      class Post extends Table {
        author = new Integer({ null: true, default: null })
      }
      return model(app('blog', [Post]))
    })()
    const result = await roundTrip(ctx().engine, { start: before, operations: generated(before, after) })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" DROP CONSTRAINT "post_author_fkey"`,
      `DROP TABLE "public"."author"`,
    ])
  })
})

describe('generated names', () => {
  it('two declarations that would get one name are refused with a message that says what to do', () => {
    class Price extends Table {
      price = new Integer()
      static override constraints = [check('price > 0'), check('price < 1000')]
    }
    expect(() => model(app('blog', [Price]))).toThrow(
      /check\("price > 0"\) on Price and check\("price < 1000"\) on Price would both be named "price_price_check"/,
    )
    class Email extends Table {
      email = new Text({ index: true })
      static override constraints = [index('email', { where: sql`email <> ''` })]
    }
    expect(() => model(app('blog', [Email]))).toThrow(
      /the index of Email.email and index\(email\) where email <> '' on Email would both be named "email_email_idx"/,
    )
    class Mood extends Table {
      mood = new Enum('mood', ['a'])
    }
    expect(() => model(app('blog', [Mood]))).toThrow(expect.objectContaining({ code: 'ENUM_CONFLICT' }))
  })

  it('index declarations Postgres would refuse, and a foreign key that is its own target, are refused', () => {
    class Hashed extends Table {
      a = new Text()
      b = new Text()
      static override constraints = [index({ column: 'a', order: 'desc' }, { method: 'hash' })]
    }
    expect(() => model(app('blog', [Hashed]))).toThrow(/uses method hash, which does not support ordered keys/)
    class HashedTwo extends Table {
      a = new Text()
      b = new Text()
      static override constraints = [index('a', 'b', { method: 'hash' })]
    }
    expect(() => model(app('blog', [HashedTwo]))).toThrow(/takes a single key/)
    class Profile extends Table {
      self = new ForeignKey((): typeof Profile => Profile, { primaryKey: true })
    }
    expect(() => model(app('blog', [Profile]))).toThrow(/points \(through foreign keys\) at itself/)
  })
})

describeSharedEngines('generated names', (ctx) => {
  it('named, they are accepted and both created', async () => {
    class Price extends Table {
      price = new Integer()
      static override constraints = [check('price > 0'), check('price < 1000', { name: 'price_below_1000' })]
    }
    const after = model(app('blog', [Price]))
    const result = await roundTrip(ctx().engine, { operations: generated({ tables: [], enums: [] }, after) })
    expect(findTable(result.after, 'public', 'price')!.checks.map((c) => c.name)).toEqual([
      'price_below_1000',
      'price_price_check',
    ])
  })
})
