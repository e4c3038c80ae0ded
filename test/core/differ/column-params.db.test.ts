/**
 * SPEC §2b, column by column: the new column classes and params, each added, changed and removed by
 * the migration the differ writes, run forwards and backwards on Postgres 15 and PGlite (the round
 * trip checks the database against one built from scratch), and a second diff writes nothing.
 */
import { expect, it } from 'vitest'
import { diffApp } from '../../../src/core/differ/diff.js'
import { MigrationManager } from '../../../src/core/operations/manager.js'
import { stepsOf } from '../../../src/core/operations/replay.js'
import { SchemaState } from '../../../src/core/state/snapshot.js'
import {
  BigInt as BigIntColumn,
  Citext,
  Custom,
  exclude,
  ForeignKey,
  Hstore,
  Integer,
  index,
  Ltree,
  sql,
  Table,
  Text,
  TsVector,
  unique,
  Varchar,
  Vector,
} from '../../../src/index.js'
import type { Queryable } from '../../../src/runtime/engines/engine.js'
import { findTable, type PhysicalSchema } from '../../../src/runtime/introspect.js'
import { createMigrator } from '../../../src/runtime/runner.js'
import { describeEngines } from '../../helpers/databases.js'
import { APP, type Evolution, evolve } from '../../helpers/evolve.js'
import { roundTrip, rows, type ScenarioOptions, sqlOf } from '../../helpers/scenarios.js'

/** The extensions these columns need, created in the test database (apps declare them elsewhere). */
const EXTENSIONS = ['citext', 'hstore', 'ltree']

const table = (schema: PhysicalSchema, name: string) => findTable(schema, 'public', name)!
const column = (schema: PhysicalSchema, tableName: string, name: string) =>
  table(schema, tableName).columns.find((c) => c.name === name)!

describeEngines('SPEC §2b columns', { database: 'shared', extensions: [...EXTENSIONS, 'btree_gist'] }, (ctx) => {
  /** The change's migration forwards and backwards; then the differ finds nothing left to write. */
  async function migrate(change: Evolution, options: Partial<ScenarioOptions> = {}) {
    const result = await roundTrip(ctx().engine, {
      start: change.from,
      operations: change.migration(),
      extensions: EXTENSIONS,
      ...options,
    })
    const again = diffApp(result.snapshotAfter, change.to.snapshot, APP, { hints: change.to.hints })
    expect(again.operations.map((o) => o.describe())).toEqual([])
    return result
  }

  it('Citext, TsVector, Hstore, Ltree and Custom columns are created with their types and hold values', async () => {
    const change = evolve([], () => {
      class Doc extends Table {
        email = new Citext({ unique: true })
        search = new TsVector({ null: true })
        attrs = new Hstore({ null: true })
        path = new Ltree({ null: true })
        during = new Custom({ type: 'int4range', null: true })
      }
      return [Doc]
    })
    const result = await migrate(change, {
      afterForwards: async (db) => {
        await db.exec(
          `insert into doc (email, search, attrs, path, during) values ('Ann@X.org', 'a b', 'k=>v', 'top.news', '[1,5)')`,
        )
        expect(
          await rows(db, `select attrs -> 'k' as k, path::text, during::text from doc where email = 'ann@x.org'`),
        ).toEqual([{ k: 'v', path: 'top.news', during: '[1,5)' }])
      },
    })
    expect(result.forwards.join('\n')).toContain(`"email" citext NOT NULL DEFAULT '' CONSTRAINT "doc_email_key" UNIQUE`)
    const types = table(result.after, 'doc').columns.map((c) => [c.name, c.type])
    expect(types).toEqual([
      ['attrs', 'hstore'],
      ['during', 'int4range'],
      ['email', 'citext'],
      ['id', 'integer'],
      ['path', 'ltree'],
      ['search', 'tsvector'],
    ])
  })

  it('Text to Citext, and a Custom type to another, convert the rows and come back', async () => {
    const change = evolve(
      () => {
        class Doc extends Table {
          email = new Text()
          during = new Custom({ type: 'int4range', null: true })
        }
        return [Doc]
      },
      () => {
        class Doc extends Table {
          email = new Citext()
          during = new Custom({ type: 'int8range', null: true })
        }
        return [Doc]
      },
    )
    const result = await migrate(change, {
      seed: `insert into doc (email, during) values ('Ann', '[1,5)')`,
      afterForwards: async (db) =>
        expect(await rows(db, `select during::text from doc where email = 'ANN'`)).toEqual([{ during: '[1,5)' }]),
      afterBackwards: async (db) =>
        expect(await rows(db, 'select email, during::text from doc')).toEqual([{ email: 'Ann', during: '[1,5)' }]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."doc" ALTER COLUMN "email" DROP DEFAULT`,
      `ALTER TABLE "public"."doc" ALTER COLUMN "email" TYPE citext`,
      `ALTER TABLE "public"."doc" ALTER COLUMN "email" SET DEFAULT ''`,
      `ALTER TABLE "public"."doc" ALTER COLUMN "during" TYPE int8range USING "during"::text::int8range`,
    ])
  })

  it('a Vector column writes vector(n), and a database without pgvector fails naming the extension', async () => {
    const change = evolve([], () => {
      class Item extends Table {
        embedding = new Vector({ dimensions: 3, null: true })
      }
      return [Item]
    })
    const operations = change.diff().operations
    const statements = sqlOf(stepsOf({ app: APP, id: 'x', operations }, new SchemaState(), 'forwards'))
    expect(statements.join('\n')).toContain('"embedding" vector(3)')
    const id = '2026-12-01T00:00:00:000001'
    const migrator = createMigrator({
      apps: [{ name: APP, dependencies: [] }],
      migrations: [
        {
          app: APP,
          id,
          file: 'blog_vector.ts',
          description: 'add item',
          forwards: () => {
            const manager = new MigrationManager({ migrationId: id, appName: APP })
            manager.operations.push(...operations)
            return manager
          },
        },
      ],
      database: ctx().engine,
    })
    const error = await migrator.migrate().then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    )
    expect(error).toMatchObject({ code: 'MIGRATION_FAILED' })
    expect(error?.message).toContain('type "vector" does not exist')
    expect(error?.message).toContain('Type "vector" comes from the extension vector (pgvector)')
  })

  it('identity added to a key with rows continues after them, and goes back to a plain key', async () => {
    const change = evolve(
      () => {
        class Account extends Table {
          id = new BigIntColumn({ primaryKey: true })
          name = new Text()
        }
        return [Account]
      },
      () => {
        class Account extends Table {
          id = new BigIntColumn({ primaryKey: true, identity: 'always' })
          name = new Text()
        }
        return [Account]
      },
    )
    const result = await migrate(change, {
      seed: `insert into account (id, name) values (5, 'a')`,
      afterForwards: async (db) => {
        await db.exec(`insert into account (name) values ('b')`)
        expect(await rows(db, 'select id::int, name from account order by id')).toEqual([
          { id: 5, name: 'a' },
          { id: 6, name: 'b' },
        ])
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."account" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY`,
      `SELECT setval(pg_get_serial_sequence('"public"."account"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "public"."account"`,
    ])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."account" ALTER COLUMN "id" DROP IDENTITY`])
    expect(column(result.after, 'account', 'id').identity).toBe('always')
    expect(column(result.back, 'account', 'id').identity).toBe(null)
  })

  it('the implicit serial id becomes an identity column: the rows keep their ids and new ones follow', async () => {
    const change = evolve(
      () => {
        class Account extends Table {
          name = new Text()
        }
        return [Account]
      },
      () => {
        class Account extends Table {
          id = new Integer({ primaryKey: true, identity: 'byDefault' })
          name = new Text()
        }
        return [Account]
      },
    )
    const next = async (db: Queryable, name: string) =>
      (await rows<{ id: number }>(db, `insert into account (name) values ('${name}') returning id`))[0]!.id
    const result = await migrate(change, {
      seed: `insert into account (name) values ('a'), ('b')`,
      afterForwards: async (db) => expect(await next(db, 'c')).toBe(3),
      afterBackwards: async (db) => expect(await next(db, 'd')).toBe(4),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."account" ALTER COLUMN "id" DROP DEFAULT`,
      `DO $am$ BEGIN EXECUTE 'DROP SEQUENCE ' || pg_get_serial_sequence('"public"."account"', 'id'); END $am$`,
      `ALTER TABLE "public"."account" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY`,
      `SELECT setval(pg_get_serial_sequence('"public"."account"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "public"."account"`,
    ])
    expect(column(result.after, 'account', 'id')).toMatchObject({ identity: 'by default', serial: false })
  })

  it('identity from always to by default is SET GENERATED both ways', async () => {
    const change = evolve(
      () => {
        class Account extends Table {
          id = new Integer({ primaryKey: true, identity: 'always' })
        }
        return [Account]
      },
      () => {
        class Account extends Table {
          id = new Integer({ primaryKey: true, identity: 'byDefault' })
        }
        return [Account]
      },
    )
    const result = await migrate(change)
    expect(result.forwards).toEqual([`ALTER TABLE "public"."account" ALTER COLUMN "id" SET GENERATED BY DEFAULT`])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."account" ALTER COLUMN "id" SET GENERATED ALWAYS`])
    expect(column(result.after, 'account', 'id').identity).toBe('by default')
    expect(column(result.before, 'account', 'id').identity).toBe('always')
  })

  const searchable = (expression: ReturnType<typeof sql> | undefined) => () => {
    class Account extends Table {
      bio = new Text({ null: true })
      search = expression ? new TsVector({ generated: expression }) : new TsVector()
      static override constraints = [index('search', { method: 'gin' })]
    }
    return [Account]
  }

  it('a generated column is added STORED with its index, and computed for the rows there', async () => {
    const change = evolve(() => {
      class Account extends Table {
        bio = new Text({ null: true })
      }
      return [Account]
    }, searchable(sql`to_tsvector('simple', coalesce(bio, ''))`))
    const result = await migrate(change, {
      seed: `insert into account (bio) values ('hello world')`,
      afterForwards: async (db) =>
        expect(await rows(db, `select count(*)::int as n from account where search @@ 'hello'::tsquery`)).toEqual([
          { n: 1 },
        ]),
    })
    expect(result.forwards[0]).toBe(
      `ALTER TABLE "public"."account" ADD COLUMN "search" tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple', coalesce(bio, ''))) STORED`,
    )
    expect(column(result.after, 'account', 'search').generated).toContain('to_tsvector')
  })

  it('a changed generation expression rebuilds the column and its index; dropping it keeps the values', async () => {
    const change = evolve(
      searchable(sql`to_tsvector('simple', coalesce(bio, ''))`),
      searchable(sql`to_tsvector('english', coalesce(bio, ''))`),
    )
    const result = await migrate(change, { seed: `insert into account (bio) values ('running dogs')` })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."account" DROP COLUMN "search"`,
      `ALTER TABLE "public"."account" ADD COLUMN "search" tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('english', coalesce(bio, ''))) STORED`,
      `CREATE INDEX "account_search_idx" ON "public"."account" USING gin ("search")`,
    ])
    expect(change.diff().operations.some((o) => o.destructive)).toBe(false)

    const plain = evolve(searchable(sql`to_tsvector('simple', coalesce(bio, ''))`), searchable(undefined))
    const dropped = await migrate(plain, {
      seed: `insert into account (bio) values ('kept')`,
      afterForwards: async (db) =>
        expect(await rows(db, 'select search::text from account')).toEqual([{ search: "'kept':1" }]),
    })
    expect(dropped.forwards).toEqual([`ALTER TABLE "public"."account" ALTER COLUMN "search" DROP EXPRESSION`])
    expect(column(dropped.after, 'account', 'search').generated).toBe(null)
    // Back to generated replaces the values it holds: a destructive change, confirmed like a drop.
    expect(plain.diff().operations.map((o) => o.destructive)).toEqual([false])
    expect(evolve(searchable(undefined), searchable(sql`to_tsvector(bio)`)).diff().held).toHaveLength(1)
  })

  it('a generated column dropped with the column it is computed from goes first, and comes back last', async () => {
    const change = evolve(searchable(sql`to_tsvector('simple', coalesce(bio, ''))`), () => {
      class Account extends Table {
        age = new Integer()
      }
      return [Account]
    })
    const result = await migrate(change, { seed: `insert into account (bio) values ('x')` })
    expect(result.forwards).toEqual([
      `DROP INDEX "public"."account_search_idx"`,
      `ALTER TABLE "public"."account" DROP COLUMN "search"`,
      `ALTER TABLE "public"."account" DROP COLUMN "bio"`,
      `ALTER TABLE "public"."account" ADD COLUMN "age" integer NOT NULL DEFAULT 0`,
    ])
  })

  it('a column renamed with the expression that names it: the old expression goes before, the new one after', async () => {
    const change = evolve(searchable(sql`to_tsvector('simple', coalesce(bio, ''))`), () => {
      class Account extends Table {
        about = new Text({ null: true, renamedFrom: 'bio' })
        search = new TsVector({ generated: sql`to_tsvector('simple', coalesce(about, ''))` })
        static override constraints = [index('search', { method: 'gin' })]
      }
      return [Account]
    })
    const diff = change.diff()
    // Making a column generated again replaces its values: held like a drop until confirmed.
    expect(diff.held.map((o) => o.describe())).toEqual(['alter column Account.search (generated)'])
    const result = await migrate(change, {
      seed: `insert into account (bio) values ('kept words')`,
      afterForwards: async (db) =>
        expect(await rows(db, `select count(*)::int as n from account where search @@ 'kept'::tsquery`)).toEqual([
          { n: 1 },
        ]),
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."account" ALTER COLUMN "search" DROP EXPRESSION`,
      `ALTER TABLE "public"."account" RENAME COLUMN "bio" TO "about"`,
      `ALTER TABLE "public"."account" DROP COLUMN "search"`,
      `ALTER TABLE "public"."account" ADD COLUMN "search" tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple', coalesce(about, ''))) STORED`,
      `CREATE INDEX "account_search_idx" ON "public"."account" USING gin ("search")`,
    ])
  })

  it('renaming the columns of an exclusion constraint and of an index include renames the constraint', async () => {
    const change = evolve(
      () => {
        class Booking extends Table {
          during = new Custom({ type: 'int4range' })
          note = new Text()
          static override constraints = [
            exclude({ column: 'during', operator: '&&' }),
            index('during', { include: ['note'] }),
          ]
        }
        return [Booking]
      },
      () => {
        class Booking extends Table {
          period = new Custom({ type: 'int4range', renamedFrom: 'during' })
          remark = new Text({ renamedFrom: 'note' })
          static override constraints = [
            exclude({ column: 'period', operator: '&&' }),
            index('period', { include: ['remark'] }),
          ]
        }
        return [Booking]
      },
    )
    const result = await migrate(change)
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."booking" RENAME COLUMN "during" TO "period"`,
      `ALTER TABLE "public"."booking" RENAME CONSTRAINT "booking_during_excl" TO "booking_period_excl"`,
      `ALTER INDEX "public"."booking_during_idx" RENAME TO "booking_period_idx"`,
      `ALTER TABLE "public"."booking" RENAME COLUMN "note" TO "remark"`,
    ])
    expect(table(result.after, 'booking').indexes.map((i) => i.include)).toEqual([['remark']])
  })

  it('a collation is set with ALTER COLUMN TYPE, and removed by the same type without COLLATE', async () => {
    const change = evolve(
      () => {
        class Person extends Table {
          name = new Varchar({ length: 20 })
        }
        return [Person]
      },
      () => {
        class Person extends Table {
          name = new Varchar({ length: 20, collation: 'C' })
        }
        return [Person]
      },
    )
    const result = await migrate(change, {
      seed: `insert into person (name) values ('b'), ('B')`,
      afterForwards: async (db) =>
        expect(await rows(db, 'select name from person order by name')).toEqual([{ name: 'B' }, { name: 'b' }]),
    })
    expect(result.forwards).toEqual([`ALTER TABLE "public"."person" ALTER COLUMN "name" TYPE varchar(20) COLLATE "C"`])
    expect(result.backwards).toEqual([`ALTER TABLE "public"."person" ALTER COLUMN "name" TYPE varchar(20)`])
    expect(column(result.after, 'person', 'name').collation).toBe('C')
    expect(column(result.back, 'person', 'name').collation).toBe(null)

    const other = evolve([], () => {
      class Person extends Table {
        name = new Varchar({ length: 40, collation: 'POSIX' })
      }
      return [Person]
    })
    const created = await migrate(other)
    expect(column(created.after, 'person', 'name').collation).toBe('POSIX')
  })

  it('comments on a table and a column are written, changed and removed', async () => {
    const versions = [
      () => {
        class Person extends Table {
          name = new Text()
        }
        return [Person]
      },
      () => {
        class Person extends Table {
          static override comment = 'people'
          name = new Text({ comment: "who's who" })
        }
        return [Person]
      },
      () => {
        class Person extends Table {
          static override comment = 'everyone'
          name = new Text({ comment: 'full name' })
        }
        return [Person]
      },
    ] as const
    const added = await migrate(evolve(versions[0], versions[1]))
    expect(added.forwards).toEqual([
      `COMMENT ON TABLE "public"."person" IS 'people'`,
      `COMMENT ON COLUMN "public"."person"."name" IS 'who''s who'`,
    ])
    expect(added.backwards).toEqual([
      `COMMENT ON COLUMN "public"."person"."name" IS NULL`,
      `COMMENT ON TABLE "public"."person" IS NULL`,
    ])
    expect(table(added.after, 'person').comment).toBe('people')
    expect(column(added.after, 'person', 'name').comment).toBe("who's who")
    expect(table(added.back, 'person').comment).toBe(null)

    const changed = await migrate(evolve(versions[0], versions[1], versions[2]))
    expect(changed.forwards).toEqual([
      `COMMENT ON TABLE "public"."person" IS 'everyone'`,
      `COMMENT ON COLUMN "public"."person"."name" IS 'full name'`,
    ])
    expect(column(changed.back, 'person', 'name').comment).toBe("who's who")
  })

  it('an index and a unique constraint with include: created, changed, and introspected with their columns', async () => {
    const change = evolve(
      () => {
        class Person extends Table {
          email = new Text()
          name = new Text()
          static override constraints = [index('email'), unique('email', 'name')]
        }
        return [Person]
      },
      () => {
        class Person extends Table {
          email = new Text()
          name = new Text()
          static override constraints = [index('email', { include: ['name'] }), unique('email', { include: ['name'] })]
        }
        return [Person]
      },
    )
    const result = await migrate(change)
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."person" DROP CONSTRAINT "person_email_name_key"`,
      `DROP INDEX "public"."person_email_idx"`,
      `ALTER TABLE "public"."person" ADD CONSTRAINT "person_email_key" UNIQUE ("email") INCLUDE ("name")`,
      `CREATE INDEX "person_email_idx" ON "public"."person" USING btree ("email") INCLUDE ("name")`,
    ])
    expect(table(result.after, 'person').indexes.map((i) => i.include)).toEqual([['name']])
    expect(table(result.after, 'person').uniques.map((u) => [u.columns, u.include])).toEqual([[['email'], ['name']]])
  })

  it('deferrable unique constraints and foreign keys, and a foreign key renamed by its name', async () => {
    const change = evolve(
      () => {
        class Author extends Table {
          email = new Text({ unique: true })
        }
        class Post extends Table {
          author = new ForeignKey(() => Author, { onDelete: 'cascade' })
          slug = new Text()
          static override constraints = [unique('slug')]
        }
        return [Author, Post]
      },
      () => {
        class Author extends Table {
          email = new Text({ unique: true, deferrable: true })
        }
        class Post extends Table {
          author = new ForeignKey(() => Author, {
            onDelete: 'cascade',
            name: 'fk_post_author',
            deferrable: 'initiallyDeferred',
          })
          slug = new Text()
          static override constraints = [unique('slug', { deferrable: true })]
        }
        return [Author, Post]
      },
    )
    const result = await migrate(change, {
      afterForwards: async (db) => {
        // Initially deferred: a post may come before its author within one transaction.
        await db.transaction(async (tx) => {
          await tx.exec(`insert into post (author, slug) values (99, 'x')`)
          await tx.exec(`insert into author (id, email) values (99, 'e')`)
        })
        expect(await rows(db, 'select count(*)::int as n from post')).toEqual([{ n: 1 }])
        await db.exec('delete from post; delete from author')
      },
    })
    expect(result.forwards).toEqual(
      expect.arrayContaining([
        `ALTER TABLE "public"."author" DROP CONSTRAINT "author_email_key"`,
        `ALTER TABLE "public"."author" ADD CONSTRAINT "author_email_key" UNIQUE ("email") DEFERRABLE`,
        `ALTER TABLE "public"."post" RENAME CONSTRAINT "post_author_fkey" TO "fk_post_author"`,
        `ALTER TABLE "public"."post" ALTER CONSTRAINT "fk_post_author" DEFERRABLE INITIALLY DEFERRED`,
        `ALTER TABLE "public"."post" ADD CONSTRAINT "post_slug_key" UNIQUE ("slug") DEFERRABLE`,
      ]),
    )
    expect(result.backwards).toEqual(
      expect.arrayContaining([
        `ALTER TABLE "public"."post" RENAME CONSTRAINT "fk_post_author" TO "post_author_fkey"`,
        `ALTER TABLE "public"."post" ALTER CONSTRAINT "post_author_fkey" NOT DEFERRABLE INITIALLY IMMEDIATE`,
      ]),
    )
    const post = table(result.after, 'post')
    expect(post.foreignKeys.map((f) => [f.name, f.deferrable, f.initiallyDeferred])).toEqual([
      ['fk_post_author', true, true],
    ])
    expect(post.uniques.map((u) => [u.name, u.deferrable, u.initiallyDeferred])).toEqual([
      ['post_slug_key', true, false],
    ])
    expect(table(result.after, 'author').uniques.map((u) => u.deferrable)).toEqual([true])
    expect(table(result.back, 'post').foreignKeys.map((f) => [f.name, f.deferrable])).toEqual([
      ['post_author_fkey', false],
    ])
  })

  it('a foreign key from initially deferred to deferrable is checked at once again, and back', async () => {
    const version = (deferrable: true | 'initiallyDeferred') => () => {
      class Author extends Table {}
      class Post extends Table {
        author = new ForeignKey(() => Author, { deferrable })
      }
      return [Author, Post]
    }
    const result = await migrate(evolve(version('initiallyDeferred'), version(true)))
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" ALTER CONSTRAINT "post_author_fkey" DEFERRABLE INITIALLY IMMEDIATE`,
    ])
    expect(result.backwards).toEqual([
      `ALTER TABLE "public"."post" ALTER CONSTRAINT "post_author_fkey" DEFERRABLE INITIALLY DEFERRED`,
    ])
    expect(table(result.after, 'post').foreignKeys.map((f) => [f.deferrable, f.initiallyDeferred])).toEqual([
      [true, false],
    ])
    expect(table(result.back, 'post').foreignKeys.map((f) => [f.deferrable, f.initiallyDeferred])).toEqual([
      [true, true],
    ])
  })

  it('a named deferrable foreign key lets go while its target key changes kind, and points again as it was', async () => {
    const version = (keyed: boolean) => () => {
      class Author extends Table {
        static override primaryKey = keyed ? undefined : null
        id = new Integer(keyed ? { primaryKey: true } : { unique: true })
      }
      class Post extends Table {
        author = new ForeignKey(() => Author, { targetColumn: 'id', name: 'post_writer', deferrable: true })
      }
      return [Author, Post]
    }
    const result = await migrate(evolve(version(true), version(false)), {
      seed: `insert into author (id) values (1); insert into post (author) values (1)`,
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."post" DROP CONSTRAINT "post_writer"`,
      `ALTER TABLE "public"."author" DROP CONSTRAINT "author_pkey"`,
      `ALTER TABLE "public"."author" ALTER COLUMN "id" SET DEFAULT 0`,
      `ALTER TABLE "public"."author" ADD CONSTRAINT "author_id_key" UNIQUE ("id")`,
      `ALTER TABLE "public"."post" ADD CONSTRAINT "post_writer" FOREIGN KEY ("author") REFERENCES "public"."author" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE`,
    ])
    expect(table(result.after, 'post').foreignKeys.map((f) => [f.name, f.deferrable])).toEqual([['post_writer', true]])
  })

  const booking = (where: string) => () => {
    class Booking extends Table {
      room = new Integer()
      during = new Custom({ type: 'int4range' })
      static override constraints = [exclude({ column: 'during', operator: '&&' }, { where: sql(where) })]
    }
    return [Booking]
  }

  it('an exclusion constraint refuses overlapping rows, and a change of it is a drop and an add', async () => {
    const change = evolve(() => {
      class Booking extends Table {
        room = new Integer()
        during = new Custom({ type: 'int4range' })
      }
      return [Booking]
    }, booking('room > 0'))
    const result = await migrate(change, {
      afterForwards: async (db) => {
        await db.exec(`insert into booking (room, during) values (1, '[1,5)'), (0, '[2,3)')`)
        const error = await db.exec(`insert into booking (room, during) values (2, '[4,6)')`).catch((e) => e)
        expect(error).toMatchObject({ code: '23P01' })
        await db.exec('delete from booking')
      },
    })
    expect(result.forwards).toEqual([
      `ALTER TABLE "public"."booking" ADD CONSTRAINT "booking_during_excl" EXCLUDE USING gist ("during" WITH &&) WHERE (room > 0)`,
    ])
    expect(table(result.after, 'booking').exclusions.map((x) => x.name)).toEqual(['booking_during_excl'])

    const changed = await migrate(evolve(booking('room > 0'), booking('room > 1')))
    expect(changed.forwards).toEqual([
      `ALTER TABLE "public"."booking" DROP CONSTRAINT "booking_during_excl"`,
      `ALTER TABLE "public"."booking" ADD CONSTRAINT "booking_during_excl" EXCLUDE USING gist ("during" WITH &&) WHERE (room > 1)`,
    ])
  })

  it('an exclusion constraint of a column with = and an expression with &&, deferrable, with include (btree_gist)', async () => {
    const change = evolve([], () => {
      class Stay extends Table {
        room = new Integer()
        starts = new Integer()
        ends = new Integer()
        guest = new Text()
        static override constraints = [
          exclude(
            { column: 'room', operator: '=' },
            { expression: sql`int4range(starts, ends)`, operator: '&&' },
            { name: 'stay_no_overlap', include: ['guest'], deferrable: 'initiallyDeferred' },
          ),
        ]
      }
      return [Stay]
    })
    const result = await migrate(change, {
      extensions: [...EXTENSIONS, 'btree_gist'],
      afterForwards: async (db) => {
        await db.exec(`insert into stay (room, starts, ends, guest) values (1, 1, 5, 'a'), (2, 1, 5, 'b')`)
        const error = await db
          .exec(`insert into stay (room, starts, ends, guest) values (1, 4, 6, 'c')`)
          .catch((e: unknown) => e)
        expect(error).toMatchObject({ code: '23P01' })
      },
    })
    expect(result.forwards).toContain(
      `ALTER TABLE "public"."stay" ADD CONSTRAINT "stay_no_overlap" EXCLUDE USING gist ("room" WITH =, (int4range(starts, ends)) WITH &&) INCLUDE ("guest") DEFERRABLE INITIALLY DEFERRED`,
    )
    const [exclusion] = table(result.after, 'stay').exclusions
    expect(exclusion?.definition).toContain('INCLUDE (guest) DEFERRABLE INITIALLY DEFERRED')
  })

  it('static primaryKey = null: a table without a key, and the implicit id dropped from one', async () => {
    const keyless = () => {
      class Follow extends Table {
        static override primaryKey = null
        account = new Integer()
      }
      return [Follow]
    }
    const created = await migrate(evolve([], keyless))
    expect(table(created.after, 'follow').primaryKey).toBe(null)
    expect(table(created.after, 'follow').columns.map((c) => c.name)).toEqual(['account'])

    const change = evolve(() => {
      class Follow extends Table {
        account = new Integer()
      }
      return [Follow]
    }, keyless)
    const dropped = await migrate(change)
    expect(dropped.forwards).toEqual([`ALTER TABLE "public"."follow" DROP COLUMN "id"`])
    expect(table(dropped.back, 'follow').primaryKey).toEqual({ name: 'follow_pkey', columns: ['id'] })
  })
})
