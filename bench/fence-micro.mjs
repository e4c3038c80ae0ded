#!/usr/bin/env node
/**
 * What the lease change adds to each migration's batch, on one connection: the fence (a DO block
 * that renews the lease row, or fails) and the statement markers (`SELECT i AS
 * auto_migrations_statement` before each statement), against the batch as it was before
 * (SET LOCAL lock_timeout, the statements, the history insert). Variants interleaved in blocks of 100
 * batches, each sent the way PgEngine.execBatch sends it (one simple query, pg.Query with row events).
 * The SQL mirrors src/runtime/engines/lease.ts and run-migration.ts as of the lease commit.
 *
 *   node bench/fence-micro.mjs [statements per migration = 2] [rounds = 20]
 */
import pg from 'pg'
import { freshDatabase } from './lib/pgdb.mjs'

const steps = Number(process.argv[2] ?? 2) // the 2,000-migration history: ≈ 2 statements per migration
const rounds = Number(process.argv[3] ?? 20)
const BLOCK = 100
const db = await freshDatabase('fence_micro')
const client = new pg.Client({ connectionString: db.url })
await client.connect()
const token = 'abcdef0123456789abcdef01'
await client.query(`CREATE TABLE auto_migrations_lock (name text PRIMARY KEY, token text, holder text, acquired_at timestamptz, expires_at timestamptz);
INSERT INTO auto_migrations_lock VALUES ('migrations', '${token}', 'bench', now(), now() + interval '1 hour');
CREATE TABLE history (id serial PRIMARY KEY, app text, migration_id text, UNIQUE (app, migration_id))`)
const tag = `/* auto-migrations ${token} */`
const fence = `DO $am$BEGIN UPDATE "public"."auto_migrations_lock" SET expires_at = clock_timestamp() + interval '15000 milliseconds' WHERE name = 'migrations' AND token = '${token}'; IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AMLCK', MESSAGE = 'lost'; END IF; END$am$`
let n = 0
const statements = () => Array.from({ length: steps }, (_, i) => `SELECT ${i} AS step_${i} WHERE false`)
const insert = () => `INSERT INTO history (app, migration_id) VALUES ('a', '${String(n++).padStart(8, '0')}')`
const marked = (list) => list.map((sql, i) => `SELECT ${i} AS auto_migrations_statement;\n${sql}`).join(';\n')
const variants = {
  before: () => [`SET LOCAL lock_timeout = '10000ms'`, ...statements(), insert()].join(';\n'),
  fence: () => [`${tag} SET LOCAL lock_timeout = '10000ms'`, fence, ...statements(), insert()].join(';\n'),
  markers: () => marked([`${tag} SET LOCAL lock_timeout = '10000ms'`, ...statements(), insert()]),
  both: () => marked([`${tag} SET LOCAL lock_timeout = '10000ms'`, fence, ...statements(), insert()]),
}
const send = (text) =>
  new Promise((resolve, reject) => {
    const query = new pg.Query(text)
    query.on('row', () => {})
    query.on('error', reject)
    query.on('end', resolve)
    client.query(query)
  })
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
try {
  for (let r = 0; r < rounds; r++) {
    const order = Object.keys(variants)
    if (r % 2) order.reverse()
    for (const k of order) {
      const t = performance.now()
      for (let i = 0; i < BLOCK; i++) await send(variants[k]())
      times[k].push((performance.now() - t) / BLOCK)
    }
  }
} finally {
  await client.end()
  await db.drop()
}
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]
const us = (ms) => `${Math.round(ms * 1000)} µs`
for (const k of Object.keys(times))
  console.log(
    `${k}: ${us(median(times[k]))} per batch (median of ${rounds} blocks of ${BLOCK}, ${steps} statements per migration)`,
  )
const added = (k) => median(times[k]) - median(times.before)
console.log(
  `fence adds ${us(added('fence'))}, markers ${us(added('markers'))}, both ${us(added('both'))} per migration (× 2,000: ${Math.round(added('both') * 2000)} ms)`,
)
