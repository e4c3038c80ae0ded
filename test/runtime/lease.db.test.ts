/**
 * The Postgres migration lock (a lease row, lease.ts) on the real server: exclusion, renewal, expiry
 * after a real process kill, fencing, and the wait for a killed runner's statement.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { BatchError } from '../../src/runtime/engines/engine.js'
import { LOCK_LOST_SQLSTATE } from '../../src/runtime/engines/lease.js'
import { PgEngine } from '../../src/runtime/engines/pg.js'
import { type PgTestDatabase, quietOnTermination, withPgDatabase } from '../helpers/databases.js'

const holdLock = fileURLToPath(new URL('../fixtures/runner/hold-lock.mjs', import.meta.url))

/** A real process that takes the lock, resolving once it holds it; kill() sends SIGKILL. */
function lockHolder(url: string, leaseMs: number, sleepSeconds?: number) {
  const child = spawn(
    process.execPath,
    [holdLock, url, String(leaseMs), ...(sleepSeconds ? [String(sleepSeconds)] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve())
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)))
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return { locked, kill: async () => (child.kill('SIGKILL'), await exited) }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

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
      const lock = await e.lock({ timeoutMs: 30_000 })
      holders++
      maxHolders = Math.max(maxHolders, holders)
      try {
        const { rows } = await e.query<{ n: number }>('select n from counter')
        // Widen the window between read and write: without the lock, updates would be lost.
        await sleep(15)
        await e.query('update counter set n = $1', [(rows[0]?.n ?? 0) + 1])
      } finally {
        holders--
        await lock.release()
      }
    }
    const results = await Promise.allSettled(Array.from({ length: 8 }, run))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    const { rows } = await setup.query<{ n: number }>('select n from counter')
    expect(rows[0]?.n).toBe(8)
    expect(maxHolders).toBe(1)
  })

  it('a second process times out with LOCK_TIMEOUT naming the holder, and gets the lock once released', async () => {
    const holder = engine()
    const waiter = engine()
    const lock = await holder.lock()
    const error = await waiter.lock({ timeoutMs: 400 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isAutoMigrationsError(error, 'LOCK_TIMEOUT')).toBe(true)
    expect((error as Error).message).toMatch(/400 ms/)
    expect((error as Error).message).toMatch(new RegExp(`held by .+ pid ${process.pid} since`))
    await lock.release()
    await lock.release() // idempotent
    await (await waiter.lock({ timeoutMs: 2_000 })).release()
  })

  it('a live holder renews its lease: others wait past the lease time', async () => {
    const lock = await engine().lock({ leaseMs: 400 })
    const error = await engine()
      .lock({ timeoutMs: 1_500 })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(isAutoMigrationsError(error, 'LOCK_TIMEOUT')).toBe(true)
    expect(lock.lost()).toBeUndefined()
    await lock.release()
  })

  it('a holder killed with SIGKILL frees the lock when its lease expires', async () => {
    const holder = lockHolder(database.url, 800)
    await holder.locked
    await holder.kill()
    const started = Date.now()
    const lock = await engine().lock({ timeoutMs: 10_000 })
    expect(Date.now() - started).toBeLessThan(5_000)
    await lock.release()
  })

  it('the lock of a runner killed mid-statement is taken over only once that statement has ended on the server', async () => {
    const holder = lockHolder(database.url, 500, 3)
    await holder.locked
    await sleep(300)
    await holder.kill()
    const watcher = engine()
    const stillRunning = async () =>
      (
        await watcher.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where state = 'active' and query like '/* auto-migrations % */ SELECT pg_sleep%'`,
        )
      ).rows[0]?.n ?? 0
    expect(await stillRunning()).toBe(1)
    const lock = await engine().lock({ timeoutMs: 10_000 })
    expect(await stillRunning()).toBe(0)
    await lock.release()
  })

  it('a runner whose lease was taken over can commit nothing: its fence fails the transaction, and the renewal reports LOCK_LOST', async () => {
    const e = engine()
    await e.exec('create table t (x int)')
    const lock = await e.lock({ leaseMs: 600 })
    // Another runner took the lease over (as after an expiry while this one was paused).
    await e.query(`update auto_migrations_lock set token = 'someone-else'`)
    const error = await e.execBatch([lock.fence, 'insert into t values (1)']).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(BatchError)
    expect(((error as BatchError).cause as { code?: string }).code).toBe(LOCK_LOST_SQLSTATE)
    expect((await e.query<{ n: number }>('select count(*)::int as n from t')).rows[0]?.n).toBe(0)
    for (let i = 0; i < 40 && !lock.lost(); i++) await sleep(50)
    expect(isAutoMigrationsError(lock.lost(), 'LOCK_LOST')).toBe(true)
    await lock.release()
    // Its release frees nothing of the new holder's.
    expect((await e.query<{ token: string }>('select token from auto_migrations_lock')).rows[0]?.token).toBe(
      'someone-else',
    )
  })

  it('waiters poll instead of blocking, so the holder can CREATE INDEX CONCURRENTLY without deadlock', async () => {
    const holder = engine()
    await holder.exec('create table big (id int); insert into big select generate_series(1, 1000);')
    const lock = await holder.lock()
    const waiters = [engine().lock({ timeoutMs: 20_000 }), engine().lock({ timeoutMs: 20_000 })]
    await sleep(100)
    await holder.exec('create index concurrently big_id_idx on big (id)')
    const { rows } = await holder.query<{ valid: boolean }>(
      `select indisvalid as valid from pg_index where indexrelid = 'big_id_idx'::regclass`,
    )
    expect(rows[0]?.valid).toBe(true)
    await lock.release()
    // Each waiter releases as soon as it gets the lock (they may get it in either order).
    await Promise.all(waiters.map(async (waiter) => (await waiter).release()))
  })

  it('a pool passed in is used for queries and the lock, and is not ended by close()', async () => {
    const pool = quietOnTermination(new pg.Pool({ connectionString: database.url }))
    try {
      const e = new PgEngine(pool)
      const lock = await e.lock({ timeoutMs: 2_000 })
      await e.exec('create table t (x int)')
      await lock.release()
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
      const lock = await e.lock({ timeoutMs: 2_000 })
      const other = engine()
      await expect(other.lock({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' })
      // A second lock() in this process on the same client waits too: the lease belongs to a token, not a session.
      await expect(e.lock({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' })
      await Promise.all([
        e.transaction(async (tx) => {
          await tx.exec('create table t (x int)')
          await sleep(30)
          await tx.query('insert into t values ($1)', [1])
        }),
        // Queued behind the transaction rather than run inside it.
        e.query('select 1'),
      ])
      await lock.release()
      await e.close()
      const { rows } = await client.query('select count(*)::int as n from t')
      expect(rows[0]).toEqual({ n: 1 })
      await (await other.lock({ timeoutMs: 2_000 })).release()
    } finally {
      await client.end()
    }
  })
})
