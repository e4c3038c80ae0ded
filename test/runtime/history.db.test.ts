import { describe, expect, it } from 'vitest'
import { PgEngine } from '../../src/runtime/engines/pg.js'
import {
  deleteHistoryRow,
  deleteHistoryRowSql,
  ensureHistoryTable,
  historyTableExists,
  insertHistoryRow,
  insertHistoryRowSql,
  readHistory,
} from '../../src/runtime/history.js'
import { introspect } from '../../src/runtime/introspect.js'
import { describeEngines, withPgDatabase } from '../helpers/databases.js'

describeEngines('history table', (ctx) => {
  it('reading history of a fresh database gives no rows and creates nothing', async () => {
    const { engine } = ctx()
    expect(await readHistory(engine, 'public')).toEqual([])
    expect(await historyTableExists(engine, 'public')).toBe(false)
  })

  it('is created on first use with the documented columns, and creating it again is a no-op', async () => {
    const { engine } = ctx()
    await ensureHistoryTable(engine, 'public')
    await ensureHistoryTable(engine, 'public')
    // The history table is hidden from introspection unless its schema is named as another one.
    const hidden = await introspect(engine, { schemas: ['public'] })
    expect(hidden.tables).toEqual([])
    const shown = await introspect(engine, { schemas: ['public'], historySchema: 'elsewhere' })
    const table = shown.tables[0]
    expect(table?.name).toBe('auto_migrations')
    expect(table?.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'integer', false],
      ['app', 'text', false],
      ['migration_id', 'text', false],
      ['description', 'text', false],
      ['checksum', 'text', false],
      ['ran_on', 'timestamp with time zone', false],
      ['duration_ms', 'integer', true],
    ])
    expect(table?.columns[0]?.serial).toBe(true)
    expect(table?.primaryKey?.columns).toEqual(['id'])
    expect(table?.uniques.map((u) => u.columns)).toEqual([['app', 'migration_id']])
  })

  it('rows round-trip in the order they ran; delete removes one app’s row only', async () => {
    const { engine } = ctx()
    await ensureHistoryTable(engine, 'public')
    const before = Date.now()
    await insertHistoryRow(engine, 'public', {
      app: 'blog',
      migrationId: '2026-11-27T10:15:03:123456',
      description: 'add author',
      checksum: 'c1',
      durationMs: 12,
    })
    await insertHistoryRow(engine, 'public', { app: 'auth', migrationId: '2026-11-27T10:15:03:123456', checksum: 'c2' })
    await insertHistoryRow(engine, 'public', {
      app: 'blog',
      migrationId: '2026-11-28T00:00:00:000000',
      checksum: 'c3',
      durationMs: null,
    })

    const rows = await readHistory(engine, 'public')
    expect(rows.map((r) => [r.app, r.migrationId, r.description, r.checksum, r.durationMs])).toEqual([
      ['blog', '2026-11-27T10:15:03:123456', 'add author', 'c1', 12],
      ['auth', '2026-11-27T10:15:03:123456', '', 'c2', expect.any(Number)],
      ['blog', '2026-11-28T00:00:00:000000', '', 'c3', null],
    ])
    expect(rows[0]?.ranOn).toBeInstanceOf(Date)
    expect(rows[0]?.ranOn.getTime()).toBeGreaterThan(before - 60_000)
    expect(typeof rows[0]?.id).toBe('number')

    await deleteHistoryRow(engine, 'public', 'blog', '2026-11-27T10:15:03:123456')
    expect((await readHistory(engine, 'public')).map((r) => [r.app, r.checksum])).toEqual([
      ['auth', 'c2'],
      ['blog', 'c3'],
    ])
  })

  it('one app cannot record the same migration twice', async () => {
    const { engine } = ctx()
    await ensureHistoryTable(engine, 'public')
    await insertHistoryRow(engine, 'public', { app: 'blog', migrationId: 'x', checksum: 'a' })
    await expect(
      insertHistoryRow(engine, 'public', { app: 'blog', migrationId: 'x', checksum: 'b' }),
    ).rejects.toMatchObject({
      code: '23505',
    })
  })

  it('the insert appended to a migration batch commits with it, or not at all when the batch fails', async () => {
    const { engine } = ctx()
    await ensureHistoryTable(engine, 'public')
    await engine.exec(
      `create table post (id int primary key);\n${insertHistoryRowSql('public', { app: 'blog', migrationId: 'm1', checksum: 'k' })}`,
    )
    const failing = engine.exec(
      `create table author (id int primary key);\ninsert into post values (1), (1);\n` +
        insertHistoryRowSql('public', { app: 'blog', migrationId: 'm2', checksum: 'k' }),
    )
    await expect(failing).rejects.toMatchObject({ code: '23505' })
    expect((await readHistory(engine, 'public')).map((r) => r.migrationId)).toEqual(['m1'])
    const { rows } = await engine.query<{ author: boolean }>(`select to_regclass('author') is not null as author`)
    expect(rows[0]?.author).toBe(false)

    // Backwards: the schema change and the history delete, in one batch too.
    await engine.exec(`drop table post;\n${deleteHistoryRowSql('public', 'blog', 'm1')}`)
    expect(await readHistory(engine, 'public')).toEqual([])
  })

  it('without an explicit duration, the row records the time since its transaction began', async () => {
    const { engine } = ctx()
    await ensureHistoryTable(engine, 'public')
    await engine.transaction(async (tx) => {
      await tx.query('select pg_sleep(0.06)')
      await tx.exec(insertHistoryRowSql('public', { app: 'blog', migrationId: 'slow', checksum: 'k' }))
    })
    const [row] = await readHistory(engine, 'public')
    expect(row?.durationMs).toBeGreaterThanOrEqual(50)
    expect(row?.durationMs).toBeLessThan(10_000)
  })

  it('lives in a schema whose name needs quoting, and keeps values with quotes and backslashes exactly', async () => {
    const { engine } = ctx()
    const schema = 'Migrations "Log"'
    await ensureHistoryTable(engine, schema)
    expect(await historyTableExists(engine, schema)).toBe(true)
    expect(await historyTableExists(engine, 'public')).toBe(false)
    const tricky = {
      app: `o'brien`,
      migrationId: String.raw`C:\path\n'; drop table x; --`,
      description: 'naïve “quotes” \\ and $$dollars$$',
      checksum: 'sha256:\u00e9',
    }
    await insertHistoryRow(engine, schema, tricky)
    const [row] = await readHistory(engine, schema)
    expect(row).toMatchObject(tricky)
    await deleteHistoryRow(engine, schema, tricky.app, tricky.migrationId)
    expect(await readHistory(engine, schema)).toEqual([])
  })
})

describe('history table on a server shared by many processes', () => {
  it('8 processes creating it at the same instant all succeed', async () => {
    const database = await withPgDatabase()
    const engines = Array.from({ length: 8 }, () => new PgEngine(database.url))
    try {
      const results = await Promise.allSettled(engines.map((engine) => ensureHistoryTable(engine, 'Shared Schema')))
      expect(results.filter((r) => r.status === 'rejected')).toEqual([])
      expect(await historyTableExists(engines[0] as PgEngine, 'Shared Schema')).toBe(true)
    } finally {
      await Promise.all(engines.map((engine) => engine.close()))
      await database.cleanup()
    }
  })
})
