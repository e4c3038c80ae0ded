/**
 * The migration lock on a Postgres server: a lease row, not a session advisory lock.
 *
 * Behind a transaction pooler (PgBouncer, Supavisor, Neon) a session lock lands on whichever server
 * connection serves each transaction and excludes nothing. A lease needs no session: it is taken,
 * renewed and freed by single statements, and it fences: every transaction that commits migration
 * work first renews the lease under its own token (`fence`), holding the row locked until it commits.
 * A runner that lost its lease (expired while paused, taken over after a lost connection) can
 * therefore never commit, and nobody can take the lease while a migration transaction is open.
 *
 * Statements never wait on the lease row: a runner takes a free or expired row `FOR UPDATE SKIP
 * LOCKED` and polls. Every statement of a run starts with a comment naming its token (`tag`), so the
 * runner that takes over from a crashed one waits until none of the old statements still runs on the
 * server (a killed client's statement goes on until it finishes).
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { qualifiedName, quoteIdent, quoteLiteral } from '../../core/postgres/quote.js'
import { AutoMigrationsError } from '../../errors.js'
import { isCreateRace } from './create-race.js'
import type { LockOptions, MigrationLock, Queryable } from './engine.js'
import { DEFAULT_LEASE_MS, DEFAULT_LOCK_NAME, DEFAULT_LOCK_POLL_MS, DEFAULT_LOCK_TIMEOUT_MS } from './lock-defaults.js'

export const LOCK_TABLE = 'auto_migrations_lock'
/** The SQLSTATE the fence raises; the runner turns it into LOCK_LOST. */
export const LOCK_LOST_SQLSTATE = 'AMLCK'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The comment that opens every statement of the run holding `token`. */
export const statementTag = (token: string): string => `/* auto-migrations ${token} */`

interface LeaseSettings {
  table: string
  name: string
  leaseMs: number
  timeoutMs: number
  pollMs: number
}

function settingsOf(options: LockOptions, pollMs: number): LeaseSettings {
  const schema = options.schema ?? 'public'
  return {
    table: qualifiedName(schema, LOCK_TABLE),
    name: options.name ?? DEFAULT_LOCK_NAME,
    leaseMs: Math.max(300, Math.round(options.leaseMs ?? DEFAULT_LEASE_MS)),
    timeoutMs: options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    pollMs,
  }
}

function createSql(options: LockOptions, s: LeaseSettings): string {
  const schema = options.schema ?? 'public'
  return [
    schema === 'public' ? '' : `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`,
    `CREATE TABLE IF NOT EXISTS ${s.table} (name text PRIMARY KEY, token text, holder text, acquired_at timestamptz, expires_at timestamptz);`,
    `INSERT INTO ${s.table} (name) VALUES (${quoteLiteral(s.name)}) ON CONFLICT (name) DO NOTHING;`,
  ].join('\n')
}

/** Creates the lock table and row; two runners creating them at the same instant: once more. */
async function ensureLockRow(db: Queryable, options: LockOptions, s: LeaseSettings): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.exec(createSql(options, s))
      return
    } catch (error) {
      if (isCreateRace(error) && attempt === 0) continue
      throw error
    }
  }
}

/** The lease for `ms` from now, as SQL. */
const until = (ms: number) => `clock_timestamp() + interval '${ms} milliseconds'`

/**
 * The fence: renews the lease if `token` still holds it, else fails the transaction. The UPDATE keeps
 * the row locked until the commit, so nobody takes the lease over while the transaction is open.
 */
function fenceSql(s: LeaseSettings, token: string): string {
  const message = quoteLiteral(
    'auto-migrations: this runner no longer holds the migration lock (its lease expired or was taken over), so nothing of this transaction is committed',
  )
  return (
    `DO $am$BEGIN UPDATE ${s.table} SET expires_at = ${until(s.leaseMs)} WHERE name = ${quoteLiteral(s.name)} AND token = ${quoteLiteral(token)}; ` +
    `IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = '${LOCK_LOST_SQLSTATE}', MESSAGE = ${message}; END IF; END$am$`
  )
}

interface Taken {
  /** The token of a holder whose lease expired without being freed (it crashed or lost its connection). */
  previous: string | null
}

async function tryTake(db: Queryable, s: LeaseSettings, token: string, holder: string): Promise<Taken | undefined> {
  const { rows } = await db.query<{ previous: string | null }>(
    `${statementTag(token)} WITH free AS (
       SELECT name, token AS previous FROM ${s.table}
        WHERE name = $1 AND (token IS NULL OR expires_at < clock_timestamp())
        FOR UPDATE SKIP LOCKED)
     UPDATE ${s.table} AS l SET token = $2, holder = $3, acquired_at = clock_timestamp(), expires_at = ${until(s.leaseMs)}
       FROM free WHERE l.name = free.name
     RETURNING free.previous`,
    [s.name, token, holder],
  )
  return rows[0]
}

/** Resolves once no statement of the run tagged `previous` is active on the server, or at the deadline. */
async function waitForOldStatements(
  db: Queryable,
  s: LeaseSettings,
  token: string,
  previous: string,
  deadline: number,
): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ pid: number }>(
      `${statementTag(token)} SELECT pid FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() AND query LIKE $1 LIMIT 1`,
      [`${statementTag(previous).replace(/[\\%_]/g, '\\$&')}%`],
    )
    const pid = rows[0]?.pid
    if (pid === undefined) return
    if (Date.now() >= deadline) {
      throw new AutoMigrationsError(
        'LOCK_TIMEOUT',
        `Timed out after ${s.timeoutMs} ms waiting for the statement of a runner that stopped mid-run (Postgres backend pid ${pid}) to end: ` +
          'it still runs on the server. Wait for it, or end it with pg_cancel_backend / pg_terminate_backend, then run the migrations again.',
        { timeoutMs: s.timeoutMs, pid },
      )
    }
    await sleep(s.pollMs)
  }
}

async function timeoutError(db: Queryable, s: LeaseSettings): Promise<AutoMigrationsError> {
  let holder = ''
  try {
    const { rows } = await db.query<{ holder: string | null; since: string | null; left: number | null }>(
      `SELECT holder, acquired_at::text AS since, round(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int AS left FROM ${s.table} WHERE name = $1`,
      [s.name],
    )
    const row = rows[0]
    if (row?.holder)
      holder = ` It is held by ${row.holder} since ${row.since}${row.left !== null && row.left > 0 ? `; its lease runs ${row.left} ms more unless renewed` : ''}.`
  } catch {
    // The diagnosis is a courtesy; the timeout is the error.
  }
  return new AutoMigrationsError(
    'LOCK_TIMEOUT',
    `Timed out after ${s.timeoutMs} ms waiting for the migration lock ("${s.name}" in ${s.table}): another process is running ` +
      `migrations on this database.${holder} Wait for it to finish, or raise the lock timeout; a runner that crashed frees the lock when its lease expires.`,
    { timeoutMs: s.timeoutMs, lock: s.name },
  )
}

/**
 * Takes the lease, polling until `timeoutMs`, and keeps renewing it until released. `db` runs each
 * statement on its own (autocommit): a pool, a transaction pooler, or one client.
 */
export async function takeLease(
  db: Queryable,
  options: LockOptions = {},
  pollMs = DEFAULT_LOCK_POLL_MS,
): Promise<MigrationLock> {
  const s = settingsOf(options, pollMs)
  const token = randomBytes(12).toString('hex')
  const holder = `${hostname()} pid ${process.pid}`
  const deadline = Date.now() + s.timeoutMs
  await ensureLockRow(db, options, s)
  let taken: Taken | undefined
  for (;;) {
    taken = await tryTake(db, s, token, holder)
    if (taken) break
    const left = deadline - Date.now()
    if (left <= 0) throw await timeoutError(db, s)
    // Jitter, so that many processes started together do not poll in lockstep.
    await sleep(Math.min(left, s.pollMs * (0.5 + Math.random())))
  }
  const free = () =>
    db.exec(
      `${statementTag(token)} UPDATE ${s.table} SET token = NULL, holder = NULL, expires_at = NULL WHERE name = ${quoteLiteral(s.name)} AND token = ${quoteLiteral(token)}`,
    )
  try {
    if (taken.previous !== null) await waitForOldStatements(db, s, token, taken.previous, deadline)
  } catch (error) {
    await free().catch(() => undefined)
    throw error
  }
  return new Lease(db, s, token, free)
}

class Lease implements MigrationLock {
  readonly fence: string
  readonly tag: string
  #lost: Error | undefined
  #renewing: Promise<void> | undefined
  readonly #timer: NodeJS.Timeout
  #released = false

  constructor(
    private readonly db: Queryable,
    private readonly s: LeaseSettings,
    private readonly token: string,
    private readonly free: () => Promise<void>,
  ) {
    this.fence = fenceSql(s, token)
    this.tag = statementTag(token)
    this.#timer = setInterval(
      () => {
        this.#renewing ??= this.#renew().finally(() => {
          this.#renewing = undefined
        })
      },
      Math.max(100, Math.floor(s.leaseMs / 3)),
    )
    // A run that ends without release (a crash) must not keep the process alive.
    this.#timer.unref()
  }

  lost(): Error | undefined {
    return this.#lost
  }

  async #renew(): Promise<void> {
    try {
      const { rows } = await this.db.query(
        `${this.tag} UPDATE ${this.s.table} SET expires_at = ${until(this.s.leaseMs)} WHERE name = $1 AND token = $2 RETURNING 1 AS renewed`,
        [this.s.name, this.token],
      )
      if (rows.length === 0 && !this.#released) {
        this.#lost = new AutoMigrationsError(
          'LOCK_LOST',
          `This runner lost the migration lock ("${this.s.name}"): its lease expired and another process took it. Nothing after the last ` +
            'applied migration was committed; run the migrations again to finish.',
          { lock: this.s.name },
        )
      }
    } catch {
      // A lost connection: the next renewal tries again, and the fence keeps a lost lease from committing.
    }
  }

  async release(): Promise<void> {
    if (this.#released) return
    this.#released = true
    clearInterval(this.#timer)
    await this.#renewing
    await this.free().catch(() => undefined)
  }
}
