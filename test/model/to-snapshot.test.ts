/** The table model → snapshot: implicit defaults, primary keys and recorded histories. */
import { describe, expect, it } from 'vitest'
import { diffApp } from '../../src/core/differ/diff.js'
import type { ColumnSnapshot, SnapshotData } from '../../src/core/state/snapshot.js'
import { AutoMigrationsError } from '../../src/errors.js'
import { sql } from '../../src/core/state/sql.js'
import {
  ArrayColumn,
  BigIntColumn,
  BooleanColumn,
  ForeignKey,
  Integer,
  type TableClass,
  Text,
  Timestamptz,
  Varchar,
} from '../../src/model/columns.js'
import {
  type IndexOptions,
  type KeyOptions,
  type UniqueOptions,
  check,
  index,
  unique,
} from '../../src/model/constraints.js'
import { Table } from '../../src/model/table.js'
import { withRecordedKeyDefaults } from '../../src/model/to-snapshot.js'
import { app, model } from '../helpers/models.js'

class Country extends Table {
  code = new Varchar({ length: 2, primaryKey: true })
  name = new Text()
  population = new Integer()
  member = new BooleanColumn()
}
class Counter extends Table {
  n = new Integer({ primaryKey: true })
}
class Explicit extends Table {
  n = new Integer({ primaryKey: true, default: 7 })
}
class Membership extends Table {
  static override primaryKey = ['accountId', 'groupId']
  accountId = new BigIntColumn()
  groupId = new Integer()
  role = new Varchar({ length: 20 })
}

function column(snapshot: SnapshotData, table: string, name: string): ColumnSnapshot {
  const found = snapshot.tables.find((t) => t.className === table)?.columns.find((c) => c.name === name)
  if (!found) throw new Error(`no ${table}.${name}`)
  return found
}

/** The snapshot as a history written before keys lost the implicit default recorded it. */
function olderHistory(snapshot: SnapshotData, defaults: Record<string, unknown>): SnapshotData {
  const copy = structuredClone(snapshot)
  for (const [at, value] of Object.entries(defaults)) {
    const [table, name] = at.split('.') as [string, string]
    ;(column(copy, table, name).params as { default: unknown }).default = value
  }
  return copy
}

describe('implicit defaults', () => {
  it('NOT NULL text, number and boolean columns get Piccolo’s, primary key columns never', () => {
    const { snapshot } = model(app('geo', [Country, Counter, Explicit, Membership]))
    expect(column(snapshot, 'Country', 'name').params.default).toBe('')
    expect(column(snapshot, 'Country', 'population').params.default).toBe(0)
    expect(column(snapshot, 'Country', 'member').params.default).toBe(false)
    expect(column(snapshot, 'Membership', 'role').params.default).toBe('')
    // Keys: a single-column one and the columns of a composite one.
    expect(column(snapshot, 'Country', 'code').params.default).toBe(null)
    expect(column(snapshot, 'Counter', 'n').params.default).toBe(null)
    expect(column(snapshot, 'Membership', 'accountId').params.default).toBe(null)
    expect(column(snapshot, 'Membership', 'groupId').params.default).toBe(null)
    // A default written on a key is the user's.
    expect(column(snapshot, 'Explicit', 'n').params.default).toBe(7)
  })

  it('a history that recorded the implicit default on a key diffs to no change', () => {
    const current = model(app('geo', [Country, Counter, Membership]))
    const older = olderHistory(current.snapshot, {
      'Country.code': '',
      'Counter.n': 0,
      'Membership.accountId': 0,
      'Membership.groupId': 0,
    })
    // Without taking the recorded default, every key would get an alterColumn dropping it.
    expect(diffApp(older, current.snapshot, 'geo').operations.map((o) => o.describe())).toHaveLength(4)
    const to = withRecordedKeyDefaults(current, older, 'geo')
    expect(diffApp(older, to, 'geo').operations).toEqual([])
    // Read-only: the model's own snapshot is unchanged, and a history without defaults takes nothing.
    expect(column(current.snapshot, 'Country', 'code').params.default).toBe(null)
    expect(withRecordedKeyDefaults(current, current.snapshot, 'geo')).toBe(current.snapshot)
  })

  it('only the implicit default is taken: another recorded default, or a declared one, is a change', () => {
    class Declared extends Table {
      n = new Integer({ primaryKey: true, default: null })
    }
    const current = model(app('geo', [Counter, Declared]))
    const older = olderHistory(current.snapshot, { 'Counter.n': 5, 'Declared.n': 0 })
    const operations = diffApp(older, withRecordedKeyDefaults(current, older, 'geo'), 'geo').operations
    expect(operations.map((o) => (o.params as { tableClassName?: string }).tableClassName).sort()).toEqual([
      'Counter',
      'Declared',
    ])
  })
})

describe('options the model does not know', () => {
  /** The error reading `tables` gives (a table class list built per case, so TypeScript's checks are bypassed as a JS user's would be). */
  function errorOf(...tables: TableClass[]): AutoMigrationsError {
    try {
      model(app('blog', tables))
    } catch (error) {
      if (error instanceof AutoMigrationsError) return error
      throw error
    }
    throw new Error('no error')
  }
  const loose = <T>(value: unknown): T => value as T

  it('an index or unique option that belongs on a key names the table, the option and what it takes', () => {
    class Post extends Table {
      createdAt = new Timestamptz()
      static override constraints = [index('createdAt', loose<IndexOptions>({ order: 'desc' }))]
    }
    const error = errorOf(Post)
    expect(error.code).toBe('INVALID_TABLE')
    expect(error.details).toMatchObject({ app: 'blog', table: 'Post', option: 'order' })
    expect(error.message).toBe(
      `index() on table Post has option "order", which it does not take: order belongs on a key, as in index({ column: '...', order: ... }). It takes: name, method, where, concurrently, include.`,
    )

    class Tag extends Table {
      label = new Text()
      static override constraints = [index('label', loose<IndexOptions>({ opclass: 'text_pattern_ops' }))]
    }
    expect(errorOf(Tag).message).toContain('index() on table Tag has option "opclass"')

    class Account extends Table {
      email = new Text({ null: true })
      static override constraints = [unique('email', loose<UniqueOptions>({ nulls: 'not distinct' }))]
    }
    expect(errorOf(Account).message).toContain(
      'unique() on table Account has option "nulls", which it does not take: nulls belongs on a key, as in unique({ column: \'...\', nulls: ... }) (NULLS NOT DISTINCT is nullsDistinct: false). It takes: name, method, where, concurrently, include, nullsDistinct, deferrable.',
    )
  })

  it('a misspelt key option, or a check option, is an error too', () => {
    class Post extends Table {
      createdAt = new Timestamptz()
      static override constraints = [index(loose<KeyOptions>({ column: 'createdAt', ordre: 'desc' }))]
    }
    expect(errorOf(Post).message).toBe(
      'A key of a constraint on table Post has option "ordre", which it does not take. It takes: column, order, nulls, opclass.',
    )
    class Priced extends Table {
      price = new Integer()
      static override constraints = [check('price >= 0', loose<{ name?: string }>({ deferrable: true }))]
    }
    expect(errorOf(Priced).message).toContain('check() on table Priced has option "deferrable"')
  })

  it('an unknown column param (a typo, or a param of another class) names the column', () => {
    class Post extends Table {
      title = new Varchar(loose<{ length: number }>({ lenght: 10 }))
    }
    const error = errorOf(Post)
    expect(error.code).toBe('INVALID_COLUMN')
    expect(error.details).toMatchObject({ table: 'Post', column: 'title', option: 'lenght' })
    expect(error.message).toBe(
      'Column Post.title (Varchar) has option "lenght", which it does not take. It takes: null, default, primaryKey, unique, index, indexMethod, dbColumnName, renamedFrom, generated, comment, deferrable, length, collation.',
    )
    class Note extends Table {
      body = new Text(loose<object>({ length: 10 }))
    }
    expect(errorOf(Note).message).toContain('Column Note.body (Text) has option "length"')
    class Tagged extends Table {
      tags = new ArrayColumn(new Varchar(loose<object>({ size: 3 })))
    }
    expect(errorOf(Tagged).message).toContain(
      'The base column (Varchar) of Column Tagged.tags (Array) has option "size"',
    )
  })

  it('a param of SPEC §2b on a column that cannot take it is an error naming the column and why', () => {
    const cases: [TableClass, string][] = [
      [
        class Account extends Table {
          name = new Text(loose<object>({ identity: 'always' }))
        },
        'Column Account.name (Text) has option "identity", which it does not take: identity columns are SmallInt, Integer or BigInt.',
      ],
      [
        class Account extends Table {
          age = new Integer(loose<object>({ collation: 'C' }))
        },
        'Column Account.age (Integer) has option "collation", which it does not take: a collation applies to Varchar, Char, Text, Citext and Custom columns.',
      ],
      [
        class Account extends Table {
          age = new Integer(loose<object>({ name: 'age_fk' }))
        },
        'has option "name", which it does not take: only a ForeignKey names its constraint.',
      ],
      [
        class Account extends Table {
          id = new BigIntColumn({ primaryKey: true, identity: 'always', default: 1 })
        },
        'Column Account.id is an identity column and has a default',
      ],
      [
        class Account extends Table {
          n = new Integer({ identity: 'byDefault', null: true })
        },
        'Column Account.n is an identity column, which is NOT NULL',
      ],
      [
        class Account extends Table {
          n = new Integer({ generated: sql`1`, default: 2 })
        },
        'Column Account.n is a generated column and has a default',
      ],
      [
        class Account extends Table {
          email = new Text({ deferrable: true })
        },
        'Column Account.email is deferrable but has no unique constraint to defer',
      ],
      [
        class Account extends Table {
          email = new Text()
          static override constraints = [unique(sql`lower(email)`, { deferrable: true })]
        },
        'Postgres defers only a plain unique constraint',
      ],
      [
        class Account extends Table {
          email = new Text({ unique: true, deferrable: true })
          other = new ForeignKey(() => Account, { targetColumn: 'email' })
        },
        'Postgres refuses a foreign key to a deferrable key',
      ],
      [
        class Account extends Table {
          email = new Text()
          other = new ForeignKey(() => Account, { targetColumn: 'email' })
          static override constraints = [unique('email', { deferrable: true })]
        },
        'Postgres refuses a foreign key to a deferrable key',
      ],
      [
        class Account extends Table {
          tags = new ArrayColumn(new Text({ collation: 'C' }))
        },
        'The base column (Text) of Column Account.tags (Array) has option "collation", which applies to a whole column, not to the elements of an array.',
      ],
      [
        class Follow extends Table {
          static override primaryKey = null
          id = new Integer({ primaryKey: true })
        },
        'Table Follow has static primaryKey = null (no primary key) and a column with primaryKey: keep one.',
      ],
    ]
    for (const [table, message] of cases) expect(errorOf(table).message).toContain(message)
  })

  it('new params are in the snapshot only when given, so older histories diff to nothing', () => {
    class Account extends Table {
      id = new BigIntColumn({ primaryKey: true, identity: 'always' })
      email = new Text({ collation: 'C', comment: 'login', unique: true, deferrable: 'initiallyDeferred' })
      plain = new Text()
    }
    const table = model(app('blog', [Account])).snapshot.tables[0]!
    const params = (name: string) => table.columns.find((c) => c.name === name)!.params
    expect(params('id')).toEqual({
      null: false,
      default: null,
      primaryKey: true,
      unique: false,
      index: false,
      identity: 'always',
    })
    expect(params('email')).toMatchObject({
      collation: 'C',
      comment: 'login',
      deferrable: 'initiallyDeferred',
      default: '',
    })
    expect(params('plain')).toEqual({ null: false, default: '', primaryKey: false, unique: false, index: false })
  })
})
