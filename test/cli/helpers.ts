/**
 * CLI test helpers: a copy of a fixture project in a temp folder (its `unplugin-auto-migrations`
 * import resolves to this repo's build through a node_modules link, as an installed package would),
 * and `run()` to call the CLI in-process with captured output and scripted answers.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'
import { main } from '../../src/cli/main.js'
import { PGlite } from '@electric-sql/pglite'
import { openEmbeddedDatabase } from '../../src/runtime/engines/pglite.js'
import { LOCK_TABLE } from '../../src/runtime/engines/lease.js'
import { PROGRESS_TABLE } from '../../src/runtime/history.js'
import { freshPglite, type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
  /** Every question asked, in order. */
  asked: string[]
}

export interface RunOptions {
  /** Answers to questions, in order; when given, the CLI behaves as if it had a terminal. */
  answers?: string[]
  now?: Date
  /** The working directory to run from: relative to the project root, or absolute (default: the root). */
  cwd?: string
  /**
   * The environment the CLI reads NO_COLOR and FORCE_COLOR from (default: none of them set, so a
   * FORCE_COLOR in the shell that runs the tests changes no output).
   */
  env?: Record<string, string>
  /** Whether the captured stdout and stderr count as terminals (default: no, as a capture is not). */
  isTTY?: { stdout?: boolean; stderr?: boolean }
}

export interface Project {
  root: string
  file(relative: string): string
  read(relative: string): Promise<string>
  write(relative: string, contents: string): Promise<void>
  /** Replaces text in a file (and fails the test when it is not there, so edits can't silently miss). */
  edit(relative: string, from: string | RegExp, to: string): Promise<void>
  run(argv: string[], options?: RunOptions): Promise<RunResult>
  /** Names of the files in an app's migrations folder (including hidden and temp files), sorted. */
  migrationFiles(app?: string): Promise<string[]>
  remove(): Promise<void>
}

const created: Project[] = []

/** Copies `test/fixtures/<name>` (or nothing) into a fresh temp folder. */
export async function project(name: string | null): Promise<Project> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-cli-'))
  if (name) await cp(path.join(repo, 'test/fixtures', name), root, { recursive: true })
  await mkdir(path.join(root, 'node_modules'), { recursive: true })
  await symlink(repo, path.join(root, 'node_modules/unplugin-auto-migrations'), 'dir')
  const file = (relative: string) => path.join(root, relative)
  const p: Project = {
    root,
    file,
    read: (relative) => readFile(file(relative), 'utf8'),
    async write(relative, contents) {
      await mkdir(path.dirname(file(relative)), { recursive: true })
      await writeFile(file(relative), contents)
    },
    async edit(relative, from, to) {
      const text = await p.read(relative)
      const next = text.replace(from, to)
      if (next === text) throw new Error(`edit: ${String(from)} not found in ${relative}`)
      await writeFile(file(relative), next)
    },
    async run(argv, options = {}) {
      let stdout = ''
      let stderr = ''
      const asked: string[] = []
      const answers = options.answers ? [...options.answers] : undefined
      const code = await main(argv, {
        cwd: path.resolve(root, options.cwd ?? '.'),
        stdout: (text) => {
          stdout += text
        },
        stderr: (text) => {
          stderr += text
        },
        prompt: answers
          ? async (question) => {
              asked.push(question)
              const answer = answers.shift()
              if (answer === undefined) throw new Error(`unexpected question: ${question}`)
              return answer
            }
          : undefined,
        now: () => options.now ?? new Date(),
        env: options.env ?? {},
        ...(options.isTTY ? { isTTY: options.isTTY } : {}),
      })
      return { code, stdout, stderr, asked }
    },
    async migrationFiles(app = 'blog') {
      try {
        return (await readdir(file(`src/${app}/migrations`))).sort()
      } catch {
        return []
      }
    },
    remove: () => rm(root, { recursive: true, force: true }),
  }
  created.push(p)
  return p
}

/** Removes every project created so far (call from afterEach). */
export async function removeProjects(): Promise<void> {
  await Promise.all(created.splice(0).map((p) => p.remove()))
}

/**
 * Tables as a migration made them: without the runner's bookkeeping beside its history table (the
 * lock and the progress of a run), which come and go with the runner's version, not the migrations.
 */
export const madeByMigrations = (tables: readonly string[]): string[] =>
  tables.filter((t) => t !== LOCK_TABLE && t !== PROGRESS_TABLE)

/** An initialised, empty data directory in `dir`, as the first use of the embedded database leaves it (saves initdb). */
export async function seedEmbeddedDatabase(dir: string): Promise<void> {
  const memory = await freshPglite()
  const seed = await memory.dumpDataDir('none')
  await memory.close()
  await mkdir(path.dirname(dir), { recursive: true })
  await (await PGlite.create(dir, { loadDataDir: seed })).close()
}

/** The tables of the embedded database in `dir`, opened the way the product opens it (lock included). */
export async function embeddedTables(dir: string): Promise<string[]> {
  const handle = await openEmbeddedDatabase(dir)
  try {
    const { rows } = await handle.db.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by 1",
    )
    return madeByMigrations(rows.map((r) => r.table_name))
  } finally {
    await handle.release()
  }
}

/** A migration of app blog whose forwards() throws: broken history. */
export const THROWING_MIGRATION = `import { MigrationManager } from 'unplugin-auto-migrations'

export const ID = '2026-01-01T00:00:00:000000'
export const DESCRIPTION = ''

export async function forwards() {
  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })
  throw new Error('backfill exploded')
  return manager
}
`

export const MIGRATION_FILE = /^blog_\d{4}_\d{2}_\d{2}T\d{2}_\d{2}_\d{2}_\d{6}\.ts$/

const databases: PgTestDatabase[] = []

/** A new database on the Postgres server, dropped by removeDatabases(). */
export async function freshDatabase(): Promise<string> {
  const database = await withPgDatabase()
  databases.push(database)
  return database.url
}

export async function removeDatabases(): Promise<void> {
  await Promise.all(databases.splice(0).map((d) => d.cleanup()))
}

/** Runs `sql` (one or more statements) on a database of the Postgres server. */
export async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** The schema as `pg_dump -s` prints it, without comments and the per-run `\restrict` key. */
export async function dump(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)('pg_dump', ['-s', '--no-owner', '--no-privileges', '-d', url])
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--') && !/^\\(un)?restrict /.test(line))
    .join('\n')
}
