/**
 * The build gate end to end, in all six bundlers (and tsup) through their real APIs, with the real
 * session and runtime: a project with un-migrated tables fails the build with the changes per app,
 * their files and the fix; once `auto-migrations new all --auto` has run, every bundler builds a
 * server bundle that, run by Node against a fresh Postgres database, migrates it and queries it.
 *
 * One project is shared by every bundler (first un-migrated, then migrated by the CLI). Builds run
 * one at a time: Rollup and tsup work in the process's directory.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Project, project, removeProjects } from '../cli/helpers.js'
import { cleanMessages, messageOf } from '../helpers/bundler-messages.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import {
  BUNDLERS,
  buildServer,
  inDirectory,
  publicColumns,
  queryPg,
  runBundle,
  type ServerBuild,
} from './e2e-harness.js'

let app: Project
const databases: PgTestDatabase[] = []

beforeAll(async () => {
  app = await project('plugin-e2e')
})

afterAll(async () => {
  await Promise.all(databases.splice(0).map((database) => database.cleanup()))
  await removeProjects()
})

async function freshDatabase(): Promise<string> {
  const database = await withPgDatabase()
  databases.push(database)
  return database.url
}

/** tsup's JS API with the esbuild entry, as the README shows; tsup reads the project from the working directory. */
async function buildWithTsup(outDir: string): Promise<ServerBuild> {
  const [{ build }, { default: AutoMigrations }] = await Promise.all([
    import('tsup'),
    import('unplugin-auto-migrations/esbuild'),
  ])
  const errors: string[] = []
  // tsup says "Build failed" on the console besides; the messages are read from the failure.
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    await inDirectory(app.root, () =>
      build({
        entry: { entry: path.join(app.root, 'main.mjs') },
        format: ['esm'],
        platform: 'node',
        target: 'node20',
        outDir,
        outExtension: () => ({ js: '.mjs' }),
        // No tsup.config.* of the project's: everything is said here.
        config: false,
        silent: true,
        // tsup prints esbuild's errors itself; the test reads them from the failure.
        esbuildOptions: (options) => {
          options.logLevel = 'silent'
        },
        esbuildPlugins: [AutoMigrations()],
      }),
    )
  } catch (error) {
    const failure = error as { errors?: { text: string }[] }
    errors.push(...(failure.errors?.map((message) => message.text) ?? [messageOf(error)]))
  } finally {
    quiet.mockRestore()
  }
  const cleanErrors = cleanMessages(errors)
  return { ok: cleanErrors.length === 0, errors: cleanErrors, warnings: [], outFile: path.join(outDir, 'entry.mjs') }
}

const UNMIGRATED = `2 un-migrated changes in 2 apps; the commands below write their migrations:

auth:
  - add table User (id, email)  (src/auth/tables.ts)
  fix: npx auto-migrations new auth --auto

blog:
  - add table Post (id, title, body, author)  (src/blog/tables.ts)
  fix: npx auto-migrations new blog --auto`

const TARGETS = [...BUNDLERS, 'tsup'] as const
type Target = (typeof TARGETS)[number]

function build(target: Target): Promise<ServerBuild> {
  const outDir = path.join(app.root, 'dist', target)
  if (target === 'tsup') return buildWithTsup(outDir)
  return buildServer(target, { root: app.root, entry: 'main.mjs', outDir })
}

describe('an un-migrated project', () => {
  it.each(TARGETS)('%s: the build fails, listing each change per app with its file and the fix', async (target) => {
    const outcome = await build(target)
    expect(outcome.ok).toBe(false)
    const message = outcome.errors.join('\n')
    expect(message).toContain(UNMIGRATED)
    // Said once, whatever each bundler does with an error.
    expect(message.match(/un-migrated/g)).toHaveLength(1)
    // A build checks; it never writes a migration.
    expect(await app.migrationFiles('auth')).toEqual([])
    expect(await app.migrationFiles('blog')).toEqual([])
  })
})

describe('once `auto-migrations new all --auto` has run', () => {
  let ids: { app: string; id: string }[] = []

  beforeAll(async () => {
    const result = await app.run(['new', 'all', '--auto'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    ids = []
    for (const name of ['auth', 'blog']) {
      for (const file of await app.migrationFiles(name)) {
        const id = /export const ID = '([^']+)'/.exec(await app.read(`src/${name}/migrations/${file}`))?.[1]
        ids.push({ app: name, id: id ?? file })
      }
    }
    expect(ids).toHaveLength(2)
  })

  it.each(TARGETS)(
    '%s: the build passes, and its bundle migrates a fresh database, then queries it',
    async (target) => {
      const outcome = await build(target)
      expect(outcome.errors).toEqual([])
      expect(outcome.warnings).toEqual([])
      const code = await readFile(outcome.outFile, 'utf8')
      // The migrations are in the bundle (no file is read at run time); the packages are not.
      for (const { id } of ids) expect(code).toContain(id)
      expect(code).not.toMatch(/\bfrom\s*["'][^"']*\/migrations\//)
      expect(code).toMatch(/from\s*["']unplugin-auto-migrations\/runtime["']/)
      // Nothing else next to it (Vite would copy PGlite's assets if it had bundled the package).
      expect(await readdir(path.dirname(outcome.outFile))).toEqual(['entry.mjs'])

      const url = await freshDatabase()
      expect(await runBundle(outcome.outFile, { DATABASE_URL: url })).toEqual({
        migrations: ids,
        applied: ids,
        rows: [{ title: 'Hello', email: 'ada@example.com' }],
      })
      expect(await publicColumns(url)).toEqual([
        'post.author',
        'post.body',
        'post.id',
        'post.title',
        'user.email',
        'user.id',
      ])
      const foreignKeys = await queryPg(
        url,
        `SELECT conname, confrelid::regclass::text AS target, confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid = 'post'::regclass`,
      )
      expect(foreignKeys).toEqual([{ conname: 'post_author_fkey', target: '"user"', confdeltype: 'c' }])
      const history = await queryPg<{ app: string; migration_id: string }>(
        url,
        'SELECT app, migration_id FROM auto_migrations ORDER BY id',
      )
      expect(history.map((row) => ({ app: row.app, id: row.migration_id }))).toEqual(ids)
    },
  )

  it.each(['webpack', 'rspack'] as const)(
    '%s: CommonJS output, packages required, runs too (Node 20.19+ requires ES modules)',
    async (bundler) => {
      const outcome = await buildServer(bundler, {
        root: app.root,
        entry: 'main.mjs',
        outDir: path.join(app.root, 'dist', `${bundler}-cjs`),
        commonjs: true,
      })
      expect(outcome.errors).toEqual([])
      expect(await readFile(outcome.outFile, 'utf8')).toContain('require("unplugin-auto-migrations/runtime")')
      const url = await freshDatabase()
      expect(await runBundle(outcome.outFile, { DATABASE_URL: url })).toMatchObject({
        applied: ids,
        rows: [{ title: 'Hello', email: 'ada@example.com' }],
      })
    },
  )

  describe('with an `external` setting that also matches virtual:auto-migrations', () => {
    // A common way to say "every package": it matches `virtual:auto-migrations` too.
    const naive = (id: string) => !id.startsWith('.') && !path.isAbsolute(id)

    it.each([
      ['rollup', 'function'],
      ['rolldown', 'function'],
      ['rollup', 'pattern'],
      ['rolldown', 'pattern'],
    ] as const)('%s (a %s): the plugin keeps its module in the bundle', async (bundler, kind) => {
      const external = kind === 'function' ? naive : /^[^./]/
      const outDir = path.join(app.root, 'dist', `${bundler}-${kind}`)
      const outcome = await buildServer(bundler, { root: app.root, entry: 'main.mjs', outDir, external })
      expect(outcome.errors).toEqual([])
      expect(await readFile(outcome.outFile, 'utf8')).not.toMatch(/(?:from|import)\s*["']virtual:/)
      const url = await freshDatabase()
      expect(await runBundle(outcome.outFile, { DATABASE_URL: url })).toMatchObject({ applied: ids })
    })

    it.each(['webpack', 'rspack'] as const)('%s: the build fails and says how to write externals', async (bundler) => {
      const outcome = await buildServer(bundler, {
        root: app.root,
        entry: 'main.mjs',
        outDir: path.join(app.root, 'dist', `${bundler}-naive`),
        external: naive,
      })
      expect(outcome.ok).toBe(false)
      const message = outcome.errors.join('\n')
      expect(message).toContain('virtual:auto-migrations was made external by the `externals` setting')
      expect(message).toContain('externals: [({ request }, callback) =>')
    })
  })
})
