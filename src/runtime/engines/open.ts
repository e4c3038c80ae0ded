/**
 * Turns whatever the user gave as `database` (config, `--database`, `migrate(db)`) into an Engine.
 *
 * The rule for closing is uniform: `close()` on the returned engine releases only what openEngine
 * opened. A pool, client, PGlite instance or Engine passed in stays open (an Engine passed in is
 * wrapped so that its `close()` is not forwarded).
 */
import * as path from 'node:path'
import type { PGliteInterface } from '@electric-sql/pglite'
import type { PoolConfig } from 'pg'
import { AutoMigrationsError } from '../../errors.js'
import type { DatabaseOption, Engine } from './engine.js'
import type { PgEngine, PgEngineOptions, PgSource } from './pg.js'
import { PgliteEngine } from './pglite.js'
import type { EmbeddedProgressListener } from './pglite-image.js'

/**
 * Where the embedded database lives when no database is configured, relative to the project root:
 * the config file's folder for the CLI, the plugin and the virtual module's runtime.
 */
export const DEFAULT_EMBEDDED_DIR = '.auto-migrations/db'

export interface OpenEngineOptions {
  /**
   * The project root (the config file's folder): `{ pglite: dir }`, `pglite:dir` and the default
   * embedded directory are relative to it.
   */
  root: string
  /** Postgres: how long to wait for a connection before CONNECT_TIMEOUT (default 15 s, or the URL's connect_timeout). */
  connectTimeoutMs?: number
  /** Told when a new embedded database is being created (see pglite-image.ts); nothing is printed. */
  onEmbeddedProgress?: EmbeddedProgressListener | undefined
}

function hasFunctions(value: object, ...names: string[]): boolean {
  return names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
}

export function isEngine(value: unknown): value is Engine {
  if (typeof value !== 'object' || value === null) return false
  const kind = (value as { kind?: unknown }).kind
  return (
    (kind === 'pg' || kind === 'pglite') &&
    hasFunctions(value, 'query', 'exec', 'transaction', 'execBatch', 'lock', 'close')
  )
}

/** A PGlite instance, duck-typed (it may come from another copy of the package than ours). */
export function isPgliteInstance(value: unknown): value is PGliteInterface {
  return (
    typeof value === 'object' &&
    value !== null &&
    hasFunctions(value, 'exec', 'transaction', 'query') &&
    'waitReady' in value
  )
}

/** A `pg.Pool` or `pg.Client` (or a compatible object). */
function isPgPoolOrClient(value: object): boolean {
  return hasFunctions(value, 'query', 'connect')
}

/**
 * A Postgres engine, with `pg` loaded only now: it takes longer to import than a command on the
 * embedded database spends on everything of its own.
 */
async function pgEngine(source: PgSource, options: PgEngineOptions): Promise<PgEngine> {
  const { PgEngine } = await import('./pg.js')
  return new PgEngine(source, options)
}

/** An Engine passed in by the caller: everything but `close()` is forwarded. */
function borrowed(engine: Engine): Engine {
  return {
    kind: engine.kind,
    query: (sql, params) => engine.query(sql, params),
    exec: (sql) => engine.exec(sql),
    transaction: (fn) => engine.transaction(fn),
    execBatch: (statements) => engine.execBatch(statements),
    lock: (options) => engine.lock(options),
    close: async () => {},
  }
}

/**
 * Opens the engine for a `database` option:
 * - `undefined` or `''` (an unset `DATABASE_URL` in a .env file): the embedded database in
 *   `<root>/.auto-migrations/db`, created on first use;
 * - `'postgres://…'` / `'postgresql://…'`: a pool on that server;
 * - `'pglite:<dir>'`: the embedded database in `<dir>` (relative to root);
 * - `{ pglite: dir }`: the same;
 * - an Engine: used as is (not closed by us);
 * - a PGlite instance, a `pg.Pool` or a `pg.Client`: wrapped (not closed by us);
 * - any other object: a `pg` PoolConfig.
 */
export async function openEngine(
  option: DatabaseOption,
  { root, connectTimeoutMs, onEmbeddedProgress }: OpenEngineOptions,
): Promise<Engine> {
  const pgOptions = connectTimeoutMs === undefined ? {} : { connectTimeoutMs }
  const embedded = { onProgress: onEmbeddedProgress }
  if (option === undefined || option === '')
    return PgliteEngine.open(path.resolve(root, DEFAULT_EMBEDDED_DIR), embedded)
  if (typeof option === 'string') {
    if (/^postgres(ql)?:\/\//i.test(option)) return pgEngine(option, pgOptions)
    if (option.startsWith('pglite:')) {
      const dir = option.slice('pglite:'.length)
      if (dir === '') throw usage(option)
      return PgliteEngine.open(path.resolve(root, dir), embedded)
    }
    throw usage(option)
  }
  if (typeof option !== 'object' || option === null) throw usage(String(option))
  if (isEngine(option)) return borrowed(option)
  if (isPgliteInstance(option)) return new PgliteEngine(option)
  if (isPgPoolOrClient(option)) return pgEngine(option as unknown as PgSource, pgOptions)
  if ('pglite' in option) {
    const dir = (option as { pglite: unknown }).pglite
    if (typeof dir !== 'string' || dir === '') {
      throw new AutoMigrationsError(
        'INVALID_CONFIG',
        '`database: { pglite }` needs a directory path (a non-empty string).',
      )
    }
    return PgliteEngine.open(path.resolve(root, dir), embedded)
  }
  return pgEngine(option as PoolConfig, pgOptions)
}

/**
 * The directory of the embedded database a `database` option names (the default one, `pglite:<dir>`,
 * `{ pglite: dir }`), absolute; undefined for anything else. Lets a read-only command see that an
 * embedded database was never created, instead of creating it just to read its empty history.
 */
export function embeddedDirOf(option: DatabaseOption, root: string): string | undefined {
  if (option === undefined || option === '') return path.resolve(root, DEFAULT_EMBEDDED_DIR)
  if (typeof option === 'string')
    return option.startsWith('pglite:') && option.length > 'pglite:'.length
      ? path.resolve(root, option.slice('pglite:'.length))
      : undefined
  if (
    typeof option === 'object' &&
    option !== null &&
    !isEngine(option) &&
    !isPgliteInstance(option) &&
    'pglite' in option
  ) {
    const dir = (option as { pglite: unknown }).pglite
    return typeof dir === 'string' && dir !== '' ? path.resolve(root, dir) : undefined
  }
  return undefined
}

function usage(given: string): AutoMigrationsError {
  // Never echo a value that might be a connection string with a password in it.
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? `${given.split('://')[0]}://…` : JSON.stringify(given)
  return new AutoMigrationsError(
    'INVALID_CONFIG',
    `Unsupported database ${shown}. Use a Postgres URL (postgres://user:pass@host:5432/db), ` +
      "'pglite:<directory>' for an embedded database, or leave it unset for the embedded database in " +
      `${DEFAULT_EMBEDDED_DIR}.`,
  )
}
