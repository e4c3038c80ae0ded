/**
 * The PgBouncer the production-condition tests run behind (test/helpers/pgbouncer.ts): it reaches a
 * fresh test database, it really pools by transaction, and stop() gives its port back.
 */
import { createServer } from 'node:net'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { type PgTestDatabase, quietOnTermination, withPgDatabase } from '../helpers/databases.js'
import { type PgBouncer, startPgBouncer } from '../helpers/pgbouncer.js'

let bouncer: PgBouncer | undefined
let database: PgTestDatabase | undefined
const clients: pg.Client[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)))
  await bouncer?.stop()
  await database?.cleanup()
  bouncer = undefined
  database = undefined
})

async function client(url: string): Promise<pg.Client> {
  const c = quietOnTermination(new pg.Client({ connectionString: url }))
  clients.push(c)
  await c.connect()
  return c
}

const backendPid = async (c: pg.Client): Promise<number> =>
  (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid

describe('startPgBouncer', () => {
  it('reaches a fresh database of the test server', async () => {
    database = await withPgDatabase()
    bouncer = await startPgBouncer()
    expect(bouncer.url(database.name)).toBe(`postgres://postgres@127.0.0.1:${bouncer.port}/${database.name}`)
    const c = await client(bouncer.url(database.name))
    const { rows } = await c.query<{ db: string; answer: number }>('select current_database() as db, 6 * 7 as answer')
    expect(rows).toEqual([{ db: database.name, answer: 42 }])
  })

  it('pools by transaction: a client gets another server connection while its last one serves another client', async () => {
    database = await withPgDatabase()
    // Two server connections in all: once two other clients hold one each in a transaction, the
    // pool is full, and where the watched client runs next is forced.
    bouncer = await startPgBouncer({ poolSize: 2 })
    const url = bouncer.url(database.name)
    const watched = await client(url)
    const first = await backendPid(watched)

    const holders = [await client(url), await client(url)]
    const held: number[] = []
    for (const h of holders) {
      await h.query('begin')
      held.push(await backendPid(h))
    }
    // The two transactions are on the pool's two server connections; the watched client's first
    // one is among them: session pooling would have kept it for the watched client alone.
    expect(new Set(held).size).toBe(2)
    expect(held).toContain(first)

    // Free the connection the watched client did NOT use: the only one it can get next.
    const other = held.findIndex((pid) => pid !== first)
    const next = backendPid(watched)
    await holders[other]!.query('commit')
    const second = await next
    expect(second).toBe(held[other])
    expect(second).not.toBe(first)
    await holders[1 - other]!.query('commit')
  })

  it('stop() kills it by its pid and frees the port; a second stop() is harmless', async () => {
    bouncer = await startPgBouncer()
    const { port, pid } = bouncer
    expect(() => process.kill(pid, 0)).not.toThrow()
    await bouncer.stop()
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })
    await new Promise((resolve) => server.close(resolve))
    await bouncer.stop()
  })
})
