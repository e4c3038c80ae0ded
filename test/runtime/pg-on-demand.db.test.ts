/**
 * `pg` is loaded only for a Postgres database: a command on the embedded database does not pay for
 * importing the driver (openEngine imports the Postgres engine when it opens one).
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { project, removeProjects, repo } from '../cli/helpers.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'

const reporter = path.join(repo, 'test/fixtures/loaded-modules/report-pg.cjs')

/** Runs the built CLI with the reporter preloaded; true when a file of `pg` was loaded. */
async function loadsPg(cwd: string, args: string[]): Promise<{ code: number; pg: boolean; stdout: string }> {
  const run = promisify(execFile)(
    process.execPath,
    ['--require', reporter, path.join(repo, 'bin/auto-migrations.js'), ...args],
    {
      cwd,
      env: { ...process.env, NO_COLOR: '1', AUTO_MIGRATIONS_CACHE: 'off' },
    },
  )
  const { stdout, stderr, code } = await run.then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  )
  const line = stderr.split('\n').find((l) => l.startsWith('@@pg-loaded '))
  if (!line) throw new Error(`no report from the CLI run: ${stderr}`)
  return { code, pg: line === '@@pg-loaded true', stdout }
}

describe('the Postgres driver is loaded on demand', () => {
  let db: PgTestDatabase
  beforeAll(async () => {
    db = await withPgDatabase()
  })
  afterAll(async () => {
    await db?.cleanup()
  })
  afterEach(removeProjects)

  it('status on the embedded database never loads pg; on a Postgres URL it does', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)

    const embedded = await loadsPg(p.root, ['status'])
    expect(embedded.stdout).toMatch(/^blog\s+\S+\s+pending\s/m)
    expect(embedded.code).toBe(0)
    expect(embedded.pg).toBe(false)

    const server = await loadsPg(p.root, ['status', '--database', db.url])
    expect(server.stdout).toMatch(/^blog\s+\S+\s+pending\s/m)
    expect(server.pg).toBe(true)
  })
})
