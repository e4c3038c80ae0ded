/**
 * The runner on real databases (Postgres 15 server and PGlite): apply, track, reverse, and fail safely.
 */
import { expect, it } from 'vitest'
import { MigrationManager } from '../../src/core/operations/manager.js'
import { type MigrationSource, createMigrator } from '../../src/runtime/runner.js'
import { introspect } from '../../src/runtime/introspect.js'
import { readHistory } from '../../src/runtime/history.js'
import { describeEngines } from '../helpers/databases.js'
import { isAutoMigrationsError } from '../../src/errors.js'

function source(
  app: string,
  id: string,
  record: (m: MigrationManager) => void,
  file = `${app}_${id}.ts`,
): MigrationSource {
  return {
    app,
    id,
    file,
    description: `migration ${id}`,
    forwards: () => {
      const manager = new MigrationManager({ migrationId: id, appName: app })
      record(manager)
      return manager
    },
  }
}

const ID1 = '2026-11-27T10:00:00:000001'
const ID2 = '2026-11-27T10:00:00:000002'
const ID3 = '2026-11-27T10:00:00:000003'

const addAuthor = source('blog', ID1, (m) => {
  m.addTable({ className: 'Author', tablename: 'author' })
  m.addColumn({
    tableClassName: 'Author',
    tablename: 'author',
    columnName: 'id',
    dbColumnName: 'id',
    columnClass: 'Serial',
    params: { default: null, null: false, primaryKey: true, unique: false, index: false },
  })
  m.addColumn({
    tableClassName: 'Author',
    tablename: 'author',
    columnName: 'name',
    dbColumnName: 'name',
    columnClass: 'Varchar',
    params: { length: 255, default: '', null: false, primaryKey: false, unique: false, index: false },
  })
})
const addUser = source('auth', ID2, (m) => {
  m.addTable({ className: 'User', tablename: 'user' })
  m.addColumn({
    tableClassName: 'User',
    tablename: 'user',
    columnName: 'id',
    dbColumnName: 'id',
    columnClass: 'Serial',
    params: { default: null, null: false, primaryKey: true, unique: false, index: false },
  })
})
const addAuthorUser = source('blog', ID3, (m) => {
  m.addColumn({
    tableClassName: 'Author',
    tablename: 'author',
    columnName: 'user',
    dbColumnName: 'user_id',
    columnClass: 'ForeignKey',
    params: {
      references: { app: 'auth', table: 'User', column: 'id' },
      onDelete: 'cascade',
      onUpdate: 'cascade',
      default: null,
      null: true,
      primaryKey: false,
      unique: false,
      index: false,
    },
  })
})
const apps = [
  { name: 'auth', dependencies: [] },
  { name: 'blog', dependencies: ['auth'] },
]

describeEngines('runner', (ctx) => {
  it('migrate applies pending migrations app by app in dependency order, records them, and applies nothing the second time', async () => {
    const { engine } = ctx()
    const migrator = createMigrator({ apps, migrations: [addAuthorUser, addAuthor, addUser], database: engine })
    const first = await migrator.migrate()
    expect(first.applied.map((m) => `${m.app} ${m.id}`)).toEqual([`auth ${ID2}`, `blog ${ID1}`, `blog ${ID3}`])
    const schema = await introspect(engine, { schemas: ['public'] })
    expect(schema.tables.map((t) => t.name).sort()).toEqual(['author', 'user'])
    const author = schema.tables.find((t) => t.name === 'author')!
    expect(author.foreignKeys).toMatchObject([{ columns: ['user_id'], referencedTable: 'user', onDelete: 'cascade' }])
    const history = await readHistory(engine)
    expect(history.map((h) => h.migrationId)).toEqual([ID2, ID1, ID3])
    expect(history.every((h) => h.checksum.length > 0)).toBe(true)
    expect((await migrator.migrate()).applied).toEqual([])
    expect((await migrator.status()).map((s) => s.state)).toEqual(['ran', 'ran', 'ran'])
  })

  it('a migration that fails half-way leaves the schema and history as before, and the error names the file, operation, SQL and code', async () => {
    const { engine } = ctx()
    const broken = source('blog', ID3, (m) => {
      m.addColumn({
        tableClassName: 'Author',
        tablename: 'author',
        columnName: 'bio',
        dbColumnName: 'bio',
        columnClass: 'Text',
        params: { default: '', null: false, primaryKey: false, unique: false, index: false },
      })
      m.sql('SELECT * FROM no_such_table')
    })
    await createMigrator({ apps, migrations: [addAuthor, addUser], database: engine }).migrate()
    const before = await introspect(engine, { schemas: ['public'] })
    const error = await createMigrator({ apps, migrations: [addAuthor, addUser, broken], database: engine })
      .migrate()
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(isAutoMigrationsError(error, 'MIGRATION_FAILED')).toBe(true)
    const e = error as { message: string; details: Record<string, unknown> }
    expect(e.message).toContain(`blog_${ID3}.ts`)
    expect(e.message).toContain('SELECT * FROM no_such_table')
    expect(e.details).toMatchObject({
      app: 'blog',
      migrationId: ID3,
      pgCode: '42P01',
      sql: 'SELECT * FROM no_such_table',
    })
    // Nothing ran before it in this call.
    expect(e.details.applied).toEqual([])
    expect(await introspect(engine, { schemas: ['public'] })).toEqual(before)
    expect((await readHistory(engine)).map((h) => h.migrationId)).toEqual([ID2, ID1])
  })

  it('the error of a failed migrate() lists what that call applied before the failure, which stays applied', async () => {
    const { engine } = ctx()
    const broken = source('blog', ID3, (m) => m.sql('SELECT * FROM no_such_table'))
    const error = await createMigrator({ apps, migrations: [addAuthor, addUser, broken], database: engine })
      .migrate()
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(isAutoMigrationsError(error, 'MIGRATION_FAILED')).toBe(true)
    const applied = (error as { details: { applied?: { app: string; id: string }[] } }).details.applied
    expect(applied?.map((m) => `${m.app} ${m.id}`)).toEqual([`auth ${ID2}`, `blog ${ID1}`])
    expect((await readHistory(engine)).map((h) => h.migrationId)).toEqual([ID2, ID1])
  })

  it('a migration edited after it ran is reported as changed and blocks migrate', async () => {
    const { engine } = ctx()
    await createMigrator({ apps, migrations: [addAuthor, addUser], database: engine }).migrate()
    const edited = source('blog', ID1, (m) => {
      m.addTable({ className: 'Author', tablename: 'writer' })
    })
    const migrator = createMigrator({ apps, migrations: [edited, addUser, addAuthorUser], database: engine })
    expect((await migrator.status()).find((s) => s.id === ID1)?.state).toBe('changed')
    await expect(migrator.migrate()).rejects.toMatchObject({ code: 'CHECKSUM_CHANGED' })
    expect((await readHistory(engine)).length).toBe(2)
  })

  it('an older migration that appears after newer ones ran is applied and reported; a vanished one is reported missing', async () => {
    const { engine } = ctx()
    await createMigrator({
      apps,
      migrations: [addUser, addAuthorUser.id ? addAuthor : addAuthor],
      database: engine,
    }).migrate()
    const late = source('blog', '2026-11-27T09:00:00:000000', (m) =>
      m.sql('CREATE TABLE late (x int)', 'DROP TABLE late'),
    )
    const result = await createMigrator({ apps, migrations: [addAuthor, late], database: engine }).migrate()
    expect(result.applied).toMatchObject([{ app: 'blog', id: '2026-11-27T09:00:00:000000', outOfOrder: true }])
    expect(result.missing).toEqual([{ app: 'auth', id: ID2 }])
  })

  it('rollback reverses the latest migrations and restores the schema exactly', async () => {
    const { engine } = ctx()
    const migrator = createMigrator({ apps, migrations: [addAuthor, addUser, addAuthorUser], database: engine })
    await createMigrator({ apps, migrations: [addAuthor, addUser], database: engine }).migrate()
    const before = await introspect(engine, { schemas: ['public'] })
    await migrator.migrate()
    const result = await migrator.rollback({ app: 'blog' })
    expect(result.reversed.map((r) => r.id)).toEqual([ID3])
    expect(await introspect(engine, { schemas: ['public'] })).toEqual(before)
    await migrator.migrate()
    await migrator.rollback({ app: 'blog', steps: 2 })
    const tables = (await introspect(engine, { schemas: ['public'] })).tables.map((t) => t.name)
    expect(tables).toEqual(['user'])
    expect((await migrator.status()).map((s) => `${s.app}:${s.state}`)).toEqual([
      'auth:ran',
      'blog:pending',
      'blog:pending',
    ])
  })

  it('fake records migrations without running them', async () => {
    const { engine } = ctx()
    const migrator = createMigrator({ apps, migrations: [addAuthor, addUser], database: engine })
    await migrator.migrate({ fake: true })
    expect((await introspect(engine, { schemas: ['public'] })).tables).toEqual([])
    expect((await migrator.status()).map((s) => s.state)).toEqual(['ran', 'ran'])
  })

  const concurrentIndex = (unique: boolean) => ({
    name: null,
    keys: [{ column: 'name' }],
    unique,
    method: 'btree' as const,
    where: null,
    nullsDistinct: true,
    concurrently: true,
  })
  const failure = async (run: Promise<unknown>, code = 'MIGRATION_FAILED') => {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isAutoMigrationsError(error) && error.code).toBe(code)
    return error as Error & { details: Record<string, unknown> }
  }
  const indexNames = async (engine: Parameters<typeof introspect>[0]) =>
    (await introspect(engine, { schemas: ['public'] })).tables
      .find((t) => t.name === 'author')!
      .indexes.map((i) => i.name)

  it('a unique index built CONCURRENTLY that fails on duplicates leaves no INVALID index behind: nothing was applied', async () => {
    const { engine } = ctx()
    const migrator = createMigrator({ apps, migrations: [addUser, addAuthor], database: engine })
    await migrator.migrate()
    await engine.exec(`INSERT INTO author (name) VALUES ('same'), ('same')`)
    const unique = source('blog', ID3, (m) =>
      m.addIndex({ tableClassName: 'Author', tablename: 'author', index: concurrentIndex(true) }),
    )
    const error = await failure(
      createMigrator({ apps, migrations: [addUser, addAuthor, unique], database: engine }).migrate(),
    )
    expect(error.message).toMatch(/could not create unique index .*\[23505\]/)
    expect(error.message).toContain('Nothing of this migration was applied.')
    expect(await indexNames(engine)).toEqual([])
    expect((await readHistory(engine)).length).toBe(2)
    // Once the rows are fixed, running it again works.
    await engine.exec(`DELETE FROM author WHERE id = (SELECT max(id) FROM author)`)
    await createMigrator({ apps, migrations: [addUser, addAuthor, unique], database: engine }).migrate()
    expect(await indexNames(engine)).toEqual(['author_name_key'])
  })

  it('a migration whose step outside the transaction committed stops as partial when a later step fails, and the fixed file resumes after what committed', async () => {
    const { engine } = ctx()
    await createMigrator({ apps, migrations: [addUser, addAuthor], database: engine }).migrate()
    const mixed = (last: string) =>
      source('blog', ID3, (m) => {
        m.addColumn({
          tableClassName: 'Author',
          tablename: 'author',
          columnName: 'bio',
          dbColumnName: 'bio',
          columnClass: 'Text',
          params: { default: null, null: true, primaryKey: false, unique: false, index: false },
        })
        m.addIndex({ tableClassName: 'Author', tablename: 'author', index: concurrentIndex(false) })
        m.sql(last)
      })
    const error = await failure(
      createMigrator({
        apps,
        migrations: [addUser, addAuthor, mixed('SELECT * FROM no_such_table')],
        database: engine,
      }).migrate(),
    )
    expect(error.message).toContain('2 of its 3 steps committed before')
    expect(error.message).toContain('status shows it as partial, and the next run resumes at the step that failed')
    expect(await indexNames(engine)).toEqual(['author_name_idx'])
    expect((await readHistory(engine)).length).toBe(2)
    const fixed = createMigrator({
      apps,
      migrations: [addUser, addAuthor, mixed('UPDATE author SET bio = name')],
      database: engine,
    })
    expect((await fixed.status()).find((s) => s.id === ID3)).toMatchObject({
      state: 'partial',
      steps: { done: 2, total: 3, direction: 'forwards' },
    })
    expect((await fixed.migrate()).applied.map((m) => m.id)).toEqual([ID3])
    expect((await fixed.status()).map((s) => s.state)).toEqual(['ran', 'ran', 'ran'])
    expect(await indexNames(engine)).toEqual(['author_name_idx'])
    expect((await readHistory(engine)).length).toBe(3)
  })

  it('a partial migration whose committed steps changed in the file is refused with MIGRATION_PARTIAL, and cannot be reversed before it is finished', async () => {
    const { engine } = ctx()
    await createMigrator({ apps, migrations: [addUser, addAuthor], database: engine }).migrate()
    const mixed = (column: string) =>
      source('blog', ID3, (m) => {
        m.addColumn({
          tableClassName: 'Author',
          tablename: 'author',
          columnName: column,
          dbColumnName: column,
          columnClass: 'Text',
          params: { default: null, null: true, primaryKey: false, unique: false, index: false },
        })
        m.addIndex({ tableClassName: 'Author', tablename: 'author', index: concurrentIndex(false) })
        m.sql('SELECT * FROM no_such_table')
      })
    await failure(createMigrator({ apps, migrations: [addUser, addAuthor, mixed('bio')], database: engine }).migrate())
    const changed = await failure(
      createMigrator({ apps, migrations: [addUser, addAuthor, mixed('about')], database: engine }).migrate(),
      'MIGRATION_PARTIAL',
    )
    expect(changed.message).toContain(
      'stopped forwards after 2 of its 3 steps, and the steps that committed are no longer the same in the file',
    )
    const back = await failure(
      createMigrator({ apps, migrations: [addUser, addAuthor, mixed('bio')], database: engine }).rollback({
        app: 'blog',
      }),
      'MIGRATION_PARTIAL',
    )
    expect(back.message).toContain('run forwards to finish it first')
  })

  it('an enum value added outside the transaction is recorded as a committed step when a later one fails, and the fixed file finishes the migration', async () => {
    const { engine } = ctx()
    const mood = source('blog', ID1, (m) => m.addEnum({ name: 'mood', values: ['a'] }))
    await createMigrator({ apps, migrations: [mood], database: engine }).migrate()
    const widen = (fails: boolean) =>
      source('blog', ID3, (m) => {
        m.alterEnum({ name: 'mood', values: ['a', 'b'], oldValues: ['a'] })
        if (fails) m.sql('SELECT * FROM no_such_table')
      })
    const error = await failure(createMigrator({ apps, migrations: [mood, widen(true)], database: engine }).migrate())
    expect(error.message).toContain('1 of its 2 steps committed before')
    await createMigrator({ apps, migrations: [mood, widen(false)], database: engine }).migrate()
    expect(
      (await engine.query<{ v: string }>(`SELECT unnest(enum_range(NULL::mood))::text AS v`)).rows.map((r) => r.v),
    ).toEqual(['a', 'b'])
    expect((await readHistory(engine)).length).toBe(2)
  })

  it('CREATE INDEX CONCURRENTLY runs in its own step and the history row is still written', async () => {
    const { engine, kind } = ctx()
    if (kind === 'pglite') return // PGlite accepts CONCURRENTLY too, but the point is the server
    const concurrent = source('blog', ID3, (m) => {
      m.addIndex({
        tableClassName: 'Author',
        tablename: 'author',
        index: {
          name: null,
          keys: [{ column: 'name' }],
          unique: false,
          method: 'btree',
          where: null,
          nullsDistinct: true,
          concurrently: true,
        },
      })
    })
    const migrator = createMigrator({ apps, migrations: [addAuthor, addUser, concurrent], database: engine })
    await migrator.migrate()
    const author = (await introspect(engine, { schemas: ['public'] })).tables.find((t) => t.name === 'author')!
    expect(author.indexes.map((i) => i.name)).toEqual(['author_name_idx'])
    expect((await readHistory(engine)).length).toBe(3)
  })
})

it("a migrator that adopts another one's database (an HMR update of the virtual module) reuses the same handle", async () => {
  const first = createMigrator({ apps, migrations: [], database: 'postgres://postgres@127.0.0.1:5432/test' })
  const second = createMigrator({ apps, migrations: [], database: 'postgres://postgres@127.0.0.1:5432/test' })
  const handle = await first.getDatabase()
  second.adoptDatabase(first)
  expect(await second.getDatabase()).toBe(handle)
  await second.close()
})
