import { expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { describeEngines } from '../helpers/databases.js'

describeEngines('engine', (ctx) => {
  it('runs a multi-statement batch in one round trip and returns rows from query with parameters', async () => {
    const { engine } = ctx()
    await engine.exec(`create table note (id int primary key, body text); insert into note values (1, 'a'), (2, 'b');`)
    const { rows } = await engine.query<{ id: number; body: string }>('select id, body from note where id = $1', [2])
    expect(rows).toEqual([{ id: 2, body: 'b' }])
  })

  it('a batch whose last statement fails leaves nothing behind (it is one implicit transaction)', async () => {
    const { engine } = ctx()
    await engine.exec('create table note (id int primary key)')
    const failing = engine.exec(`
      create table other (x int);
      insert into note values (1);
      insert into note values (1);`)
    await expect(failing).rejects.toMatchObject({ code: '23505' })
    const { rows } = await engine.query<{ n: number }>('select count(*)::int as n from note')
    expect(rows[0]?.n).toBe(0)
    const other = await engine.query<{ found: boolean }>(`select to_regclass('other') is not null as found`)
    expect(other.rows[0]?.found).toBe(false)
  })

  it('a transaction commits and returns the value of its function', async () => {
    const { engine } = ctx()
    await engine.exec('create table note (id int primary key)')
    const value = await engine.transaction(async (tx) => {
      await tx.exec('insert into note values (1); insert into note values (2);')
      const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from note')
      return rows[0]?.n
    })
    expect(value).toBe(2)
    const { rows } = await engine.query<{ n: number }>('select count(*)::int as n from note')
    expect(rows[0]?.n).toBe(2)
  })

  it('a transaction whose function throws is rolled back, DDL included, and the error is rethrown', async () => {
    const { engine } = ctx()
    await engine.exec('create table note (id int primary key)')
    const boom = new Error('boom')
    await expect(
      engine.transaction(async (tx) => {
        await tx.exec('insert into note values (1); create table other (x int);')
        throw boom
      }),
    ).rejects.toBe(boom)
    const { rows } = await engine.query<{ n: number; other: boolean }>(
      `select (select count(*)::int from note) as n, to_regclass('other') is not null as other`,
    )
    expect(rows[0]).toEqual({ n: 0, other: false })
    // The engine is still usable after the rollback.
    await engine.exec('insert into note values (3)')
  })

  it('a failing statement inside a transaction rolls the transaction back with Postgres’ code', async () => {
    const { engine } = ctx()
    await engine.exec('create table note (id int primary key)')
    await expect(
      engine.transaction(async (tx) => {
        await tx.query('insert into note values ($1)', [1])
        await tx.query('insert into note values ($1)', [1])
      }),
    ).rejects.toMatchObject({ code: '23505' })
    const { rows } = await engine.query<{ n: number }>('select count(*)::int as n from note')
    expect(rows[0]?.n).toBe(0)
  })

  it('two lock() callers in one process take turns, and a third times out with LOCK_TIMEOUT', async () => {
    const { engine } = ctx()
    const lock = await engine.lock({ timeoutMs: 5_000 })
    const started = Date.now()
    const timedOut = await engine.lock({ timeoutMs: 300 }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(isAutoMigrationsError(timedOut, 'LOCK_TIMEOUT')).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    const second = engine.lock({ timeoutMs: 5_000 })
    await lock.release()
    await (await second).release()
  })

  it('after close(), the engine refuses queries with a clear error', async () => {
    const { engine } = ctx()
    await engine.close()
    await expect(engine.query('select 1')).rejects.toMatchObject({ code: 'DATABASE_ERROR', message: /closed/ })
    await expect(engine.exec('select 1')).rejects.toMatchObject({ code: 'DATABASE_ERROR' })
  })
})
