/**
 * The differ, scenario by scenario: every case of Piccolo's own differ and snapshot tests has an
 * equivalent here, plus the cases Piccolo gets wrong.
 */
import { describe, expect, it } from 'vitest'
import { diffApp } from '../../../src/core/differ/diff.js'
import { columnRenameKey, emptyAnswers, tableRenameKey } from '../../../src/core/differ/renames.js'
import { replay } from '../../../src/core/operations/replay.js'
import { SchemaState, type SnapshotData, canonicalSnapshot } from '../../../src/core/state/snapshot.js'
import {
  BigInt as BigIntColumn,
  ForeignKey,
  Integer,
  Numeric,
  Table,
  Text,
  Varchar,
  check,
  index,
  sql,
  unique,
} from '../../../src/index.js'
import type { Operation } from '../../../src/core/operations/index.js'
import { app, diffAll, emptySnapshot, model } from '../../helpers/engine.js'

/** The snapshot an app's history describes after migrating to `tables`. */
function migratedTo(...tables: (abstract new () => Table)[]): SnapshotData {
  return diffAll(emptySnapshot(), model(app('blog', tables)), { allowDestructive: true }).after
}

const kinds = (ops: Operation[]) => ops.map((o) => o.kind)
const replayed = (from: SnapshotData, ops: Operation[]) =>
  replay([{ app: 'blog', id: 'x', operations: ops }], SchemaState.from(from)).toData()
/** Compares schemas, not column order. */
const canon = (s: SnapshotData) => canonicalSnapshot(s)

describe('tables', () => {
  it('adding a table writes addTable then its columns', () => {
    class Band extends Table {
      name = new Varchar()
    }
    const to = model(app('blog', [Band]))
    const diff = diffApp(emptySnapshot(), to.snapshot, 'blog')
    expect(kinds(diff.operations)).toEqual(['addTable', 'addColumn', 'addColumn'])
    expect(diff.operations[0]!.params).toEqual({ className: 'Band', tablename: 'band', schema: undefined })
    expect(canon(replayed(emptySnapshot(), diff.operations))).toEqual(canon(to.snapshot))
  })

  it('dropping a table is held back as destructive unless allowed, and records the dropped definition', () => {
    class Band extends Table {
      name = new Varchar()
    }
    class Manager extends Table {
      name = new Varchar()
    }
    const from = migratedTo(Band, Manager)
    const to = model(app('blog', [Band]))
    const held = diffApp(from, to.snapshot, 'blog')
    expect(held.operations).toEqual([])
    expect(kinds(held.held)).toEqual(['dropTable'])
    const allowed = diffApp(from, to.snapshot, 'blog', { allowDestructive: true })
    expect(kinds(allowed.operations)).toEqual(['dropTable'])
    expect((allowed.operations[0]!.params as { columns: unknown[] }).columns).toHaveLength(2)
    expect(canon(replayed(from, allowed.operations))).toEqual(canon(to.snapshot))
  })

  const renameCase = () => {
    const v1 = (() => {
      class Band extends Table {
        name = new Varchar()
      }
      return Band
    })()
    class Act extends Table {
      name = new Varchar()
    }
    return { from: migratedTo(v1), to: model(app('blog', [Act])) }
  }

  it('a table rename is a question; unanswered, nothing is written for either table', () => {
    const { from, to } = renameCase()
    const diff = diffApp(from, to.snapshot, 'blog', { allowDestructive: true })
    expect(diff.questions.map((q) => q.text)).toEqual(['Did you rename table Band to Act? (y/N)'])
    expect(diff.operations).toEqual([])
  })

  it('a confirmed table rename writes renameTable and keeps the columns', () => {
    const { from, to } = renameCase()
    const answers = emptyAnswers()
    answers.accepted.add(tableRenameKey('blog', 'Band', 'Act'))
    const diff = diffApp(from, to.snapshot, 'blog', { answers })
    expect(kinds(diff.operations)).toEqual(['renameTable'])
    expect(diff.operations[0]!.params).toMatchObject({
      oldClassName: 'Band',
      newClassName: 'Act',
      oldTablename: 'band',
      newTablename: 'act',
    })
    expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
  })

  it('a declined table rename is an add and a (destructive) drop', () => {
    const { from, to } = renameCase()
    const answers = emptyAnswers()
    answers.declined.add(tableRenameKey('blog', 'Band', 'Act'))
    const diff = diffApp(from, to.snapshot, 'blog', { answers, allowDestructive: true })
    expect(kinds(diff.operations)).toEqual(['dropTable', 'addTable', 'addColumn', 'addColumn'])
    expect(diff.questions).toEqual([])
  })

  it('static renamedFrom renames without asking', () => {
    const v1 = (() => {
      class Band extends Table {
        name = new Varchar()
      }
      return Band
    })()
    class Act extends Table {
      static override renamedFrom = 'Band'
      name = new Varchar()
    }
    const from = migratedTo(v1)
    const to = model(app('blog', [Act]))
    const diff = diffApp(from, to.snapshot, 'blog', { hints: to.hints })
    expect(kinds(diff.operations)).toEqual(['renameTable'])
  })

  it('changing static tablename renames the database table only', () => {
    const v1 = (() => {
      class Band extends Table {
        name = new Varchar()
      }
      return Band
    })()
    class Band extends Table {
      static override tablename = 'music_band'
      name = new Varchar()
    }
    const from = migratedTo(v1)
    const to = model(app('blog', [Band]))
    const diff = diffApp(from, to.snapshot, 'blog')
    expect(kinds(diff.operations)).toEqual(['renameTable'])
    expect(diff.operations[0]!.params).toMatchObject({
      oldClassName: 'Band',
      newClassName: 'Band',
      oldTablename: 'band',
      newTablename: 'music_band',
    })
    expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
  })

  it('changing static schema moves the table', () => {
    const v1 = (() => {
      class Band extends Table {
        name = new Varchar()
      }
      return Band
    })()
    class Band extends Table {
      static override schema = 'music'
      name = new Varchar()
    }
    const from = migratedTo(v1)
    const to = model(app('blog', [Band]))
    const diff = diffApp(from, to.snapshot, 'blog')
    expect(kinds(diff.operations)).toEqual(['changeTableSchema'])
    expect(diff.operations[0]!.params).toEqual({
      className: 'Band',
      tablename: 'band',
      oldSchema: 'public',
      newSchema: 'music',
    })
    expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
  })
})

describe('columns', () => {
  const Band1 = (() => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      genre = new Varchar()
    }
    return Band
  })()

  it('adding a column writes addColumn with every param', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      genre = new Varchar()
      members = new Integer({ default: 4 })
    }
    const from = migratedTo(Band1)
    const diff = diffApp(from, model(app('blog', [Band])).snapshot, 'blog')
    expect(kinds(diff.operations)).toEqual(['addColumn'])
    expect(diff.operations[0]!.toSource()).toBe(
      `manager.addColumn({
    tableClassName: 'Band',
    tablename: 'band',
    columnName: 'members',
    dbColumnName: 'members',
    columnClass: 'Integer',
    params: { default: 4, null: false, primaryKey: false, unique: false, index: false },
  })`,
    )
  })

  it('dropping a column is destructive', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
    }
    const from = migratedTo(Band1)
    const diff = diffApp(from, model(app('blog', [Band])).snapshot, 'blog')
    expect(diff.operations).toEqual([])
    expect(kinds(diff.held)).toEqual(['dropColumn'])
  })

  it('several renames in one table, some confirmed and some declined', () => {
    class Band extends Table {
      title = new Varchar()
      company = new Varchar()
      style = new Varchar()
    }
    const from = migratedTo(Band1)
    const to = model(app('blog', [Band]))
    const first = diffApp(from, to.snapshot, 'blog', { allowDestructive: true })
    expect(first.questions.map((q) => q.text)).toEqual([
      'Did you rename column "name" to "title" on table Band? (y/N)',
      'Did you rename column "label" to "company" on table Band? (y/N)',
      'Did you rename column "genre" to "style" on table Band? (y/N)',
    ])
    const answers = emptyAnswers()
    answers.accepted.add(columnRenameKey('blog', 'Band', 'name', 'title'))
    answers.declined.add(columnRenameKey('blog', 'Band', 'label', 'company'))
    answers.accepted.add(columnRenameKey('blog', 'Band', 'genre', 'style'))
    // After declining label→company, "company" might still be "genre" renamed: Piccolo asks again.
    const second = diffApp(from, to.snapshot, 'blog', { answers, allowDestructive: true })
    expect(second.questions).toEqual([])
    expect(kinds(second.operations)).toEqual(['renameColumn', 'renameColumn', 'dropColumn', 'addColumn'])
    expect(second.operations.map((o) => o.describe())).toEqual([
      'rename column Band.name to title',
      'rename column Band.genre to style',
      'drop column Band.label',
      'add column Band.company',
    ])
    expect(canon(replayed(from, second.operations))).toEqual(canon(to.snapshot))
  })

  it('renamedFrom on a column renames without asking; --rename hints do the same', () => {
    class Band extends Table {
      title = new Varchar({ renamedFrom: 'name' })
      label = new Varchar()
      genre = new Varchar()
    }
    const from = migratedTo(Band1)
    const to = model(app('blog', [Band]))
    const diff = diffApp(from, to.snapshot, 'blog', { hints: to.hints })
    expect(kinds(diff.operations)).toEqual(['renameColumn'])
    expect(diff.operations[0]!.params).toEqual({
      tableClassName: 'Band',
      tablename: 'band',
      oldColumnName: 'name',
      newColumnName: 'title',
      oldDbColumnName: 'name',
      newDbColumnName: 'title',
    })
  })

  it('a dropped and an added column of different classes are not asked about', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      members = new Integer()
    }
    const from = migratedTo(Band1)
    const diff = diffApp(from, model(app('blog', [Band])).snapshot, 'blog', { allowDestructive: true })
    expect(diff.questions).toEqual([])
    expect(kinds(diff.operations)).toEqual(['dropColumn', 'addColumn'])
  })

  it('changing dbColumnName renames the database column only', () => {
    class Band extends Table {
      name = new Varchar({ dbColumnName: 'band_name' })
      label = new Varchar()
      genre = new Varchar()
    }
    const from = migratedTo(Band1)
    const to = model(app('blog', [Band]))
    const diff = diffApp(from, to.snapshot, 'blog')
    expect(kinds(diff.operations)).toEqual(['renameColumn'])
    expect(diff.operations[0]!.params).toMatchObject({
      oldColumnName: 'name',
      newColumnName: 'name',
      oldDbColumnName: 'name',
      newDbColumnName: 'band_name',
    })
    expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
  })
})

describe('altering every param', () => {
  class Manager extends Table {
    name = new Varchar()
  }
  const cases: {
    name: string
    before: () => unknown
    after: () => unknown
    params: Record<string, unknown>
    destructive?: boolean
  }[] = [
    {
      name: 'length widened',
      before: () => new Varchar({ length: 100 }),
      after: () => new Varchar({ length: 200 }),
      params: { length: 200 },
    },
    {
      name: 'length narrowed',
      before: () => new Varchar({ length: 200 }),
      after: () => new Varchar({ length: 100 }),
      params: { length: 100 },
      destructive: true,
    },
    {
      name: 'digits',
      before: () => new Numeric({ digits: [5, 2] }),
      after: () => new Numeric({ digits: [10, 2] }),
      params: { digits: [10, 2] },
    },
    {
      name: 'null allowed',
      before: () => new Integer(),
      after: () => new Integer({ null: true }),
      params: { default: null, null: true },
    },
    {
      name: 'default set',
      before: () => new Integer({ null: true }),
      after: () => new Integer({ null: true, default: 5 }),
      params: { default: 5 },
    },
    {
      name: 'default dropped',
      before: () => new Integer({ null: true, default: 5 }),
      after: () => new Integer({ null: true }),
      params: { default: null },
    },
    {
      name: 'default to an expression',
      before: () => new Integer(),
      after: () => new Integer({ default: sql`1 + 1` }),
      params: { default: sql`1 + 1` },
    },
    {
      name: 'unique',
      before: () => new Integer(),
      after: () => new Integer({ unique: true }),
      params: { unique: true },
    },
    { name: 'index', before: () => new Integer(), after: () => new Integer({ index: true }), params: { index: true } },
    {
      name: 'index method',
      before: () => new Integer({ index: true }),
      after: () => new Integer({ index: true, indexMethod: 'hash' }),
      params: { indexMethod: 'hash' },
    },
    {
      name: 'type change with cast',
      before: () => new Text(),
      after: () => new Integer(),
      params: { columnClass: 'Integer', default: 0 },
      destructive: true,
    },
    {
      name: 'integer to bigint',
      before: () => new Integer(),
      after: () => new BigIntColumn(),
      params: { columnClass: 'BigInt' },
    },
    {
      name: 'foreign key onDelete and onUpdate',
      before: () => new ForeignKey(() => Manager),
      after: () => new ForeignKey(() => Manager, { onDelete: 'set null', onUpdate: 'restrict' }),
      params: { onDelete: 'set null', onUpdate: 'restrict' },
    },
  ]
  for (const c of cases) {
    it(`${c.name}: alterColumn with the new and old values${c.destructive ? ', held as destructive' : ''}`, () => {
      const v1 = (() => {
        class Band extends Table {
          value = c.before()
        }
        return Band
      })()
      class Band extends Table {
        value = c.after()
      }
      const from = diffAll(emptySnapshot(), model(app('blog', [Manager, v1]))).after
      const to = model(app('blog', [Manager, Band]))
      const diff = diffApp(from, to.snapshot, 'blog', { allowDestructive: true })
      expect(kinds(diff.operations)).toEqual(['alterColumn'])
      const op = diff.operations[0]!
      expect(op.params).toMatchObject({ params: c.params })
      expect(op.destructive).toBe(c.destructive ?? false)
      expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
      // The reverse restores the old params.
      expect(canon(replayed(replayed(from, diff.operations), [op.reverse()]))).toEqual(canon(from))
    })
  }

  it('a type change that Postgres cannot cast implicitly gets USING', () => {
    const v1 = (() => {
      class Band extends Table {
        value = new Text()
      }
      return Band
    })()
    class Band extends Table {
      value = new Integer()
    }
    const from = migratedTo(v1)
    const diff = diffApp(from, model(app('blog', [Band])).snapshot, 'blog', { allowDestructive: true })
    const sqlText = diff.operations[0]!.toSql(SchemaState.from(from))
      .map((s) => (s.kind === 'sql' ? s.sql : ''))
      .join(';\n')
    expect(sqlText).toContain('ALTER COLUMN "value" TYPE integer USING "value"::integer')
  })
})

describe('composite constraints', () => {
  const Band1 = (() => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
    }
    return Band
  })()
  it('adding and dropping composite unique, index and check constraints', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      static override constraints = [unique('name', 'label'), index('label', 'name'), check(`name <> ''`)]
    }
    const from = migratedTo(Band1)
    const to = model(app('blog', [Band]))
    const added = diffApp(from, to.snapshot, 'blog')
    expect(kinds(added.operations)).toEqual(['addConstraint', 'addConstraint', 'addIndex'])
    const middle = replayed(from, added.operations)
    expect(canon(middle)).toEqual(canon(to.snapshot))
    const dropped = diffApp(middle, model(app('blog', [Band1])).snapshot, 'blog')
    expect(kinds(dropped.operations)).toEqual(['dropConstraint', 'dropConstraint', 'dropIndex'])
    expect(canon(replayed(middle, dropped.operations))).toEqual(canon(from))
  })
})

describe('replay', () => {
  it('a history that renames a column twice replays to the final name', () => {
    const v1 = (() => {
      class Band extends Table {
        name = new Varchar()
      }
      return Band
    })()
    const v2 = (() => {
      class Band extends Table {
        title = new Varchar({ renamedFrom: 'name' })
      }
      return Band
    })()
    class Band extends Table {
      heading = new Varchar({ renamedFrom: 'title' })
    }
    const s1 = migratedTo(v1)
    const m2 = model(app('blog', [v2]))
    const s2 = replayed(s1, diffApp(s1, m2.snapshot, 'blog', { hints: m2.hints }).operations)
    const m3 = model(app('blog', [Band]))
    const ops3 = diffApp(s2, m3.snapshot, 'blog', { hints: m3.hints }).operations
    expect(kinds(ops3)).toEqual(['renameColumn'])
    expect(canon(replayed(s2, ops3))).toEqual(canon(m3.snapshot))
  })

  it('a table renamed together with one of its columns keeps the column rename (Piccolo loses it)', () => {
    const v1 = (() => {
      class Band extends Table {
        name = new Varchar()
        label = new Varchar()
      }
      return Band
    })()
    class Act extends Table {
      static override renamedFrom = 'Band'
      title = new Varchar({ renamedFrom: 'name' })
      label = new Varchar()
    }
    const from = migratedTo(v1)
    const to = model(app('blog', [Act]))
    const diff = diffApp(from, to.snapshot, 'blog', { hints: to.hints })
    expect(diff.operations.map((o) => o.describe())).toEqual([
      'rename table Band to Act',
      'rename column Act.name to title',
    ])
    expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
    // Nothing left to do afterwards.
    expect(diffApp(replayed(from, diff.operations), to.snapshot, 'blog', { hints: to.hints }).operations).toEqual([])
  })

  it('foreign keys follow a renamed target table', () => {
    const v1 = (() => {
      class Manager extends Table {
        name = new Varchar()
      }
      class Band extends Table {
        manager = new ForeignKey(() => Manager)
      }
      return [Manager, Band] as const
    })()
    class Boss extends Table {
      static override renamedFrom = 'Manager'
      name = new Varchar()
    }
    class Band extends Table {
      manager = new ForeignKey(() => Boss)
    }
    const from = migratedTo(...v1)
    const to = model(app('blog', [Boss, Band]))
    const diff = diffApp(from, to.snapshot, 'blog', { hints: to.hints })
    expect(kinds(diff.operations)).toEqual(['renameTable'])
    expect(canon(replayed(from, diff.operations))).toEqual(canon(to.snapshot))
  })
})
