/**
 * Production conditions (issue 9), on real parts only: a real PgBouncer in transaction mode, child
 * processes killed with SIGKILL, sessions ended by pg_terminate_backend, tables held by other
 * sessions, a server that never answers. Child processes run the built runtime (`npm run build`).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { MigrationManager } from '../../src/core/operations/manager.js'
import { PgEngine } from '../../src/runtime/engines/pg.js'
import { type MigrateResult, type MigratorOptions, createMigrator } from '../../src/runtime/runner.js'
import { project, removeProjects, repo } from '../cli/helpers.js'
import { startBlackhole } from '../helpers/blackhole.js'
import { type PgTestDatabase, quietOnTermination, withPgDatabase } from '../helpers/databases.js'
import { type PgBouncer, startPgBouncer } from '../helpers/pgbouncer.js'
import {
  APP,
  type Call,
  EXTRA,
  HISTORY,
  type HistoryMigration,
  column,
  count,
  countersOf,
  fileOf,
  groupsOf,
  index,
  labelOf,
  migrationFile,
  sourcesOf,
  table,
} from '../fixtures/runner/production-history.mjs'

const CHILD = fileURLToPath(new URL('../fixtures/runner/production-child.mjs', import.meta.url))
const BIN = path.join(repo, 'bin/auto-migrations.js')
const apps = [{ name: APP, dependencies: [] }]
const ids = (migrations: readonly HistoryMigration[]) => migrations.map((m) => m.id)

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** What a promise rejected with (undefined if it resolved). */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  )

// ---------------------------------------------------------------------------------------------
// Databases, sessions and processes the tests open, all closed or killed after each test.

const databases: PgTestDatabase[] = []
const clients: pg.Client[] = []
const children = new Set<ChildProcess>()
const closers: (() => Promise<unknown>)[] = []

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
  // The databases go first (WITH (FORCE) ends every session): a test that failed half-way may have
  // left a runner waiting on a session of its own, and a pool's end() would wait for that runner.
  await Promise.all(databases.splice(0).map((d) => d.cleanup()))
  await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)))
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)))
  await removeProjects()
})

async function database(): Promise<PgTestDatabase> {
  const db = await withPgDatabase()
  databases.push(db)
  return db
}

/** A session of the test's own (never one of the runner's). */
async function session(url: string): Promise<pg.Client> {
  const client = quietOnTermination(new pg.Client({ connectionString: url }))
  clients.push(client)
  await client.connect()
  return client
}

/** A migrator of the source runtime on the production history (or other migrations). */
function migrator(options: Partial<MigratorOptions> & { database: MigratorOptions['database'] }, migrations = HISTORY) {
  const created = createMigrator({ apps, migrations: sourcesOf(MigrationManager, migrations), ...options })
  closers.push(() => created.close())
  return created
}

interface Exited {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

interface Child {
  process: ChildProcess
  /** Resolves once the process has loaded the runtime (it prints `ready`). */
  ready: Promise<void>
  exited: Promise<Exited>
}

function start(command: string[], cwd = repo): Child {
  const child = spawn(process.execPath, command, { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  children.add(child)
  let stdout = ''
  let stderr = ''
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (stdout.startsWith('ready\n')) markReady()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  // A killed child's stdin is gone: writing the URL into it must not crash the test.
  child.stdin!.on('error', () => undefined)
  const exited = new Promise<Exited>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => {
      children.delete(child)
      markReady()
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { process: child, ready, exited }
}

/** A server process migrating at start-up (production-child.mjs); `url` '-' reads it from stdin. */
const migrateChild = (url: string, options: Partial<MigratorOptions> = {}) =>
  start([CHILD, url, JSON.stringify(options)])

/** The JSON line a child printed last: `{ applied }` or `{ error }`. */
function outcome(exited: Exited): { applied?: string[]; error?: { code: string; message: string } } {
  const last = exited.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(last)
  } catch {
    throw new Error(
      `child printed no result (code ${exited.code}, signal ${exited.signal}):\n${exited.stdout}\n${exited.stderr}`,
    )
  }
}

// ---------------------------------------------------------------------------------------------
// What the database has, compared with what the history says.

interface Observed {
  history: string[]
  progress: Map<string, number>
  counts: Map<string, number>
  tables: Set<string>
  columns: Set<string>
  /** Index name → valid. */
  indexes: Map<string, boolean>
  lockToken: string | null | undefined
}

async function observe(client: pg.Client): Promise<Observed> {
  const exists = async (table: string) =>
    (await client.query<{ found: boolean }>('select to_regclass($1) is not null as found', [table])).rows[0]!.found
  const history = (await exists('public.auto_migrations'))
    ? (await client.query<{ migration_id: string }>('select migration_id from auto_migrations order by id')).rows.map(
        (r) => r.migration_id,
      )
    : []
  const progress = new Map(
    (await exists('public.auto_migrations_progress'))
      ? (
          await client.query<{ migration_id: string; steps_done: number }>(
            'select migration_id, steps_done from auto_migrations_progress',
          )
        ).rows.map((r) => [r.migration_id, r.steps_done] as const)
      : [],
  )
  const counts = new Map(
    (await exists('public.counter'))
      ? (
          await client.query<{ label: string; n: number }>(
            'select label, count(*)::int as n from counter group by label',
          )
        ).rows.map((r) => [r.label, r.n] as const)
      : [],
  )
  const tables = new Set(
    (
      await client.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public'`)
    ).rows.map((r) => r.name),
  )
  const columns = new Set(
    (
      await client.query<{ name: string }>(
        `select table_name || '.' || column_name as name from information_schema.columns where table_schema = 'public'`,
      )
    ).rows.map((r) => r.name),
  )
  const indexes = new Map(
    (
      await client.query<{ name: string; valid: boolean }>(
        `select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'`,
      )
    ).rows.map((r) => [r.name, r.valid] as const),
  )
  const lockToken = (await exists('public.auto_migrations_lock'))
    ? (await client.query<{ token: string | null }>('select token from auto_migrations_lock')).rows[0]?.token
    : undefined
  return { history, progress, counts, tables, columns, indexes, lockToken }
}

/**
 * History and schema agree: the history is a prefix of the migrations in order; what a migration
 * in the history made exists (indexes valid) and each of its data statements ran exactly once; of
 * the first migration not in the history, exactly the groups of steps its progress row records as
 * committed are there (their data statements once, the later ones not at all); nothing after it.
 */
function expectAgree(seen: Observed, migrations: readonly HistoryMigration[], when: string): void {
  const ran = seen.history.length
  expect(seen.history, when).toEqual(ids(migrations.slice(0, ran)))
  for (const [at, m] of migrations.entries()) {
    const done = at < ran ? Number.POSITIVE_INFINITY : (seen.progress.get(m.id) ?? 0)
    if (at < ran) expect(seen.progress.has(m.id), `${when}: ${m.id} ran, yet has progress`).toBe(false)
    if (at > ran) expect(seen.progress.has(m.id), `${when}: ${m.id} has progress, after a pending one`).toBe(false)
    const groups = groupsOf(m)
    for (const [k, [method, params]] of m.ops.entries()) {
      const committed = groups[k]! < done
      const what = `${when}: ${m.id} ${method} (group ${groups[k]}, ${Number.isFinite(done) ? `${done} committed` : 'ran'})`
      const label = labelOf([method, params])
      if (label) {
        expect(seen.counts.get(label) ?? 0, `${what}: rows of '${label}'`).toBe(committed ? 1 : 0)
      } else if (method === 'addTable') {
        expect(seen.tables.has((params as { tablename: string }).tablename), what).toBe(committed)
      } else if (method === 'addColumn') {
        const { tablename, dbColumnName } = params as { tablename: string; dbColumnName: string }
        expect(seen.columns.has(`${tablename}.${dbColumnName}`), what).toBe(committed)
      } else if (method === 'addIndex') {
        const { name, concurrently } = (params as { index: { name: string; concurrently: boolean } }).index
        // A build outside the transaction that was not recorded may or may not have finished on the
        // server (Postgres goes on with a killed client's statement); a recorded one is there and valid.
        if (committed) expect(seen.indexes.get(name), `${what}: ${name} valid`).toBe(true)
        else if (!concurrently) expect(seen.indexes.has(name), what).toBe(false)
      }
    }
  }
}

/** Every migration ran once, nothing partial, no INVALID index anywhere. */
function expectComplete(seen: Observed, migrations: readonly HistoryMigration[], when: string): void {
  expect(seen.history, when).toEqual(ids(migrations))
  expect([...seen.progress.keys()], when).toEqual([])
  expectAgree(seen, migrations, when)
  expect(
    [...seen.indexes].filter(([, valid]) => !valid),
    `${when}: INVALID indexes`,
  ).toEqual([])
  expect(Object.fromEntries(seen.counts), when).toEqual(
    Object.fromEntries(migrations.flatMap(countersOf).map((label) => [label, 1])),
  )
}

/** Resolves once no statement of a runner (tagged `/* auto-migrations …`) is still active in the database. */
async function runnerStatementsEnded(client: pg.Client, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and query like '%/* auto-migrations %'`,
    )
    if (rows[0]!.n === 0) return
    if (Date.now() > deadline) throw new Error('a runner statement is still active on the server')
    await sleep(20)
  }
}

/** The direct run after: one more migration, so it must take the lock, which it finds free at once. */
async function expectDirectRunTakesTheLock(url: string): Promise<void> {
  const client = await session(url)
  expect((await observe(client)).lockToken).toBeNull()
  const started = Date.now()
  const result = await migrator({ database: url, lockTimeoutMs: 2_000 }, [...HISTORY, EXTRA]).migrate()
  expect(Date.now() - started).toBeLessThan(1_500)
  expect(result.applied.map((a) => a.id)).toEqual([EXTRA.id])
  expectComplete(await observe(client), [...HISTORY, EXTRA], 'after the direct run')
}

// ---------------------------------------------------------------------------------------------

describe('through PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer
  beforeAll(async () => {
    bouncer = await startPgBouncer()
  })
  afterAll(async () => {
    await bouncer?.stop()
  })

  it.each([8, 32])(
    '%i processes calling migrate() at once apply every migration exactly once, and all exit 0',
    async (count) => {
      const db = await database()
      // Loading the runtime takes a while (longer on 2 cores with 32 processes): every process loads
      // first, then all get the URL at once.
      const runners = Array.from({ length: count }, () => migrateChild('-', { lockTimeoutMs: 60_000 }))
      await Promise.all(runners.map((r) => r.ready))
      for (const r of runners) r.process.stdin!.end(`${bouncer.url(db.name)}\n`)
      const exits = await Promise.all(runners.map((r) => r.exited))
      for (const exited of exits)
        expect(exited, `stdout:\n${exited.stdout}\nstderr:\n${exited.stderr}`).toMatchObject({ code: 0, signal: null })
      // Each migration applied by exactly one process: no double runs, and none left out.
      expect(exits.flatMap((e) => outcome(e).applied ?? []).sort()).toEqual(ids(HISTORY))
      const client = await session(db.url)
      expectComplete(await observe(client), HISTORY, `${count} processes through PgBouncer`)
      await expectDirectRunTakesTheLock(db.url)
    },
  )

  it('8 CLI processes `forwards --database <PgBouncer URL>` at once apply every migration exactly once, and all exit 0', async () => {
    const db = await database()
    const p = await project('runner/production-project')
    for (const m of HISTORY) await p.write(`src/${APP}/migrations/${fileOf(m)}`, migrationFile(m))
    const runners = Array.from({ length: 8 }, () =>
      start([BIN, 'forwards', '--database', bouncer.url(db.name)], p.root),
    )
    const exits = await Promise.all(runners.map((r) => r.exited))
    for (const exited of exits)
      expect(exited, `stdout:\n${exited.stdout}\nstderr:\n${exited.stderr}`).toMatchObject({
        code: 0,
        signal: null,
        stderr: '',
      })
    const applied = exits.flatMap((e) =>
      [...e.stdout.matchAll(new RegExp(`^applied ${APP} (\\S+) `, 'gm'))].map((match) => match[1]),
    )
    expect(applied.sort()).toEqual(ids(HISTORY))
    const client = await session(db.url)
    expectComplete(await observe(client), HISTORY, '8 CLI processes through PgBouncer')
    await expectDirectRunTakesTheLock(db.url)
  })
})

// ---------------------------------------------------------------------------------------------

/** A small history of one of the tests below, in the shape of production-history.mjs. */
const history = (...migrations: Call[][]): HistoryMigration[] =>
  migrations.map((ops, i) => ({
    id: `2026-12-02T10:00:00:${String(i + 1).padStart(6, '0')}`,
    description: `step ${i + 1}`,
    ops,
  }))
const counterTable: Call = ['sql', 'CREATE TABLE counter (label text NOT NULL)']

/** Rejects when `promise` takes longer than `ms` (a runner that waits forever fails the test fast). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Polls `query` until its first row's `n` is positive; returns that row. */
async function waitFor<R extends { n: number }>(
  client: pg.Client,
  query: string,
  params: unknown[] = [],
  timeoutMs = 5_000,
): Promise<R> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const row = (await client.query<R>(query, params)).rows[0]
    if (row && row.n > 0) return row
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${query}`)
    await sleep(10)
  }
}

describe('a table held by another session', () => {
  // The second migration inserts a row, then alters the table the other session holds.
  const LOCKED = history(
    [counterTable, ...table('t', column('t', 'n', 'Integer', { default: 0 }))],
    [count('before_alter'), column('t', 'extra', 'Integer', { default: 0 })],
  )
  const DDL_LOCK_TIMEOUT_MS = 1_000

  async function failsOnTheLock(run: Promise<MigrateResult>, started: number) {
    const error = await within(DDL_LOCK_TIMEOUT_MS + 4_000, rejection(run), 'the blocked migration')
    const elapsed = Date.now() - started
    expect(isAutoMigrationsError(error, 'MIGRATION_FAILED'), String(error)).toBe(true)
    const { message, details } = error as Error & { details: Record<string, unknown> }
    expect(details).toMatchObject({
      pgCode: '55P03',
      migrationId: LOCKED[1]!.id,
      operation: 'add column T.extra',
      applied: [],
    })
    expect(details.sql).toMatch(/^ALTER TABLE "public"."t" ADD COLUMN "extra" /)
    expect(message).toContain('operation "add column T.extra"')
    expect(message).toContain(`[55P03]\nSQL: ${details.sql}`)
    expect(message).toContain('Nothing of this migration was applied.')
    // It gave up after lock_timeout, not at once and not much later.
    expect(elapsed).toBeGreaterThanOrEqual(DDL_LOCK_TIMEOUT_MS - 50)
    expect(elapsed).toBeLessThan(DDL_LOCK_TIMEOUT_MS + 1_500)
    return elapsed
  }

  /** Nothing of the blocked migration is there; after the blocker ends, a rerun applies it, its insert once. */
  async function rerunsOnceFree(url: string, blocker: pg.Client) {
    const client = await session(url)
    const seen = await observe(client)
    expect(seen.history).toEqual([LOCKED[0]!.id])
    expectAgree(seen, LOCKED, 'after the lock timeout')
    expect(seen.counts.get('before_alter') ?? 0).toBe(0)
    expect(seen.lockToken).toBeNull()
    await blocker.query('COMMIT')
    const rerun = await migrator({ database: url, ddlLockTimeoutMs: DDL_LOCK_TIMEOUT_MS }, LOCKED).migrate()
    expect(rerun.applied.map((a) => a.id)).toEqual([LOCKED[1]!.id])
    expectComplete(await observe(client), LOCKED, 'after the rerun')
  }

  it('held ACCESS EXCLUSIVE: the migration fails within ddlLockTimeoutMs with MIGRATION_FAILED [55P03] naming the operation and SQL; nothing applied, once after a rerun', async () => {
    const db = await database()
    await migrator({ database: db.url }, LOCKED.slice(0, 1)).migrate()
    const blocker = await session(db.url)
    await blocker.query('BEGIN')
    await blocker.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE')
    const started = Date.now()
    await failsOnTheLock(
      migrator({ database: db.url, ddlLockTimeoutMs: DDL_LOCK_TIMEOUT_MS }, LOCKED).migrate(),
      started,
    )
    await rerunsOnceFree(db.url, blocker)
  })

  it('held by a long reader: readers queued behind the waiting migration go on as soon as it gives up, long before the first reader ends', async () => {
    const db = await database()
    await migrator({ database: db.url }, LOCKED.slice(0, 1)).migrate()
    // A long report: ACCESS SHARE on t until it ends.
    const blocker = await session(db.url)
    const blockerPid = (await blocker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
    await blocker.query('BEGIN')
    await blocker.query('SELECT count(*) FROM t')
    const watcher = await session(db.url)
    const started = Date.now()
    const run = migrator({ database: db.url, ddlLockTimeoutMs: DDL_LOCK_TIMEOUT_MS }, LOCKED).migrate()
    run.catch(() => undefined)
    // The ALTER waits for ACCESS EXCLUSIVE behind the report...
    const { pid: runnerPid } = await waitFor<{ n: number; pid: number }>(
      watcher,
      `select 1 as n, l.pid from pg_locks l where l.relation = 'public.t'::regclass and l.mode = 'AccessExclusiveLock' and not l.granted`,
    )
    // ...and a reader that comes after it queues behind the ALTER: blocked by the runner's backend.
    const reader = await session(db.url)
    const readerPid = (await reader.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid
    const readerStarted = Date.now()
    const read = reader.query('SELECT count(*) FROM t').then(() => Date.now())
    read.catch(() => undefined)
    const { blockers } = await waitFor<{ n: number; blockers: number[] }>(
      watcher,
      'select 1 as n, pg_blocking_pids($1) as blockers where cardinality(pg_blocking_pids($1)) > 0',
      [readerPid],
    )
    expect(blockers).toContain(runnerPid)
    const gaveUp = started + (await failsOnTheLock(run, started))
    const readerDone = await within(2_000, read, 'the reader queued behind the migration')
    // The reader finished within the lock timeout of its start, about when the runner gave up, while
    // the report still holds its lock (it ends below).
    expect(readerDone - readerStarted).toBeLessThan(DDL_LOCK_TIMEOUT_MS + 500)
    expect(Math.abs(gaveUp - readerDone)).toBeLessThan(750)
    expect(
      (await watcher.query<{ state: string }>('select state from pg_stat_activity where pid = $1', [blockerPid]))
        .rows[0]?.state,
    ).toBe('idle in transaction')
    await rerunsOnceFree(db.url, blocker)
  })
})

// ---------------------------------------------------------------------------------------------

/** A seeded random in [0, 1) (mulberry32), so a run can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Another session that runs short queries back to back: each holds a snapshot for `ms`, and every
 * CREATE INDEX CONCURRENTLY waits for the snapshots older than its own, so each build takes longer
 * and a kill lands in one more often. Returns the function that stops it.
 */
async function snapshotHolder(url: string, ms: number): Promise<() => Promise<void>> {
  const client = await session(url)
  let running = true
  const loop = (async () => {
    while (running) await client.query(`select pg_sleep(${ms / 1000})`)
  })()
  return async () => {
    running = false
    await loop
    await client.end()
  }
}

describe('SIGKILL at random moments', () => {
  const KILLS = 20
  const LEASE_MS = 800

  it(`${KILLS} runners killed with SIGKILL mid-run: each rerun finishes, history and schema always agree, every data statement ran once`, async () => {
    const seed = Number(process.env.KILL_SEED ?? Math.floor(Math.random() * 2 ** 31))
    console.log(
      `SIGKILL seed ${seed} (replay: KILL_SEED=${seed} npx vitest run test/runner/production.db.test.ts -t SIGKILL)`,
    )
    const random = seeded(seed)
    const options = { lockLeaseMs: LEASE_MS, lockTimeoutMs: 10_000 }

    // How long an unkilled run takes, from the moment it gets the URL: the kills land in that window.
    const calibration = await database()
    const first = migrateChild('-', options)
    await first.ready
    const stopHolder = await snapshotHolder(calibration.url, 100)
    const begun = Date.now()
    first.process.stdin!.end(`${calibration.url}\n`)
    const firstExit = await first.exited
    const window = Date.now() - begun
    await stopHolder()
    expect(outcome(firstExit).applied).toEqual(ids(HISTORY))

    const log: string[] = []
    let midRun = 0
    // The next process and database are made ready while the last ones are checked.
    let next = migrateChild('-', options)
    let nextDatabase = database()
    for (let kill = 1; kill <= KILLS; kill++) {
      const started = Date.now()
      const db = await nextDatabase
      const client = await session(db.url)
      const child = next
      await child.ready
      const stop = await snapshotHolder(db.url, 100)
      const delay = Math.round(random() * window * 0.9)
      child.process.stdin!.end(`${db.url}\n`)
      await sleep(delay)
      child.process.kill('SIGKILL')
      const exited = await child.exited
      next = migrateChild('-', options)
      nextDatabase = database()
      await stop()
      const when = `kill ${kill} (seed ${seed}, after ${delay} ms)`
      // Every other time, the rerun starts at once, as a restarted replica does (the killed runner's
      // statement may still run on the server); otherwise the test looks at the database first, once
      // that statement has ended (Postgres goes on with a killed client's statement).
      const lookFirst = kill % 2 === 0
      let seen = ''
      if (lookFirst) {
        await runnerStatementsEnded(client)
        const killed = await observe(client)
        expectAgree(killed, HISTORY, `${when}, before the rerun`)
        const partial = [...killed.progress].map(([id, done]) => `, ${id.slice(-2)} partial (${done} steps)`).join('')
        seen = `${killed.history.length}/${HISTORY.length} ran${partial}`
      }
      const rerunStarted = Date.now()
      const rerun = migrator({ database: db.url, lockTimeoutMs: 10_000 })
      const result = await rerun.migrate()
      expect(
        result.applied.map((a) => a.id),
        when,
      ).toEqual(ids(HISTORY.slice(HISTORY.length - result.applied.length)))
      expectComplete(await observe(client), HISTORY, `${when}, after the rerun`)
      expect(
        (await rerun.status()).filter((s) => s.state !== 'ran'),
        when,
      ).toEqual([])
      if (result.applied.length > 0) midRun++
      if (!lookFirst) seen = `${HISTORY.length - result.applied.length}/${HISTORY.length} ran, rerun at once`
      log.push(
        `kill ${String(kill).padStart(2)} after ${String(delay).padStart(4)} ms (${exited.signal ?? `exit ${exited.code}`}): ${seen}; rerun ${Date.now() - rerunStarted} ms, iteration ${Date.now() - started} ms`,
      )
      await rerun.close()
      // (The databases are dropped after the test, all at once.)
    }
    console.log(`unkilled run: ${window} ms\n${log.join('\n')}`)
    // Most kills landed before the run was done (a kill after its end tests nothing).
    expect(midRun).toBeGreaterThanOrEqual(KILLS / 4)
  })
})

// ---------------------------------------------------------------------------------------------

describe('pg_terminate_backend mid-run', () => {
  // The second migration's statement sleeps as long as `control` says: long on the first run, not at all on the rerun.
  const SLOW = history(
    [counterTable, count('first')],
    [count('second_before'), ['sql', 'SELECT pg_sleep(seconds) FROM control'], count('second_after')],
    [count('third')],
  )
  const TERMINATE = {
    'the session running the migration': (pid: number) => `select pg_terminate_backend(${pid})`,
    "every session of the database but the test's own": () =>
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  }

  for (const [which, terminate] of Object.entries(TERMINATE)) {
    it(`of ${which}: CONNECTION_LOST naming 57P01 and what was applied; nothing twice; a rerun finishes`, async () => {
      const db = await database()
      const client = await session(db.url)
      await client.query('CREATE TABLE control (seconds float NOT NULL); INSERT INTO control VALUES (60)')
      const run = migrator({ database: db.url, lockLeaseMs: 1_000 }, SLOW).migrate()
      run.catch(() => undefined)
      // The runner's statement, found by the comment that tags every statement of its run.
      const { pid, query } = await waitFor<{ n: number; pid: number; query: string }>(
        client,
        `select 1 as n, pid, query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'active' and query like '/* auto-migrations %' and query like '%pg_sleep(seconds)%'`,
      )
      const token = (await client.query<{ token: string }>('select token from auto_migrations_lock')).rows[0]!.token
      expect(query).toContain(`/* auto-migrations ${token} */`)
      await client.query(terminate(pid))
      const error = await within(5_000, rejection(run), 'the run whose session was terminated')
      expect(isAutoMigrationsError(error, 'CONNECTION_LOST'), String(error)).toBe(true)
      const { message, details } = error as Error & { details: { applied?: { id: string }[]; pgCode?: string } }
      expect(message).toMatch(/terminating connection due to administrator command \[57P01\]/)
      expect(details.pgCode).toBe('57P01')
      expect(details.applied?.map((a) => a.id)).toEqual([SLOW[0]!.id])
      const seen = await observe(client)
      expect(seen.history).toEqual([SLOW[0]!.id])
      // The failed run freed its lock (the connection the server ended was not reused to free it).
      expect(seen.lockToken).toBeNull()
      expectAgree(seen, SLOW, `after terminating ${which}`)
      await client.query('UPDATE control SET seconds = 0')
      const rerun = await within(
        5_000,
        migrator({ database: db.url, lockTimeoutMs: 4_000 }, SLOW).migrate(),
        'the rerun',
      )
      expect(rerun.applied.map((a) => a.id)).toEqual(ids(SLOW.slice(1)))
      expectComplete(await observe(client), SLOW, `rerun after terminating ${which}`)
    })
  }

  it("of the runner's idle pool connections, again and again while an index builds for longer than its lease: the run goes on, the lease never lapses, a second runner gets LOCK_TIMEOUT", async () => {
    const INDEXED = history(
      [
        counterTable,
        ...table('big', column('big', 'n', 'Integer', { default: 0 })),
        ['sql', 'INSERT INTO big (n) SELECT g FROM generate_series(1, 1000) AS g'],
      ],
      [count('index_before'), index('big', 'big_n_idx', ['n']), count('index_after')],
      [count('last')],
    )
    // Long enough that a renewal every third of it survives a loaded CI machine's pauses.
    const LEASE_MS = 2_000
    const db = await database()
    const client = await session(db.url)
    // An open transaction with a snapshot: the concurrent build waits for it to end.
    const holder = await session(db.url)
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    await holder.query('SELECT 1')
    const first = migrator(
      { database: `${db.url}?application_name=am_first`, lockLeaseMs: LEASE_MS },
      INDEXED,
    ).migrate()
    first.catch(() => undefined)
    const { pid: buildPid } = await waitFor<{ n: number; pid: number }>(
      client,
      `select 1 as n, pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'active' and query like '%CREATE INDEX CONCURRENTLY%'`,
    )
    const buildStarted = Date.now()
    const token = (await client.query<{ token: string }>('select token from auto_migrations_lock')).rows[0]!.token
    const second = rejection(
      migrator({ database: `${db.url}?application_name=am_second`, lockTimeoutMs: 1_500 }, INDEXED).migrate(),
    )
    let terminated = 0
    while (Date.now() - buildStarted < 3 * LEASE_MS) {
      const { rows } = await client.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and application_name = 'am_first' and state = 'idle' and pid <> $1`,
        [buildPid],
      )
      terminated += rows[0]!.n
      const lease = (
        await client.query<{ token: string; live: boolean }>(
          'select token, expires_at > clock_timestamp() as live from auto_migrations_lock',
        )
      ).rows[0]
      expect(lease).toEqual({ token, live: true })
      await sleep(50)
    }
    expect(
      (await client.query<{ state: string }>('select state from pg_stat_activity where pid = $1', [buildPid])).rows[0]
        ?.state,
    ).toBe('active')
    await holder.query('COMMIT')
    const secondError = await within(5_000, second, 'the second runner')
    expect(isAutoMigrationsError(secondError, 'LOCK_TIMEOUT'), String(secondError)).toBe(true)
    expect((secondError as Error).message).toMatch(/It is held by .+ pid \d+ since/)
    const result = await within(5_000, first, 'the first runner')
    expect(result.applied.map((a) => a.id)).toEqual(ids(INDEXED))
    // The renewals really lost their connections, several times.
    expect(terminated).toBeGreaterThanOrEqual(3)
    expectComplete(await observe(client), INDEXED, 'after idle connections were terminated')
    expect((await observe(client)).lockToken).toBeNull()
  })
})

// ---------------------------------------------------------------------------------------------

describe('a server that accepts and never answers', () => {
  it('migrate() rejects with CONNECT_TIMEOUT naming the host and port, within ?connect_timeout= (and connectTimeoutMs of PgEngine)', async () => {
    const hole = await startBlackhole()
    closers.push(() => hole.close())
    const endpoint = `127.0.0.1:${hole.port}`

    let started = Date.now()
    const error = await within(
      5_000,
      rejection(migrator({ database: `${hole.url('x')}?connect_timeout=1` }).migrate()),
      'migrate() on the silent server',
    )
    let elapsed = Date.now() - started
    expect(isAutoMigrationsError(error, 'CONNECT_TIMEOUT'), String(error)).toBe(true)
    expect((error as Error).message).toContain(endpoint)
    expect(elapsed).toBeGreaterThanOrEqual(950)
    expect(elapsed).toBeLessThan(2_000)

    const engine = new PgEngine(hole.url('x'), { connectTimeoutMs: 500 })
    closers.push(() => engine.close())
    started = Date.now()
    const viaEngine = await within(
      5_000,
      rejection(migrator({ database: engine }).migrate()),
      'migrate() through PgEngine',
    )
    elapsed = Date.now() - started
    expect(isAutoMigrationsError(viaEngine, 'CONNECT_TIMEOUT'), String(viaEngine)).toBe(true)
    expect((viaEngine as Error).message).toContain(endpoint)
    expect((viaEngine as Error).message).toContain('within 500 ms')
    expect(elapsed).toBeGreaterThanOrEqual(450)
    expect(elapsed).toBeLessThan(1_500)
  })
})

describe('the database migrate() is given', () => {
  it('an auto_migrations table of another shape: HISTORY_TABLE_CONFLICT naming the table, nothing applied, the table untouched', async () => {
    const db = await database()
    const client = await session(db.url)
    await client.query(
      `create table auto_migrations (id serial, name text); insert into auto_migrations (name) values ('theirs')`,
    )
    const error = await rejection(migrator({ database: db.url }).migrate())
    expect(isAutoMigrationsError(error, 'HISTORY_TABLE_CONFLICT'), String(error)).toBe(true)
    expect((error as Error).message).toContain('"public"."auto_migrations"')
    expect((error as { details: Record<string, unknown> }).details.table).toBe('"public"."auto_migrations"')
    const { rows } = await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'auto_migrations%'`,
    )
    expect(rows).toEqual([])
    expect((await client.query('select * from auto_migrations')).rows).toEqual([{ id: 1, name: 'theirs' }])
  })

  it('migrate(url), migrate(pool) and migrate(client) migrate the database given; the configured one stays untouched', async () => {
    const SHORT = HISTORY.slice(0, 5)
    const [configured, byUrl, byPool, byClient] = await Promise.all([database(), database(), database(), database()])
    const m = migrator({ database: configured.url }, SHORT)
    const pool = quietOnTermination(new pg.Pool({ connectionString: byPool.url }))
    closers.push(() => pool.end())
    const client = await session(byClient.url)
    for (const target of [byUrl.url, pool, client] as const)
      expect((await m.migrate(target)).applied.map((a) => a.id)).toEqual(ids(SHORT))
    // The pool and the client passed in stay open.
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    for (const db of [byUrl, byPool, byClient]) expectComplete(await observe(await session(db.url)), SHORT, db.name)
    const untouched = await observe(await session(configured.url))
    expect([...untouched.tables]).toEqual([])
    expect((await m.status(byUrl.url)).map((s) => s.state)).toEqual(SHORT.map(() => 'ran'))
  })
})
