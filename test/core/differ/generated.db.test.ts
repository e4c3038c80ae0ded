/**
 * Migrations the differ writes for model changes that once broke on a real database: each runs
 * forwards and backwards on Postgres 15 and PGlite, and the result matches the model built from scratch.
 */
import { describe, expect, it } from 'vitest'
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
} from '../../../src/index.js'
import { findTable } from '../../../src/runtime/introspect.js'
import { app, model } from '../../helpers/models.js'
import { describeEngines } from '../../helpers/databases.js'
import { evolve } from '../../helpers/evolve.js'
import { roundTrip, rows } from '../../helpers/scenarios.js'

describeEngines('generated migrations', { database: 'shared' }, (ctx) => {
  it('Serial to Integer drops the sequence; back to Serial creates one that continues after the rows', async () => {
    const change = evolve(
      () => {
        class Ticket extends Table {
          id = new Serial({ primaryKey: true })
          name = new Text()
        }
        return [Ticket]
      },
      () => {
        class Ticket extends Table {
          id = new Integer({ primaryKey: true, null: true, default: null })
          name = new Text()
        }
        return [Ticket]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into ticket (name) values ('a'), ('b')`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
        class Account extends Table {
          id = new Integer({ primaryKey: true })
        }
        class Invoice extends Table {
          account = new ForeignKey(() => Account)
        }
        return [Account, Invoice]
      },
      () => {
        class Account extends Table {
          id = new BigIntColumn({ primaryKey: true })
        }
        class Invoice extends Table {
          account = new ForeignKey(() => Account)
        }
        return [Account, Invoice]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into account (id) values (7); insert into invoice (account) values (7);`,
      operations: change.migration(),
      afterForwards: async (db) =>
        expect(await rows(db, 'select account::text from invoice')).toEqual([{ account: '7' }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."invoice" DROP CONSTRAINT "invoice_account_fkey"`,
      `ALTER TABLE "public"."account" ALTER COLUMN "id" TYPE bigint`,
      `ALTER TABLE "public"."invoice" ALTER COLUMN "account" TYPE bigint`,
      `ALTER TABLE "public"."invoice" ADD CONSTRAINT "invoice_account_fkey" FOREIGN KEY ("account") REFERENCES "public"."account" ("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    ])
    expect(findTable(result.after, 'public', 'invoice')!.columns.find((c) => c.name === 'account')!.type).toBe('bigint')
  })

  it('an enum value added and used as a default in the same migration (ADD VALUE commits first)', async () => {
    const change = evolve(
      () => {
        class Task extends Table {
          state = new Enum('state', ['todo', 'done'], { default: 'todo' })
        }
        return [Task]
      },
      () => {
        class Task extends Table {
          state = new Enum('state', ['new', 'todo', 'done'], { default: 'new' })
        }
        return [Task]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into task default values`,
      operations: change.migration(),
    })
    expect(result.forwards).toEqual([
      `ALTER TYPE "public"."state" ADD VALUE IF NOT EXISTS 'new' BEFORE 'todo'`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" DROP DEFAULT`,
      `ALTER TABLE "public"."task" ALTER COLUMN "state" SET DEFAULT 'new'`,
    ])
  })

  it('an enum value removed while the default moves off it: the type is rebuilt last, added back first', async () => {
    const change = evolve(
      () => {
        class Task extends Table {
          state = new Enum('state', ['todo', 'doing', 'done'], { default: 'doing' })
        }
        return [Task]
      },
      () => {
        class Task extends Table {
          state = new Enum('state', ['todo', 'done', 'archived'], { default: 'todo' })
        }
        return [Task]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into task (state) values ('todo'), ('done')`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
        class Post extends Table {
          category = new Integer({ null: true, default: null })
        }
        return [Post]
      },
      () => {
        class Category extends Table {
          name = new Varchar({ length: 40 })
        }
        class Post extends Table {
          category = new ForeignKey(() => Category)
        }
        return [Post, Category]
      },
    )
    const result = await roundTrip(ctx().engine, { start: change.from, operations: change.migration() })
    const key = `ALTER TABLE "public"."category" ADD COLUMN "id" serial CONSTRAINT "category_pkey" PRIMARY KEY`
    const foreignKey = `ALTER TABLE "public"."post" ADD CONSTRAINT "post_category_fkey" FOREIGN KEY ("category") REFERENCES "public"."category" ("id") ON DELETE CASCADE ON UPDATE CASCADE`
    // Both are written (indexOf of a missing one is -1, which is "before" anything) …
    expect(result.forwards).toEqual(expect.arrayContaining([key, foreignKey]))
    // … and the key comes first.
    expect(result.forwards.indexOf(key)).toBeLessThan(result.forwards.indexOf(foreignKey))
  })

  it('a renamed table that foreign keys point at: no foreign key is rewritten, backwards too', async () => {
    const change = evolve(
      () => {
        class Author extends Table {
          name = new Text()
        }
        class Book extends Table {
          author = new ForeignKey(() => Author)
        }
        return [Author, Book]
      },
      () => {
        class Writer extends Table {
          static override renamedFrom = 'Author'
          name = new Text()
        }
        class Book extends Table {
          author = new ForeignKey(() => Writer)
        }
        return [Writer, Book]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into author (name) values ('x'); insert into book (author) values (1)`,
      operations: change.migration(),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."author" RENAME TO "writer"`,
      `ALTER TABLE "public"."writer" RENAME CONSTRAINT "author_pkey" TO "writer_pkey"`,
    ])
  })
})

describeEngines('generated migrations: names that other renames give up', { database: 'shared' }, (ctx) => {
  it('a chain of table renames frees each name before it is taken; forwards and backwards', async () => {
    // Group becomes Crew in table "team" while Team moves to "member": "team" must be free first.
    const change = evolve(
      () => {
        class Group extends Table {
          static override tablename = 'group'
          name = new Text()
        }
        class Team extends Table {
          static override tablename = 'team'
          label = new Text()
        }
        return [Group, Team]
      },
      () => {
        class Crew extends Table {
          static override renamedFrom = 'Group'
          static override tablename = 'team'
          name = new Text()
        }
        class Team extends Table {
          static override tablename = 'member'
          label = new Text()
        }
        return [Crew, Team]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into "group" (name) values ('g'); insert into team (label) values ('t')`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
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
        return [Old, Crew, Player]
      },
      () => {
        class Crew extends Table {
          static override tablename = 'team'
          name = new Text()
        }
        class Player extends Table {
          team = new ForeignKey(() => Crew, { null: true })
        }
        return [Crew, Player]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into crew (name) values ('c'); insert into player (team) values (null)`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
        class Cat extends Table {
          static override tablename = 'a'
          name = new Text()
        }
        class Dog extends Table {
          static override tablename = 'b'
          name = new Text()
        }
        return [Cat, Dog]
      },
      () => {
        class Cat extends Table {
          static override tablename = 'b'
          name = new Text()
        }
        class Dog extends Table {
          static override tablename = 'a'
          name = new Text()
        }
        return [Cat, Dog]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into a (name) values ('cat'); insert into b (name) values ('dog')`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
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
        return [Cat, Dog]
      },
      () => {
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
        return [Cat, Dog]
      },
    )
    await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into north.pet (name) values ('cat'); insert into south.pet (name) values ('dog')`,
      operations: change.migration(),
      afterForwards: async (db) => {
        expect(await rows(db, 'select name from south.pet')).toEqual([{ name: 'cat' }])
        expect(await rows(db, 'select name from north.pet')).toEqual([{ name: 'dog' }])
      },
    })
  })

  it('a table renamed and moved to another schema, its new name taken in the old one: moved first, then renamed', async () => {
    class User extends Table {
      static override tablename = 'member'
      name = new Text()
    }
    const change = evolve(
      () => {
        class Role extends Table {
          static override tablename = 'role'
          name = new Text()
        }
        return [Role, User]
      },
      () => {
        class Role extends Table {
          static override tablename = 'member'
          static override schema = 'extra'
          name = new Text()
        }
        return [Role, User]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into role (name) values ('r'); insert into member (name) values ('u')`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
        class Point extends Table {
          x = new Integer({ dbColumnName: 'x' })
          y = new Integer({ dbColumnName: 'y' })
          label = new Text({ dbColumnName: 'label' })
          note = new Text({ dbColumnName: 'note' })
        }
        return [Point]
      },
      () => {
        class Point extends Table {
          x = new Integer({ dbColumnName: 'y' })
          y = new Integer({ dbColumnName: 'x' })
          label = new Text({ dbColumnName: 'note' })
          note = new Text({ dbColumnName: 'remark' })
        }
        return [Point]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into point (x, y, label, note) values (1, 2, 'l', 'n')`,
      operations: change.migration(),
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

describeEngines('generated migrations: order of drops and additions', { database: 'shared' }, (ctx) => {
  it('replacing the implicit id by an explicit primary key drops the old key first', async () => {
    const change = evolve(
      () => {
        class Country extends Table {
          code = new Varchar({ length: 2 })
        }
        return [Country]
      },
      () => {
        class Country extends Table {
          code = new Varchar({ length: 2, primaryKey: true })
        }
        return [Country]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into country (code) values ('fr')`,
      operations: change.migration(),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."country" DROP COLUMN "id"`,
      // A column that becomes the key lets go of its implicit default ('').
      `ALTER TABLE "public"."country" ALTER COLUMN "code" DROP DEFAULT`,
      `ALTER TABLE "public"."country" ADD CONSTRAINT "country_pkey" PRIMARY KEY ("code")`,
    ])
    expect(findTable(result.after, 'public', 'country')!.primaryKey).toEqual({
      name: 'country_pkey',
      columns: ['code'],
    })
  })

  it('a primary key replaced by another while the foreign key that points at it moves to the new one', async () => {
    // The foreign key's constraint lets go before the old key goes and comes back after the new one.
    const change = evolve(
      () => {
        class Country extends Table {
          code = new Varchar({ length: 2, primaryKey: true })
          name = new Text()
        }
        class City extends Table {
          country = new ForeignKey(() => Country)
        }
        return [Country, City]
      },
      () => {
        class Country extends Table {
          code = new Varchar({ length: 2, unique: true })
          name = new Text({ primaryKey: true })
        }
        class City extends Table {
          country = new ForeignKey(() => Country)
        }
        return [Country, City]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into country (code, name) values ('fr', 'France'); insert into city (country) values (null)`,
      operations: change.migration(),
    })
    const city = findTable(result.after, 'public', 'city')!
    expect(
      city.foreignKeys.map((k) => ({ columns: k.columns, table: k.referencedTable, to: k.referencedColumns })),
    ).toEqual([{ columns: ['country'], table: 'country', to: ['name'] }])
    expect(findTable(result.after, 'public', 'country')!.primaryKey?.columns).toEqual(['name'])
  })

  it('a primary key that becomes unique while a foreign key keeps pointing at it', async () => {
    const change = evolve(
      () => {
        class Tag extends Table {
          slug = new Varchar({ length: 40, primaryKey: true })
        }
        class Post extends Table {
          tag = new ForeignKey(() => Tag)
        }
        return [Tag, Post]
      },
      () => {
        class Tag extends Table {
          slug = new Varchar({ length: 40, unique: true })
        }
        class Post extends Table {
          tag = new ForeignKey(() => Tag, { targetColumn: 'slug' })
        }
        return [Tag, Post]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into tag (slug) values ('ts'); insert into post (tag) values ('ts')`,
      operations: change.migration(),
      afterForwards: async (db) => {
        expect(await rows(db, 'select tag from post')).toEqual([{ tag: 'ts' }])
      },
    })
    expect(findTable(result.after, 'public', 'post')!.foreignKeys.map((k) => k.referencedColumns)).toEqual([['slug']])
  })

  it('a table-level unique constraint that a foreign key points at, replaced by the primary key', async () => {
    // The constraint is dropped before renames and other drops: the foreign key lets go before that,
    // under its old names (the table holding it is renamed in the same migration).
    const change = evolve(
      () => {
        class Tag extends Table {
          static override constraints = [unique('slug')]
          slug = new Varchar({ length: 40 })
        }
        class Post extends Table {
          tag = new ForeignKey(() => Tag, { targetColumn: 'slug' })
        }
        return [Tag, Post]
      },
      () => {
        class Tag extends Table {
          slug = new Varchar({ length: 40, primaryKey: true })
        }
        class Article extends Table {
          static override renamedFrom = 'Post'
          tag = new ForeignKey(() => Tag)
        }
        return [Tag, Article]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into tag (slug) values ('ts'); insert into post (tag) values ('ts')`,
      operations: change.migration(),
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
    const change = evolve(
      () => {
        class Post extends Table {
          title = new Text({ dbColumnName: 'name' })
        }
        class Draft extends Table {
          static override tablename = 'note'
          body = new Text()
        }
        return [Post, Draft]
      },
      () => {
        class Post extends Table {
          headline = new Varchar({ length: 80, dbColumnName: 'name' })
        }
        class Note extends Table {
          body = new Text()
        }
        return [Post, Note]
      },
    )
    const answers = {
      accepted: new Set<string>(),
      declined: new Set(['column:blog:Post:title->headline', 'table:blog:Draft->Note']),
    }
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      operations: change.migration({ answers }),
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
    const change = evolve([Person, Team], [])
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into person (name) values ('p'); insert into team (lead) values (1); update person set team = 1;`,
      operations: change.migration(),
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

  it('two dropped tables that point at each other, with a check and an index on the key that goes first: backwards restores both', async () => {
    class Person extends Table {
      name = new Text()
      team = new ForeignKey((): typeof Team => Team, { null: true })
      static override constraints = [check('team IS NULL OR team > 0'), index('name', { where: sql`team IS NOT NULL` })]
    }
    class Team extends Table {
      lead = new ForeignKey(() => Person)
    }
    const change = evolve([Person, Team], [])
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into person (name) values ('p'); insert into team (lead) values (1); update person set team = 1;`,
      operations: change.migration(),
    })
    expect(result.forwards.slice(0, 3)).toEqual([
      `ALTER TABLE "public"."person" DROP CONSTRAINT "person_team_is_null_or_team_check"`,
      `DROP INDEX "public"."person_name_idx"`,
      `ALTER TABLE "public"."person" DROP COLUMN "team"`,
    ])
  })

  it('a check and a partial index naming a renamed column: replaced before the rename, restored after it', async () => {
    const change = evolve(
      () => {
        class Item extends Table {
          price = new Integer({ dbColumnName: 'cost' })
          static override constraints = [check('cost >= 0'), index('price', { where: sql`cost > 10` })]
        }
        return [Item]
      },
      () => {
        class Item extends Table {
          price = new Integer()
          static override constraints = [check('price >= 0'), index('price', { where: sql`price > 10` })]
        }
        return [Item]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into item (cost) values (5)`,
      operations: change.migration(),
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
    const change = evolve([Tag, Note, NoteTag], [Tag, Note])
    expect(change.from.tables.find((t) => t.className === 'NoteTag')!.columns.map((c) => c.params.null)).toEqual([
      false,
      false,
    ])
    const result = await roundTrip(ctx().engine, { start: change.from, operations: change.migration() })
    const table = findTable(result.before, 'public', 'note_tag')!
    expect([table.primaryKey?.name, table.uniques.map((u) => u.name)]).toEqual([
      'note_tag_pkey',
      ['note_tag_note_tag_key'],
    ])
    expect(table.columns.map((c) => c.nullable)).toEqual([false, false])
  })

  it('an array of text becomes an array of integers with USING', async () => {
    const change = evolve(
      () => {
        class Post extends Table {
          scores = new ArrayColumn(new Text(), { null: true })
        }
        return [Post]
      },
      () => {
        class Post extends Table {
          scores = new ArrayColumn(new Integer(), { null: true })
        }
        return [Post]
      },
    )
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      seed: `insert into post (scores) values ('{1,2}')`,
      operations: change.migration(),
      afterForwards: async (db) => expect(await rows(db, 'select scores from post')).toEqual([{ scores: [1, 2] }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" ALTER COLUMN "scores" TYPE integer[] USING "scores"::integer[]`,
    ])
  })

  it('a foreign key that becomes a plain column lets go of its target before the target table is dropped', async () => {
    const change = evolve(
      () => {
        class Author extends Table {
          name = new Text()
        }
        class Post extends Table {
          author = new ForeignKey(() => Author)
        }
        return [Author, Post]
      },
      () => {
        class Post extends Table {
          author = new Integer({ null: true, default: null })
        }
        return [Post]
      },
    )
    const result = await roundTrip(ctx().engine, { start: change.from, operations: change.migration() })
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

describeEngines('generated names', { database: 'shared' }, (ctx) => {
  it('named, they are accepted and both created', async () => {
    class Price extends Table {
      price = new Integer()
      static override constraints = [check('price > 0'), check('price < 1000', { name: 'price_below_1000' })]
    }
    const result = await roundTrip(ctx().engine, { operations: evolve([], [Price]).migration() })
    expect(findTable(result.after, 'public', 'price')!.checks.map((c) => c.name)).toEqual([
      'price_below_1000',
      'price_price_check',
    ])
  })
})
