/**
 * A throwaway database to build what migrations describe in, so that it is read exactly as the live
 * one is. Next to a Postgres server it is a new database on that server (same version, same
 * extensions, so the same renderings); when that is refused (no CREATEDB right) or the database was
 * given as a pool or engine, and for the embedded database, it is an embedded database in a
 * temporary folder. Either is removed by `close()`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { quoteIdent } from '../../core/postgres/quote.js'
import type { DatabaseOption, Engine, PgPoolConfig } from '../engines/engine.js'
import { PgEngine } from '../engines/pg.js'
import { PgliteEngine } from '../engines/pglite.js'

export interface ScratchDatabase {
  engine: Engine
  /** 'server': a database on the live server; 'embedded': PGlite in a temporary folder. */
  where: 'server' | 'embedded'
  close(): Promise<void>
}

/** The connection to database `name` on the server that `option` connects to, or undefined when it can't be told. */
function sameServer(option: DatabaseOption, name: string): string | PgPoolConfig | undefined {
  if (typeof option === 'string' && /^postgres(ql)?:\/\//i.test(option)) {
    const url = new URL(option)
    url.pathname = `/${name}`
    return url.toString()
  }
  if (typeof option === 'object' && option !== null && !('query' in option) && !('pglite' in option)) {
    const config = option as PgPoolConfig
    if (config.connectionString !== undefined) {
      const url = new URL(config.connectionString)
      url.pathname = `/${name}`
      return { ...config, connectionString: url.toString() }
    }
    return { ...config, database: name }
  }
  return undefined
}

async function onServer(live: Engine, option: DatabaseOption): Promise<ScratchDatabase | undefined> {
  const name = `auto_migrations_drift_${randomBytes(6).toString('hex')}`
  const target = live.kind === 'pg' ? sameServer(option, name) : undefined
  if (target === undefined) return undefined
  try {
    await live.query(`CREATE DATABASE ${quoteIdent(name)}`)
  } catch {
    // No right to create databases here: the embedded database stands in.
    return undefined
  }
  const engine = new PgEngine(target as ConstructorParameters<typeof PgEngine>[0])
  return {
    engine,
    where: 'server',
    async close() {
      await engine.close().catch(() => undefined)
      await live.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
    },
  }
}

async function embedded(): Promise<ScratchDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'auto-migrations-drift-'))
  try {
    const engine = await PgliteEngine.open(path.join(dir, 'db'))
    return {
      engine,
      where: 'embedded',
      async close() {
        try {
          await engine.close()
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      },
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** A new, empty database to replay migrations into, beside `live` (opened from `option`). */
export async function openScratchDatabase(live: Engine, option: DatabaseOption): Promise<ScratchDatabase> {
  return (await onServer(live, option)) ?? embedded()
}
