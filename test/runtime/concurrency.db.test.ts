/** Many processes starting at once (a deploy with 8 replicas) apply each migration exactly once. */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterEach, expect, it } from 'vitest'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'

const run = promisify(execFile)
const child = fileURLToPath(new URL('../fixtures/runner/migrate-child.mjs', import.meta.url))
let db: PgTestDatabase | undefined
afterEach(async () => {
  await db?.cleanup()
})

it('8 processes running migrate at once on one Postgres database apply every migration exactly once, and none fails', async () => {
  db = await withPgDatabase()
  const count = 12
  const results = await Promise.all(
    Array.from({ length: 8 }, () => run(process.execPath, [child, db!.url, String(count)])),
  )
  const applied = results.flatMap((r) => JSON.parse(r.stdout) as string[])
  expect(applied.sort()).toEqual(
    Array.from({ length: count }, (_, i) => `2026-11-27T10:00:00:${String(i).padStart(6, '0')}`),
  )
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const { rows } = await client.query('select count(*)::int as n from auto_migrations')
    expect(rows[0].n).toBe(count)
  } finally {
    await client.end()
  }
})
