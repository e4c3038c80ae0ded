import type { PGliteInterface } from '@electric-sql/pglite'
import { type AddressInfo, type Socket, createServer } from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { openEngine } from '../../src/runtime/engines/open.js'
import { PgEngine } from '../../src/runtime/engines/pg.js'
import { freshPglite, type PgTestDatabase, quietOnTermination, withPgDatabase } from '../helpers/databases.js'

/** The embedded forms (undefined, '', { pglite }, 'pglite:') are covered in embedded.test.ts. */
describe('openEngine: what `database` accepts', () => {
  let database: PgTestDatabase
  beforeAll(async () => {
    database = await withPgDatabase()
  })
  afterAll(async () => {
    await database.cleanup()
  })

  it('a postgres:// or postgresql:// URL opens a pool that close() ends', async () => {
    for (const url of [database.url, database.url.replace(/^postgres:/, 'postgresql:')]) {
      const engine = await openEngine(url, { root: '/' })
      expect(engine.kind).toBe('pg')
      await expect(engine.query('select current_database() as db')).resolves.toEqual({ rows: [{ db: database.name }] })
      await engine.close()
    }
  })

  it('a pg PoolConfig opens a pool on it', async () => {
    const engine = await openEngine({ connectionString: database.url, max: 2 }, { root: '/' })
    expect(engine.kind).toBe('pg')
    const lock = await engine.lock({ timeoutMs: 2_000 })
    await lock.release()
    await engine.close()
  })

  it('a pg.Pool or a connected pg.Client passed in is used, and left open by close()', async () => {
    const pool = quietOnTermination(new pg.Pool({ connectionString: database.url }))
    const client = quietOnTermination(new pg.Client({ connectionString: database.url }))
    await client.connect()
    try {
      for (const handle of [pool, client]) {
        const engine = await openEngine(handle, { root: '/' })
        expect(engine.kind).toBe('pg')
        await engine.exec('select 1; select 2;')
        await engine.close()
        await expect(handle.query('select 1 as one')).resolves.toMatchObject({ rows: [{ one: 1 }] })
      }
    } finally {
      await client.end()
      await pool.end()
    }
  })

  it('a PGlite instance passed in is used, and left open by close()', async () => {
    const db: PGliteInterface = await freshPglite()
    try {
      const engine = await openEngine(db, { root: '/' })
      expect(engine.kind).toBe('pglite')
      await engine.exec('create table t (x int); insert into t values (1);')
      await engine.close()
      expect(db.closed).toBe(false)
      await expect(db.query('select x from t')).resolves.toMatchObject({ rows: [{ x: 1 }] })
    } finally {
      await db.close()
    }
  })

  it('an Engine passed in is used as is, and close() on the result does not close it', async () => {
    const own = new PgEngine(database.url)
    try {
      const engine = await openEngine(own, { root: '/' })
      expect(engine.kind).toBe('pg')
      await engine.close()
      await expect(own.query('select 1 as one')).resolves.toEqual({ rows: [{ one: 1 }] })
    } finally {
      await own.close()
    }
  })

  it('an unsupported string is INVALID_CONFIG and the message never shows a password', async () => {
    const error = await openEngine('mysql://root:hunter2@localhost/db', { root: '/' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isAutoMigrationsError(error, 'INVALID_CONFIG')).toBe(true)
    expect((error as Error).message).not.toContain('hunter2')
    expect((error as Error).message).toMatch(/postgres:\/\//)
    await expect(openEngine('pglite:', { root: '/' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
    await expect(openEngine({ pglite: '' }, { root: '/' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
  })
})

describe('PgEngine connection timeout', () => {
  it('a server that accepts connections and never answers fails the query after the timeout, not never', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    for (const source of [
      `postgres://postgres@127.0.0.1:${port}/test`,
      { host: '127.0.0.1', port, user: 'postgres', database: 'test' },
    ]) {
      const engine = new PgEngine(source, { connectTimeoutMs: 300 })
      const started = Date.now()
      await expect(engine.query('select 1')).rejects.toThrow(/timeout/i)
      // Well before the test's own timeout: the engine gave up by itself.
      expect(Date.now() - started).toBeLessThan(10_000)
      await engine.close()
    }
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })
})
