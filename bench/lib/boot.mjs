/**
 * The boot section's herd: N processes of ./boot-worker.mjs on one database, their `migrate()`
 * started at the same instant (each prints `@@ready` once loaded; then every one gets `go` on stdin),
 * and the database checked afterwards: each migration applied exactly once.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
const WORKER = path.join(here, 'boot-worker.mjs')

/**
 * Starts `count` boot workers on `url`, releases them together, waits for every exit.
 * @returns {{ readyMs: number, results: { code: number, json?: object, tail: string }[] }}
 *   readyMs: from the first spawn to the last `@@ready` (not part of any process's wait)
 */
export async function bootHerd({ dir, url, count, timeoutMs = 300_000 }) {
  const spawned = performance.now()
  const children = []
  let ready = 0
  let allReady
  const readyAll = new Promise((resolve) => (allReady = resolve))
  let readyMs
  for (let k = 0; k < count; k++) {
    const child = spawn(process.execPath, [WORKER, dir, url], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] })
    const entry = { child, stdout: '', stderr: '', ready: false }
    child.stdout.on('data', (d) => {
      entry.stdout += d
      if (!entry.ready && entry.stdout.includes('@@ready\n')) {
        entry.ready = true
        if (++ready === count) {
          readyMs = performance.now() - spawned
          allReady()
        }
      }
    })
    child.stderr.on('data', (d) => (entry.stderr += d))
    child.stdin.on('error', () => undefined) // a child that died before `go`
    entry.closed = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))))
    children.push(entry)
  }
  const timer = setTimeout(() => {
    for (const { child } of children) child.kill('SIGKILL')
  }, timeoutMs)
  // A child that exits before it is ready (a crash at import) must not hold the others forever:
  // they are released then, and it counts as a failed process.
  const diedEarly = new Promise((resolve) => {
    for (const c of children) c.closed.then(() => !c.ready && resolve())
  })
  await Promise.race([readyAll, diedEarly])
  // Every process is loaded and waiting: release them all at once.
  for (const { child } of children) child.stdin.end('go\n')
  const codes = await Promise.all(children.map((c) => c.closed))
  clearTimeout(timer)
  const results = children.map((c, k) => {
    const line = c.stdout
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('@@result '))
    return {
      code: codes[k],
      json: line ? JSON.parse(line.slice('@@result '.length)) : undefined,
      tail: `${c.stdout}\n${c.stderr}`.trim().split('\n').slice(-6).join(' '),
    }
  })
  return { readyMs, results }
}

/**
 * What the database holds after a run: history rows (and distinct keys), the project's tables,
 * whether the lock is free and no migration is left partial.
 */
export async function inspectDatabase(url) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const exists = async (name) => (await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])).rows[0].e
    // firstAt: when the first migration's transaction started; lastAt: when the last one ended
    // (ran_on is its transaction's start, duration_ms its run time), in ms since the epoch.
    const history = (await exists('public.auto_migrations'))
      ? (
          await client.query(
            `SELECT count(*)::int AS rows, count(DISTINCT (app, migration_id))::int AS keys,
                    extract(epoch FROM min(ran_on)) * 1000 AS "firstAt",
                    extract(epoch FROM max(ran_on + coalesce(duration_ms, 0) * interval '1 millisecond')) * 1000 AS "lastAt"
               FROM public.auto_migrations`,
          )
        ).rows[0]
      : { rows: 0, keys: 0 }
    const { tables } = (
      await client.query(
        "SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('auto_migrations', 'auto_migrations_progress', 'auto_migrations_lock')",
      )
    ).rows[0]
    const partial = (await exists('public.auto_migrations_progress'))
      ? (await client.query('SELECT count(*)::int AS n FROM public.auto_migrations_progress')).rows[0].n
      : 0
    const lockHeld = (await exists('public.auto_migrations_lock'))
      ? (await client.query('SELECT count(*)::int AS n FROM public.auto_migrations_lock WHERE token IS NOT NULL'))
          .rows[0].n > 0
      : false
    return { ...history, firstAt: Number(history.firstAt), lastAt: Number(history.lastAt), tables, partial, lockHeld }
  } finally {
    await client.end()
  }
}
