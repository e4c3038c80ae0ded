/**
 * One apply run in a fresh process: every migration of a generated project, from an empty database.
 *   node apply-worker.mjs <tool> <project dir> <database url | pglite>
 * tools:
 *   ours          our runner (dist/runtime.js createMigrator) given the migration modules (imported before
 *                 the clock starts, as the virtual module gives them to a server)
 *   node-pg-migrate  runner() over peers/sql/*.sql (it reads the files: that is its normal path)
 *   kysely        Migrator over the same SQL (a provider that reads the files)
 *   raw           the floor: each migration's SQL in BEGIN…COMMIT, one query per migration, no history
 * Prints `@@result {"ms", "queries", "migrations", "rssMB"}`; queries = pg Client#query calls while applying.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { report } from './measure.mjs'
import { loadMigrationSources } from './sources.mjs'

const [tool, dir, database] = process.argv.slice(2)
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))
const sqlDir = path.join(dir, 'peers', 'sql')
const sqlFiles = () =>
  readdirSync(sqlDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()

let queries = 0
const original = pg.Client.prototype.query
pg.Client.prototype.query = function (...args) {
  queries++
  return original.apply(this, args)
}

let ms
let migrations
// 'pglite': in memory; 'pglite-disk:<dir>' / 'pglite-relaxed:<dir>': on disk, the second with
// PGlite's relaxedDurability (it does not wait for the file system to flush after each query).
const usePglite = database.startsWith('pglite')
async function openPglite() {
  const { PGlite } = await import('@electric-sql/pglite')
  if (database === 'pglite') return PGlite.create()
  const [kind, dir] = [database.slice(0, database.indexOf(':')), database.slice(database.indexOf(':') + 1)]
  return PGlite.create({ dataDir: dir, relaxedDurability: kind === 'pglite-relaxed' })
}

if (tool === 'ours') {
  const { createMigrator } = await import('../../dist/runtime.js')
  const sources = await loadMigrationSources(dir)
  let target = database
  if (usePglite) target = await openPglite()
  const migrator = createMigrator({
    apps: manifest.apps.map((a) => ({ name: a.name, dependencies: a.dependencies })),
    migrations: sources,
    database: target,
    root: dir,
  })
  queries = 0
  const started = performance.now()
  const result = await migrator.migrate()
  ms = performance.now() - started
  migrations = result.applied.length
  await migrator.close()
  if (usePglite) await target.close()
} else if (tool === 'node-pg-migrate') {
  const { runner } = await import('node-pg-migrate')
  queries = 0
  const started = performance.now()
  const done = await runner({
    databaseUrl: database,
    dir: sqlDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    singleTransaction: false,
    log: () => {},
    logger: { debug() {}, info() {}, warn() {}, error: console.error },
  })
  ms = performance.now() - started
  migrations = done.length
} else if (tool === 'kysely') {
  const { Kysely, Migrator, PostgresDialect, sql } = await import('kysely')
  const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database, max: 2 }) }) })
  const provider = {
    async getMigrations() {
      const out = {}
      for (const file of sqlFiles()) {
        const text = readFileSync(path.join(sqlDir, file), 'utf8')
        out[file] = { up: (trx) => sql.raw(text).execute(trx) }
      }
      return out
    },
  }
  const migrator = new Migrator({ db, provider })
  queries = 0
  const started = performance.now()
  const { error, results } = await migrator.migrateToLatest()
  ms = performance.now() - started
  if (error) throw error
  migrations = results.length
  await db.destroy()
} else if (tool === 'raw') {
  const files = sqlFiles().map((f) => readFileSync(path.join(sqlDir, f), 'utf8'))
  if (usePglite) {
    const db = await openPglite()
    const started = performance.now()
    for (const text of files) await db.exec(`BEGIN;\n${text}\nCOMMIT;`)
    ms = performance.now() - started
    await db.close()
  } else {
    const client = new pg.Client({ connectionString: database })
    await client.connect()
    queries = 0
    const started = performance.now()
    for (const text of files) await client.query(`BEGIN;\n${text}\nCOMMIT;`)
    ms = performance.now() - started
    await client.end()
  }
  migrations = files.length
} else {
  throw new Error(`unknown tool ${tool}`)
}

report({ tool, ms, queries, migrations, rssMB: process.resourceUsage().maxRSS / 1024 })
