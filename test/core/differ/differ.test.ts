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
import { app, emptySnapshot, model } from '../../helpers/models.js'
import { type Version, evolve } from '../../helpers/evolve.js'

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
    const change = evolve([Band, Manager], [Band])
    const held = change.diff()
    expect(held.operations).toEqual([])
    expect(kinds(held.held)).toEqual(['dropTable'])
    const allowed = change.diff({ allowDestructive: true })
    expect(kinds(allowed.operations)).toEqual(['dropTable'])
    expect((allowed.operations[0]!.params as { columns: unknown[] }).columns).toHaveLength(2)
    expect(canon(replayed(change.from, allowed.operations))).toEqual(canon(change.to.snapshot))
  })

  /** The Band the rename and move tests start from. */
  const band1: Version = () => {
    class Band extends Table {
      name = new Varchar()
    }
    return [Band]
  }

  const renameCase = () => {
    class Act extends Table {
      name = new Varchar()
    }
    return evolve(band1, [Act])
  }

  it('a table rename is a question; unanswered, nothing is written for either table', () => {
    const diff = renameCase().diff({ allowDestructive: true })
    expect(diff.questions.map((q) => q.text)).toEqual(['Did you rename table Band to Act? (y/N)'])
    expect(diff.operations).toEqual([])
  })

  it('a confirmed table rename writes renameTable and keeps the columns', () => {
    const change = renameCase()
    const answers = emptyAnswers()
    answers.accepted.add(tableRenameKey('blog', 'Band', 'Act'))
    const diff = change.diff({ answers })
    expect(kinds(diff.operations)).toEqual(['renameTable'])
    expect(diff.operations[0]!.params).toMatchObject({
      oldClassName: 'Band',
      newClassName: 'Act',
      oldTablename: 'band',
      newTablename: 'act',
    })
    expect(canon(replayed(change.from, diff.operations))).toEqual(canon(change.to.snapshot))
  })

  it('a declined table rename is an add and a (destructive) drop', () => {
    const answers = emptyAnswers()
    answers.declined.add(tableRenameKey('blog', 'Band', 'Act'))
    const diff = renameCase().diff({ answers, allowDestructive: true })
    expect(kinds(diff.operations)).toEqual(['dropTable', 'addTable', 'addColumn', 'addColumn'])
    expect(diff.questions).toEqual([])
  })

  it('static renamedFrom renames without asking', () => {
    class Act extends Table {
      static override renamedFrom = 'Band'
      name = new Varchar()
    }
    const diff = evolve(band1, [Act]).diff()
    expect(kinds(diff.operations)).toEqual(['renameTable'])
  })

  it('changing static tablename renames the database table only', () => {
    const change = evolve(band1, () => {
      class Band extends Table {
        static override tablename = 'music_band'
        name = new Varchar()
      }
      return [Band]
    })
    const diff = change.diff()
    expect(kinds(diff.operations)).toEqual(['renameTable'])
    expect(diff.operations[0]!.params).toMatchObject({
      oldClassName: 'Band',
      newClassName: 'Band',
      oldTablename: 'band',
      newTablename: 'music_band',
    })
    expect(canon(replayed(change.from, diff.operations))).toEqual(canon(change.to.snapshot))
  })

  it('changing static schema moves the table', () => {
    const change = evolve(band1, () => {
      class Band extends Table {
        static override schema = 'music'
        name = new Varchar()
      }
      return [Band]
    })
    const diff = change.diff()
    expect(kinds(diff.operations)).toEqual(['changeTableSchema'])
    expect(diff.operations[0]!.params).toEqual({
      className: 'Band',
      tablename: 'band',
      oldSchema: 'public',
      newSchema: 'music',
    })
    expect(canon(replayed(change.from, diff.operations))).toEqual(canon(change.to.snapshot))
  })
})

describe('columns', () => {
  /** The Band every test starts from. */
  const band1: Version = () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      genre = new Varchar()
    }
    return [Band]
  }

  it('adding a column writes addColumn with every param', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      genre = new Varchar()
      members = new Integer({ default: 4 })
    }
    const diff = evolve(band1, [Band]).diff()
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
    const diff = evolve(band1, [Band]).diff()
    expect(diff.operations).toEqual([])
    expect(kinds(diff.held)).toEqual(['dropColumn'])
  })

  it('several renames in one table, some confirmed and some declined', () => {
    class Band extends Table {
      title = new Varchar()
      company = new Varchar()
      style = new Varchar()
    }
    const change = evolve(band1, [Band])
    const first = change.diff({ allowDestructive: true })
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
    const second = change.diff({ answers, allowDestructive: true })
    expect(second.questions).toEqual([])
    expect(kinds(second.operations)).toEqual(['renameColumn', 'renameColumn', 'dropColumn', 'addColumn'])
    expect(second.operations.map((o) => o.describe())).toEqual([
      'rename column Band.name to title',
      'rename column Band.genre to style',
      'drop column Band.label',
      'add column Band.company',
    ])
    expect(canon(replayed(change.from, second.operations))).toEqual(canon(change.to.snapshot))
  })

  it('renamedFrom on a column renames without asking; --rename hints do the same', () => {
    class Band extends Table {
      title = new Varchar({ renamedFrom: 'name' })
      label = new Varchar()
      genre = new Varchar()
    }
    const diff = evolve(band1, [Band]).diff()
    expect(kinds(diff.operations)).toEqual(['renameColumn'])
    const renamed = {
      tableClassName: 'Band',
      tablename: 'band',
      oldColumnName: 'name',
      newColumnName: 'title',
      oldDbColumnName: 'name',
      newDbColumnName: 'title',
    }
    expect(diff.operations[0]!.params).toEqual(renamed)
    // The same model without renamedFrom, and the hint `--rename Band.name=title` gives.
    const hinted = evolve(band1, () => {
      class Band extends Table {
        title = new Varchar()
        label = new Varchar()
        genre = new Varchar()
      }
      return [Band]
    }).diff({ hints: { tables: new Map(), columns: new Map([['blog.Band.title', 'name']]) } })
    expect(hinted.questions).toEqual([])
    expect(hinted.operations.map((o) => o.params)).toEqual([renamed])
  })

  it('a dropped and an added column of different classes are not asked about', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      members = new Integer()
    }
    const diff = evolve(band1, [Band]).diff({ allowDestructive: true })
    expect(diff.questions).toEqual([])
    expect(kinds(diff.operations)).toEqual(['dropColumn', 'addColumn'])
  })

  it('changing dbColumnName renames the database column only', () => {
    class Band extends Table {
      name = new Varchar({ dbColumnName: 'band_name' })
      label = new Varchar()
      genre = new Varchar()
    }
    const change = evolve(band1, [Band])
    const diff = change.diff()
    expect(kinds(diff.operations)).toEqual(['renameColumn'])
    expect(diff.operations[0]!.params).toMatchObject({
      oldColumnName: 'name',
      newColumnName: 'name',
      oldDbColumnName: 'name',
      newDbColumnName: 'band_name',
    })
    expect(canon(replayed(change.from, diff.operations))).toEqual(canon(change.to.snapshot))
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
      const change = evolve(
        () => {
          class Band extends Table {
            value = c.before()
          }
          return [Manager, Band]
        },
        () => {
          class Band extends Table {
            value = c.after()
          }
          return [Manager, Band]
        },
      )
      const diff = change.diff({ allowDestructive: true })
      expect(kinds(diff.operations)).toEqual(['alterColumn'])
      const op = diff.operations[0]!
      expect(op.params).toMatchObject({ params: c.params })
      expect(op.destructive).toBe(c.destructive ?? false)
      const after = replayed(change.from, diff.operations)
      expect(canon(after)).toEqual(canon(change.to.snapshot))
      // The reverse restores the old params.
      expect(canon(replayed(after, [op.reverse()]))).toEqual(canon(change.from))
    })
  }

  it('a type change that Postgres cannot cast implicitly gets USING', () => {
    const change = evolve(
      () => {
        class Band extends Table {
          value = new Text()
        }
        return [Band]
      },
      () => {
        class Band extends Table {
          value = new Integer()
        }
        return [Band]
      },
    )
    const diff = change.diff({ allowDestructive: true })
    const sqlText = diff.operations[0]!.toSql(SchemaState.from(change.from))
      .map((s) => (s.kind === 'sql' ? s.sql : ''))
      .join(';\n')
    expect(sqlText).toContain('ALTER COLUMN "value" TYPE integer USING "value"::integer')
  })
})

describe('composite constraints', () => {
  const band1: Version = () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
    }
    return [Band]
  }
  it('adding and dropping composite unique, index and check constraints', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
      static override constraints = [unique('name', 'label'), index('label', 'name'), check(`name <> ''`)]
    }
    const there = evolve(band1, [Band])
    const added = there.diff()
    expect(kinds(added.operations)).toEqual(['addConstraint', 'addConstraint', 'addIndex'])
    const middle = replayed(there.from, added.operations)
    expect(canon(middle)).toEqual(canon(there.to.snapshot))
    const back = evolve([Band], band1)
    const dropped = back.diff()
    expect(kinds(dropped.operations)).toEqual(['dropConstraint', 'dropConstraint', 'dropIndex'])
    expect(canon(replayed(back.from, dropped.operations))).toEqual(canon(there.from))
  })
})

describe('replay', () => {
  it('a history that renames a column twice replays to the final name', () => {
    const change = evolve(
      () => {
        class Band extends Table {
          name = new Varchar()
        }
        return [Band]
      },
      () => {
        class Band extends Table {
          title = new Varchar({ renamedFrom: 'name' })
        }
        return [Band]
      },
      () => {
        class Band extends Table {
          heading = new Varchar({ renamedFrom: 'title' })
        }
        return [Band]
      },
    )
    const ops3 = change.diff().operations
    expect(kinds(ops3)).toEqual(['renameColumn'])
    expect(canon(replayed(change.from, ops3))).toEqual(canon(change.to.snapshot))
  })

  it('a table renamed together with one of its columns keeps the column rename (Piccolo loses it)', () => {
    class Band extends Table {
      name = new Varchar()
      label = new Varchar()
    }
    class Act extends Table {
      static override renamedFrom = 'Band'
      title = new Varchar({ renamedFrom: 'name' })
      label = new Varchar()
    }
    const change = evolve([Band], [Act])
    const diff = change.diff()
    expect(diff.operations.map((o) => o.describe())).toEqual([
      'rename table Band to Act',
      'rename column Act.name to title',
    ])
    const after = replayed(change.from, diff.operations)
    expect(canon(after)).toEqual(canon(change.to.snapshot))
    // Nothing left to do afterwards.
    expect(diffApp(after, change.to.snapshot, 'blog', { hints: change.to.hints }).operations).toEqual([])
  })

  it('foreign keys follow a renamed target table', () => {
    const change = evolve(
      () => {
        class Manager extends Table {
          name = new Varchar()
        }
        class Band extends Table {
          manager = new ForeignKey(() => Manager)
        }
        return [Manager, Band]
      },
      () => {
        class Boss extends Table {
          static override renamedFrom = 'Manager'
          name = new Varchar()
        }
        class Band extends Table {
          manager = new ForeignKey(() => Boss)
        }
        return [Boss, Band]
      },
    )
    const diff = change.diff()
    expect(kinds(diff.operations)).toEqual(['renameTable'])
    expect(canon(replayed(change.from, diff.operations))).toEqual(canon(change.to.snapshot))
  })
})
