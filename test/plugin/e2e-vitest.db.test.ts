/**
 * Vitest serves the project's Vite config to run its tests. The plugin stands still there: the
 * tests can import `virtual:auto-migrations`, but no migration is written, no database is opened,
 * whatever state the tables are in. `runInVitest: true` brings the dev behaviour back.
 * Vitest runs in a child process, on a copy of the fixture, as `npx vitest run` would.
 */
import { execFile } from 'node:child_process'
import { cp } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Project, project, removeProjects, repo } from '../cli/helpers.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { migrationFiles, publicColumns } from './e2e-harness.js'

let app: Project
let database: PgTestDatabase | undefined

beforeAll(async () => {
  app = await project('plugin-e2e')
  await cp(path.join(repo, 'test/fixtures/plugin-e2e-vitest'), app.root, { recursive: true })
  expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
  // A change the dev server would write a migration for.
  await app.edit(
    'src/blog/tables.ts',
    '  body = new Text({ null: true })\n',
    '  body = new Text({ null: true })\n  subtitle = new Varchar({ length: 120, null: true })\n',
  )
})

afterAll(async () => {
  await database?.cleanup()
  await removeProjects()
})

/** `vitest run` in the project, with this process's Vitest variables left out. */
async function runVitest(env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(name)),
  )
  return promisify(execFile)(
    process.execPath,
    [path.join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', app.root],
    {
      cwd: app.root,
      env: { ...clean, ...env },
      timeout: 60_000,
    },
  )
}

function listed(stdout: string): { app: string }[] {
  const line = /MIGRATIONS (.+)/.exec(stdout)?.[1]
  return line === undefined ? [] : (JSON.parse(line) as { app: string }[])
}

it('under Vitest the plugin serves the virtual module and writes nothing', async () => {
  const before = await migrationFiles(app.root, 'blog')
  const { stdout } = await runVitest({})
  expect(stdout).toMatch(/1 passed/)
  expect(listed(stdout).map((migration) => migration.app)).toEqual(['auth', 'blog'])
  expect(await migrationFiles(app.root, 'blog')).toEqual(before)
  // Not even the embedded database was opened.
  expect(existsSync(app.file('.auto-migrations'))).toBe(false)
})

it('with runInVitest: true it writes and applies the migration, as a dev server does', async () => {
  database = await withPgDatabase()
  const before = await migrationFiles(app.root, 'blog')
  const { stdout } = await runVitest({ AM_RUN_IN_VITEST: '1', DATABASE_URL: database.url })
  expect(stdout).toMatch(/1 passed/)
  expect(await migrationFiles(app.root, 'blog')).toHaveLength(before.length + 1)
  expect(await publicColumns(database.url)).toContain('post.subtitle')
})
