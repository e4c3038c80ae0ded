/** Fresh databases on the Postgres server for apply runs (created and dropped by the bench). */
import pg from 'pg'

export const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

function urlFor(name) {
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function admin(fn) {
  const client = new pg.Client({ connectionString: SERVER_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates `bench_<label>_<pid>_<n>` and returns its URL and a drop function. */
let counter = 0
export async function freshDatabase(label) {
  const name = `bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${counter++}`
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`).then(() => c.query(`CREATE DATABASE ${name}`)))
  return {
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  }
}

export async function serverReachable() {
  try {
    await admin((c) => c.query('select 1'))
    return true
  } catch {
    return false
  }
}
