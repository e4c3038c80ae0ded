import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { DEFAULT_LOCK_KEY, PgEngine } from '../../src/runtime/engines/pg.js'
import { type PgTestDatabase, quietOnTermination, withPgDatabase } from '../helpers/databases.js'

describe('the Postgres migration lock', () => {
  let database: PgTestDatabase
  const engines: PgEngine[] = []
  const engine = (): PgEngine => {
    // One engine (one pool) per simulated process.
    const created = new PgEngine(database.url, { lockPollMs: 20 })
    engines.push(created)
    return created
  }

  beforeEach(async () => {
    database = await withPgDatabase()
  })
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()))
    await database.cleanup()
  })

  it('8 processes starting at once take the lock in turn: a read-then-write counter ends exact', async () => {
    const setup = engine()
    await setup.exec('create table counter (n int not null); insert into counter values (0);')
    let holders = 0
    let maxHolders = 0
    const run = async (): Promise<void> => {
      const e = engine()
      const release = await e.lock({ timeoutMs: 30_000 })
      holders++
      maxHolders = Math.max(maxHolders, holders)
      try {
        const { rows } = await e.query<{ n: number }>('select n from counter')
        // Widen the window between read and write: without the lock, updates would be lost.
        await new Promise((resolve) => setTimeout(resolve, 15))
        await e.query('update counter set n = $1', [(rows[0]?.n ?? 0) + 1])
      } finally {
        holders--
        await release()
      }
    }
    const results = await Promise.allSettled(Array.from({ length: 8 }, run))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    const { rows } = await setup.query<{ n: number }>('select n from counter')
    expect(rows[0]?.n).toBe(8)
    expect(maxHolders).toBe(1)
  })

  it('a second process times out with LOCK_TIMEOUT naming the holding backend, and gets the lock once released', async () => {
    const holder = engine()
    const waiter = engine()
    const release = await holder.lock()
    const error = await waiter.lock({ timeoutMs: 400 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isAutoMigrationsError(error, 'LOCK_TIMEOUT')).toBe(true)
    expect((error as Error).message).toMatch(/400 ms/)
    expect((error as Error).message).toMatch(/held by Postgres backend pid \d+ \(auto-migrations lock\)/)
    await release()
    const again = await waiter.lock({ timeoutMs: 2_000 })
    await again()
  })

  it('the lock lives on a dedicated connection that is closed on release', async () => {
    const e = engine()
    const count = async (): Promise<number> => {
      const { rows } = await e.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'auto-migrations lock'`,
      )
      return rows[0]?.n ?? -1
    }
    const release = await e.lock()
    expect(await count()).toBe(1)
    const held = await e.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where locktype = 'advisory' and granted
          and database = (select oid from pg_database where datname = current_database())`,
    )
    expect(held.rows[0]?.n).toBe(1)
    await release()
    await release() // idempotent
    // The server notices the closed connection asynchronously.
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20))
    expect(await count()).toBe(0)
  })

  it('waiters poll instead of blocking, so the holder can CREATE INDEX CONCURRENTLY without deadlock', async () => {
    const holder = engine()
    await holder.exec('create table big (id int); insert into big select generate_series(1, 1000);')
    const release = await holder.lock()
    const waiters = [engine().lock({ timeoutMs: 20_000 }), engine().lock({ timeoutMs: 20_000 })]
    await new Promise((resolve) => setTimeout(resolve, 100))
    await holder.exec('create index concurrently big_id_idx on big (id)')
    const { rows } = await holder.query<{ valid: boolean }>(
      `select indisvalid as valid from pg_index where indexrelid = 'big_id_idx'::regclass`,
    )
    expect(rows[0]?.valid).toBe(true)
    await release()
    // Each waiter releases as soon as it gets the lock (they may get it in either order).
    await Promise.all(waiters.map(async (waiter) => (await waiter)()))
  })

  it('a pool passed in is used for queries and the lock, and is not ended by close()', async () => {
    const pool = quietOnTermination(new pg.Pool({ connectionString: database.url }))
    try {
      const e = new PgEngine(pool)
      const release = await e.lock({ timeoutMs: 2_000 })
      await e.exec('create table t (x int)')
      await release()
      await e.close()
      const { rows } = await pool.query('select count(*)::int as n from t')
      expect(rows[0]).toEqual({ n: 0 })
    } finally {
      await pool.end()
    }
  })

  it('a single client passed in serialises lock, transaction and queries without deadlock', async () => {
    const client = quietOnTermination(new pg.Client({ connectionString: database.url }))
    await client.connect()
    try {
      const e = new PgEngine(client)
      const release = await e.lock({ timeoutMs: 2_000 })
      const other = engine()
      await expect(other.lock({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' })
      // A second lock() in this process on the same client must wait too, though the session lock is re-entrant.
      await expect(e.lock({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' })
      await Promise.all([
        e.transaction(async (tx) => {
          await tx.exec('create table t (x int)')
          await new Promise((resolve) => setTimeout(resolve, 30))
          await tx.query('insert into t values ($1)', [1])
        }),
        // Queued behind the transaction rather than run inside it.
        e.query('select 1'),
      ])
      await release()
      await e.close()
      const { rows } = await client.query('select count(*)::int as n from t')
      expect(rows[0]).toEqual({ n: 1 })
      const again = await other.lock({ timeoutMs: 2_000 })
      await again()
    } finally {
      await client.end()
    }
  })

  it('the default lock key is a fixed, exact 48-bit integer', () => {
    expect(Number.isSafeInteger(DEFAULT_LOCK_KEY)).toBe(true)
    expect(DEFAULT_LOCK_KEY).toBeGreaterThan(2 ** 32)
    expect(DEFAULT_LOCK_KEY).toBeLessThan(2 ** 48)
  })
})
