/**
 * The embedded database: PGlite (Postgres compiled to WASM, one backend, in this process).
 *
 * Three facts shape this file (see FACTS.md):
 * - PGlite does not lock its directory, so a directory is owned through `<dir>.lock` (lock-file.ts).
 * - In one dev process the bundler plugin and the user's server code must use ONE handle per
 *   directory (a second instance would silently lose writes), so instances are shared through a
 *   process-wide registry with reference counting. It lives on `globalThis` under a `Symbol.for`
 *   key because the plugin and the runtime may be loaded as two copies of this module (two bundles,
 *   or dist and source); a module-level Map would give each copy its own registry.
 * - With one backend, advisory locks exclude nothing and a raw `BEGIN` would capture other callers'
 *   statements: transactions go through `db.transaction()` (which queues other callers) and the
 *   migration lock is an in-process mutex.
 */
import { PGlite, type PGliteInterface, type Transaction } from '@electric-sql/pglite'
import { AutoMigrationsError } from '../../errors.js'
import { acquireDirectoryLock, canonicalDir, type DirectoryLock } from '../lock-file.js'
import {
  BatchError,
  type Engine,
  type LockOptions,
  type MigrationLock,
  type Queryable,
  type QueryResult,
} from './engine.js'
import { DEFAULT_LOCK_NAME, DEFAULT_LOCK_TIMEOUT_MS } from './lock-defaults.js'
import { Mutex } from './mutex.js'
import { embeddedExtensions, explainMissingExtension, missingFrom } from './pglite-extensions.js'
import { createEmbeddedDataDir, type EmbeddedCreateOptions, isNewDataDir } from './pglite-image.js'

export interface EmbeddedOpenOptions extends EmbeddedCreateOptions {
  /**
   * The extensions the apps declare (SQL names): the database loads these and the ones it already
   * holds. Undefined: every extension PGlite ships (slower to open).
   */
  extensions?: readonly string[] | undefined
}

/**
 * Opens an existing directory with `names` loaded, and again with what it holds too when it holds
 * extensions that were not asked for (their functions and types need them at every open).
 */
async function openDataDir(dir: string, names: readonly string[] | undefined): Promise<PGliteInterface> {
  const extensions = await embeddedExtensions(names)
  const db = (await PGlite.create(dir, { extensions })) as PGliteInterface
  if (names === undefined) return db
  const { rows } = await db.query<{ name: string }>('select extname::text as name from pg_extension')
  const missing = missingFrom(
    rows.map((r) => r.name),
    extensions,
  )
  if (missing.length === 0) return db
  await db.close()
  return (await PGlite.create(dir, { extensions: await embeddedExtensions([...names, ...missing]) })) as PGliteInterface
}

/** A ref-counted handle on the one PGlite instance of a directory in this process. */
export interface EmbeddedDatabase {
  /** Absolute path of the data directory. */
  readonly dir: string
  readonly db: PGliteInterface
  /** Drops this handle; the last one closes PGlite and removes the directory's lock file. Idempotent. */
  release(): Promise<void>
}

interface RegistryEntry {
  readonly lock: DirectoryLock
  readonly db: Promise<PGliteInterface>
  refs: number
}

interface Registry {
  readonly open: Map<string, RegistryEntry>
  /** Directories whose last handle is closing; a new open waits, or two instances would overlap. */
  readonly closing: Map<string, Promise<void>>
  /** Migration-lock mutexes per PGlite instance and lock name. */
  readonly lockMutexes: WeakMap<object, Map<string, Mutex>>
}

const REGISTRY_KEY = Symbol.for('unplugin-auto-migrations/embedded-databases@1')

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>
  holder[REGISTRY_KEY] ??= { open: new Map(), closing: new Map(), lockMutexes: new WeakMap() }
  return holder[REGISTRY_KEY]
}

/**
 * Opens (or joins) the embedded database in `dir`: creates the directory on first use (from the
 * cached image of a new data directory, see pglite-image.ts, telling `options.onProgress`), takes
 * the directory lock (`EMBEDDED_DB_LOCKED` if another process holds it) and shares one PGlite
 * instance between all callers in this process.
 */
export async function openEmbeddedDatabase(dir: string, options: EmbeddedOpenOptions = {}): Promise<EmbeddedDatabase> {
  const absDir = canonicalDir(dir)
  const reg = registry()
  for (;;) {
    const closing = reg.closing.get(absDir)
    if (!closing) break
    // A failed close still ends with the lock released; the open below reports its own errors.
    await closing.catch(() => {})
  }
  let entry = reg.open.get(absDir)
  if (entry) {
    entry.refs++
  } else {
    // Lock first, then create: the directory must not be touched while someone else owns it.
    const lock = acquireDirectoryLock(absDir)
    const created = (async () => {
      if (isNewDataDir(absDir))
        return createEmbeddedDataDir(absDir, await embeddedExtensions(options.extensions), options)
      return openDataDir(absDir, options.extensions)
    })()
    entry = { lock, db: created, refs: 1 }
    reg.open.set(absDir, entry)
    created.catch(() => {
      // Opening failed (corrupt directory, WASM error…): forget the entry so a retry starts afresh.
      if (reg.open.get(absDir) === entry) reg.open.delete(absDir)
      lock.release()
    })
  }
  const owned = entry
  let db: PGliteInterface
  try {
    db = await owned.db
  } catch (error) {
    owned.refs--
    throw new AutoMigrationsError(
      'DATABASE_ERROR',
      `Could not open the embedded database in ${absDir}: ${(error as Error).message}`,
      { dir: absDir },
      { cause: error },
    )
  }
  let released = false
  return {
    dir: absDir,
    db,
    async release() {
      if (released) return
      released = true
      owned.refs--
      if (owned.refs > 0 || reg.open.get(absDir) !== owned) return
      reg.open.delete(absDir)
      const closing = (async () => {
        try {
          if (!db.closed) await db.close()
        } finally {
          owned.lock.release()
          reg.closing.delete(absDir)
        }
      })()
      reg.closing.set(absDir, closing)
      await closing
    },
  }
}

/** The number of open handles on `dir` in this process (0 when not open). For tests and diagnostics. */
export function embeddedDatabaseRefs(dir: string): number {
  return registry().open.get(canonicalDir(dir))?.refs ?? 0
}

function lockMutex(db: PGliteInterface, key: string): Mutex {
  const { lockMutexes } = registry()
  let byKey = lockMutexes.get(db)
  if (!byKey) {
    byKey = new Map()
    lockMutexes.set(db, byKey)
  }
  let mutex = byKey.get(key)
  if (!mutex) {
    mutex = new Mutex()
    byKey.set(key, mutex)
  }
  return mutex
}

type PgliteQueryTarget = Pick<PGliteInterface, 'query' | 'exec'> | Transaction

function queryableOf(target: PgliteQueryTarget): Queryable {
  return {
    async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      try {
        const result = await target.query<R>(sql, params)
        return { rows: result.rows }
      } catch (error) {
        explainMissingExtension(error)
        throw error
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await target.exec(sql)
      } catch (error) {
        explainMissingExtension(error)
        throw error
      }
    },
  }
}

export class PgliteEngine implements Engine {
  readonly kind = 'pglite' as const
  readonly db: PGliteInterface
  /** The data directory when opened by path; undefined for an instance passed in. */
  readonly dir: string | undefined
  readonly #release: (() => Promise<void>) | undefined
  readonly #queryable: Queryable
  #closed = false

  /**
   * Wraps a PGlite instance. Without `handle` the instance belongs to the caller and `close()`
   * leaves it open.
   */
  constructor(db: PGliteInterface, handle?: EmbeddedDatabase) {
    this.db = db
    this.dir = handle?.dir
    this.#release = handle ? () => handle.release() : undefined
    this.#queryable = queryableOf(db)
  }

  /** The engine for the embedded database in `dir` (shared per process; see openEmbeddedDatabase). */
  static async open(dir: string, options: EmbeddedOpenOptions = {}): Promise<PgliteEngine> {
    const handle = await openEmbeddedDatabase(dir, options)
    return new PgliteEngine(handle.db, handle)
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.#assertOpen()
    return this.#queryable.query<R>(sql, params)
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen()
    return this.#queryable.exec(sql)
  }

  /**
   * `db.transaction()` queues every other caller of the shared instance until it ends. Inside `fn`,
   * use `tx` only: a query on the engine itself would wait for the transaction and never run.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#assertOpen()
    return this.db.transaction((tx) => fn(queryableOf(tx)))
  }

  /**
   * Statement by statement inside `db.transaction()`: in-process, a round trip costs nothing, and
   * the statement that failed is the one that threw.
   */
  async execBatch(statements: readonly string[]): Promise<void> {
    this.#assertOpen()
    let at = -1
    try {
      await this.db.transaction(async (tx) => {
        for (at = 0; at < statements.length; at++) await tx.exec(statements[at]!)
      })
    } catch (error) {
      explainMissingExtension(error)
      throw new BatchError(at >= 0 && at < statements.length ? at : undefined, error)
    }
  }

  /**
   * The migration lock: an in-process mutex per PGlite instance and name. That is enough because
   * the directory lock already keeps every other process out, and with a single backend nothing
   * else can commit: no fence is needed.
   */
  async lock(options: LockOptions = {}): Promise<MigrationLock> {
    this.#assertOpen()
    const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    const key = options.name ?? DEFAULT_LOCK_NAME
    const release = await lockMutex(this.db, key).acquire(timeoutMs)
    if (!release) {
      throw new AutoMigrationsError(
        'LOCK_TIMEOUT',
        `Timed out after ${timeoutMs} ms waiting for the migration lock of the embedded database` +
          `${this.dir ? ` in ${this.dir}` : ''}: another migration run in this process still holds it. ` +
          'Wait for it to finish, or raise the lock timeout.',
        { lock: key, timeoutMs, dir: this.dir },
      )
    }
    return { fence: '', tag: '/* auto-migrations */', lost: () => undefined, release: async () => release() }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#release?.()
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new AutoMigrationsError('DATABASE_ERROR', 'This PGlite engine was closed; open a new one.', {
        dir: this.dir,
      })
    }
  }
}
