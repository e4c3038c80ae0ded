/**
 * Real databases for tests: a fresh database on the Postgres server, a fresh in-memory PGlite,
 * `describeEngines` to run one block of scenarios against both, and `resetDatabase` to empty one. No mocks: the point of these tests
 * is what Postgres 15 and PGlite (Postgres 18) actually do.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite, type PGliteInterface } from '@electric-sql/pglite'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest'
import type { Engine, Queryable } from '../../src/runtime/engines/engine.js'
import { PgEngine } from '../../src/runtime/engines/pg.js'
import { PgliteEngine } from '../../src/runtime/engines/pglite.js'
import { embeddedExtensions } from '../../src/runtime/engines/pglite-extensions.js'

/** The server used by tests; `TEST_DATABASE_URL` overrides it. Databases are created next to it. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface PgTestDatabase {
  /** Connection string of the fresh database. */
  url: string
  name: string
  /** Drops the database, disconnecting whoever is still connected. */
  cleanup(): Promise<void>
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** A fresh, uniquely named database on the server (about 50–150 ms). */
/**
 * A pool or client a test opens itself, with its connections' errors ignored: the database is
 * dropped WITH (FORCE) at the end of the file, and a connection that pg has not finished closing
 * by then gets "terminating connection due to administrator command" (57P01), which, with nobody
 * listening, is an uncaught exception that fails the whole run.
 */
export function quietOnTermination<T extends pg.Pool | pg.Client>(handle: T): T {
  const ignore = () => {}
  if (handle instanceof pg.Pool) {
    handle.on('error', ignore)
    handle.on('connect', (client) => client.on('error', ignore))
  } else {
    ;(handle as pg.Client).on('error', ignore)
  }
  return handle
}

export async function withPgDatabase(): Promise<PgTestDatabase> {
  const name = `am_test_${process.pid}_${randomBytes(5).toString('hex')}`
  // CREATE DATABASE copies template1 and fails if another session is copying it at that instant
  // (55006, "source database is being accessed"): retry briefly, as parallel workers can collide.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE "${name}"`))
      break
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
    }
  }
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    cleanup: () => admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  }
}

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/auto-migrations-test/', import.meta.url))
let template: Promise<Blob> | undefined

/**
 * The data directory of a freshly initialised PGlite, as the tarball `dumpDataDir()` makes. It is
 * cached on disk per PGlite version, so initdb (2 s and more) runs once per machine, not once per
 * test worker; writing through a temp file and a rename keeps parallel workers from reading half
 * a file.
 */
async function templateDataDir(): Promise<Blob> {
  // The package does not export its package.json; read it where npm installed it.
  const manifest = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }
  const file = path.join(CACHE_DIR, `pglite-${version}-template.tar`)
  if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)])
  const db = await PGlite.create()
  const blob = await db.dumpDataDir('none')
  await db.close()
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temp, Buffer.from(await blob.arrayBuffer()))
  fs.renameSync(temp, file)
  return blob
}

/** The initialised data directory (a `dumpDataDir()` tarball) that fresh PGlite databases start from. */
export function pgliteTemplate(): Promise<Blob> {
  template ??= templateDataDir()
  return template
}

/**
 * A fresh in-memory PGlite. Creating one runs initdb (about 2 s); loading a template data
 * directory takes about 0.4 s; that is all `clone()` does too (dump, then load), minus the dump
 * and minus keeping a template instance of ~700 MB alive per worker. Close it when done.
 */
export async function freshPglite(options: { extensions?: boolean } = {}): Promise<PGliteInterface> {
  template ??= templateDataDir()
  const extensions = options.extensions ? await embeddedExtensions() : undefined
  return (await PGlite.create({
    loadDataDir: await template,
    ...(extensions ? { extensions } : {}),
  })) as PGliteInterface
}

export type EngineKind = 'pg' | 'pglite'

export interface EngineContext {
  engine: Engine
  kind: EngineKind
  /** The server database's URL ('pg'), for tests that need a second connection. */
  url: string | undefined
  /** The PGlite instance ('pglite'). */
  pglite: PGliteInterface | undefined
}

/** A fresh Engine of the given kind with its cleanup. */
export async function freshEngine(
  kind: EngineKind,
  options: { extensions?: boolean } = {},
): Promise<EngineContext & { cleanup(): Promise<void> }> {
  if (kind === 'pg') {
    const database = await withPgDatabase()
    const engine = new PgEngine(database.url)
    return {
      engine,
      kind,
      url: database.url,
      pglite: undefined,
      async cleanup() {
        await engine.close()
        await database.cleanup()
      },
    }
  }
  const db = await freshPglite(options)
  const engine = new PgliteEngine(db)
  return {
    engine,
    kind,
    url: undefined,
    pglite: db,
    async cleanup() {
      await engine.close()
      await db.close()
    },
  }
}

/** Drops every user schema (tables, types, sequences with it) and recreates an empty `public`. */
export async function resetDatabase(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `select nspname::text as name from pg_namespace
      where nspname not like 'pg\\_%' and nspname <> 'information_schema'`,
  )
  const drops = rows.map((r) => `DROP SCHEMA "${r.name.replace(/"/g, '""')}" CASCADE;`).join('\n')
  await db.exec(`${drops}\nCREATE SCHEMA public;`)
}

export interface DescribeEnginesOptions {
  /**
   * `'per-test'` (default): each test gets its own fresh database, for tests that care about
   * connections, roles or anything `resetDatabase` does not undo. `'shared'`: one database per
   * engine and describe block, emptied by `resetDatabase` before each test (a fresh PGlite costs
   * about 1 s, a reset a few ms), for tests that only build and inspect schemas.
   */
  database?: 'per-test' | 'shared'
  /** PGlite loads the contrib extensions the embedded database loads (citext, hstore, ltree...), as the server has them. */
  extensions?: boolean
}

type EnginesBody = (ctx: () => EngineContext) => void

/**
 * Runs the same scenarios on Postgres 15 (server) and PGlite, options before the body as in
 * Vitest's `describe(name, options, fn)`:
 * `describeEngines('history table', (ctx) => { it('...', async () => { ctx().engine ... }) })`,
 * `describeEngines('table operations', { database: 'shared' }, (ctx) => { ... })`.
 */
export function describeEngines(name: string, body: EnginesBody): void
export function describeEngines(name: string, options: DescribeEnginesOptions, body: EnginesBody): void
export function describeEngines(
  name: string,
  optionsOrBody: DescribeEnginesOptions | EnginesBody,
  maybeBody?: EnginesBody,
): void {
  const [options, body] =
    typeof optionsOrBody === 'function' ? [{}, optionsOrBody] : [optionsOrBody, maybeBody as EnginesBody]
  const shared = options.database === 'shared'
  for (const kind of ['pg', 'pglite'] as const) {
    describe(`${name} [${kind}]`, () => {
      let current: (EngineContext & { cleanup(): Promise<void> }) | undefined
      const open = async () => {
        current = await freshEngine(kind, { extensions: options.extensions })
      }
      const close = async () => {
        await current?.cleanup()
        current = undefined
      }
      beforeAll(async () => {
        if (shared) await open()
      })
      beforeEach(async () => {
        if (!shared) await open()
        else if (current) await resetDatabase(current.engine)
      })
      afterEach(async () => {
        if (!shared) await close()
      })
      afterAll(close)
      body(() => {
        if (!current) throw new Error('describeEngines: the engine is only available inside a test')
        return current
      })
    })
  }
}
