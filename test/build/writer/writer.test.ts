/** The writer: IDs, file names, rendering (pure, deterministic), atomic writes. */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistry } from '../../../src/model/registry.js'
import { defineApp } from '../../../src/model/define.js'
import { diffApp } from '../../../src/core/differ/diff.js'
import { ForeignKey, Integer, Table, Text, Varchar, check, index, sql } from '../../../src/index.js'
import { MigrationManager, checksumOf } from '../../../src/core/operations/manager.js'
import { replay } from '../../../src/core/operations/replay.js'
import { canonicalSnapshot } from '../../../src/core/state/snapshot.js'
import type { TableClass } from '../../../src/model/columns.js'
import { modelSnapshot } from '../../../src/model/to-snapshot.js'
import { migrationFileName, newMigrationId, renderMigration, writeFileAtomic } from '../../../src/build/writer/index.js'

describe('newMigrationId', () => {
  it('is the UTC time with microseconds', () => {
    expect(newMigrationId([], new Date('2026-11-27T10:15:03.123Z'))).toBe('2026-11-27T10:15:03:123000')
  })

  it('never collides within an app: a candidate not after the greatest ID is that ID plus 1 µs', () => {
    const now = new Date('2026-11-27T10:15:03.123Z')
    expect(newMigrationId(['2026-11-27T10:15:03:123000'], now)).toBe('2026-11-27T10:15:03:123001')
    // A clock set back, or a merged branch from the future.
    expect(newMigrationId(['2027-01-01T00:00:00:000000', '2026-01-01T00:00:00:000000'], now)).toBe(
      '2027-01-01T00:00:00:000001',
    )
    // Microseconds carry into the seconds, minutes… and the year.
    expect(newMigrationId(['2026-12-31T23:59:59:999999'], now)).toBe('2027-01-01T00:00:00:000000')
    expect(newMigrationId(['2026-01-01T00:00:00:000000'], now)).toBe('2026-11-27T10:15:03:123000')
  })

  it('sorts as text in time order', () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push(newMigrationId(ids, new Date('2026-11-27T10:15:03.123Z')))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(5)
  })
})

describe('migrationFileName', () => {
  it('is <app>_<id with separators as underscores>.ts', () => {
    expect(migrationFileName('blog', '2026-11-27T10:15:03:123456')).toBe('blog_2026_11_27T10_15_03_123456.ts')
  })
})

class Author extends Table {
  name = new Varchar({ length: 255 })
}
class Post extends Table {
  static override tablename = 'blog_post'
  title = new Varchar({ length: 200, unique: true })
  body = new Text({ null: true, default: "it's\nhere" })
  author = new ForeignKey(() => Author, { onDelete: 'cascade' })
  views = new Integer({ default: sql`1 + 1`, index: true })
  static override constraints = [index('author', 'views'), check('views >= 0')]
}

function operationsFor(...tables: TableClass[]) {
  const model = modelSnapshot(createRegistry([defineApp({ name: 'blog', tables })]))
  return {
    model,
    operations: diffApp({ tables: [], enums: [] }, model.snapshot, 'blog', { hints: model.hints }).operations,
  }
}

describe('renderMigration', () => {
  it('renders the SPEC layout, importing sql only when a value is a SQL expression', () => {
    const { operations } = operationsFor(Author)
    const text = renderMigration({
      app: 'blog',
      id: '2026-11-27T10:15:03:123456',
      description: 'add author',
      dependsOn: {},
      operations,
    })
    expect(text).toBe(
      [
        "import { MigrationManager } from 'unplugin-auto-migrations'",
        '',
        "export const ID = '2026-11-27T10:15:03:123456'",
        "export const DESCRIPTION = 'add author'",
        'export const DEPENDS_ON = {}',
        '',
        'export async function forwards() {',
        "  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })",
        "  manager.addTable({ className: 'Author', tablename: 'author' })",
        ...operations.slice(1).flatMap((o) => `  ${o.toSource('  ')}`.split('\n')),
        '  return manager',
        '}',
        '',
      ].join('\n'),
    )
    const withSql = renderMigration({
      app: 'blog',
      id: '2026-11-27T10:15:03:123456',
      description: '',
      dependsOn: {},
      operations: operationsFor(Author, Post).operations,
    })
    expect(withSql.split('\n')[0]).toBe("import { MigrationManager, sql } from 'unplugin-auto-migrations'")
  })

  it('is deterministic: the same input gives the same bytes', () => {
    const input = {
      app: 'blog',
      id: '2026-11-27T10:15:03:123456',
      description: 'x',
      dependsOn: {},
      operations: operationsFor(Author, Post).operations,
    }
    expect(renderMigration(input)).toBe(
      renderMigration({ ...input, operations: operationsFor(Author, Post).operations }),
    )
  })

  it('gives a file whose operations replay to the model', async () => {
    const { model, operations } = operationsFor(Author, Post)
    const text = renderMigration({
      app: 'blog',
      id: '2026-11-27T10:15:03:123456',
      description: "the author's\nfirst",
      dependsOn: {},
      operations,
    })
    // Evaluate the file as a module with our MigrationManager and sql standing in for the package.
    const body = text.replace(/^import .*\n/, '').replace(/export /g, '')
    const forwards = new Function('MigrationManager', 'sql', `${body}\nreturn { ID, DESCRIPTION, forwards }`)(
      MigrationManager,
      sql,
    ) as {
      ID: string
      DESCRIPTION: string
      forwards: () => Promise<MigrationManager>
    }
    expect(forwards.DESCRIPTION).toBe("the author's\nfirst")
    const manager = await forwards.forwards()
    const state = replay([{ app: 'blog', id: forwards.ID, operations: manager.operations }])
    expect(canonicalSnapshot(state.toData())).toEqual(canonicalSnapshot(model.snapshot))
    // What the runner records is the same whether computed from the diff or from the written file.
    expect(manager.checksum()).toBe(checksumOf(operations))
  })
})

describe('writeFileAtomic', () => {
  let dir: string
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('writes the whole file and leaves no temp file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-writer-'))
    const file = path.join(dir, 'migrations', 'blog_x.ts')
    await writeFileAtomic(file, 'one')
    await writeFileAtomic(file, 'two')
    expect(await readFile(file, 'utf8')).toBe('two')
    expect(await readdir(path.dirname(file))).toEqual(['blog_x.ts'])
  })

  it('removes its temp file when the write fails, and leaves the target untouched', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-writer-'))
    // The target is a non-empty folder: the rename fails after the temp file was written.
    const target = path.join(dir, 'blog_x.ts')
    await mkdir(target)
    await writeFile(path.join(target, 'keep'), 'x')
    await expect(writeFileAtomic(target, 'text')).rejects.toThrow()
    expect(await readdir(dir)).toEqual(['blog_x.ts'])
    expect(await readdir(target)).toEqual(['keep'])
  })
})
