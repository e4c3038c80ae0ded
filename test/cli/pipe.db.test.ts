/**
 * The bin writing into a pipe whose reader is gone (`auto-migrations status | head -1`): no EPIPE
 * stack on stderr, and the command still runs to its end and exits with its own code.
 */
import { execFile, spawn } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { type Project, project, removeProjects, repo } from './helpers.js'

const bin = path.join(repo, 'bin/auto-migrations.js')
const databases: PgTestDatabase[] = []

afterEach(async () => {
  await removeProjects()
  await Promise.all(databases.splice(0).map((d) => d.cleanup()))
})

/** cli-blog with three migrations (its tables, then two empty ones), not applied, and a fresh database. */
async function blogWithMigrations(): Promise<{ p: Project; url: string }> {
  const database = await withPgDatabase()
  databases.push(database)
  const p = await project('cli-blog')
  expect((await p.run(['new', 'blog', '--auto'], { now: new Date(Date.UTC(2026, 0, 1)) })).code).toBe(0)
  for (const day of [2, 3])
    expect(
      (await p.run(['new', 'blog', '--desc', `step ${day}`], { now: new Date(Date.UTC(2026, 0, day)) })).code,
    ).toBe(0)
  return { p, url: database.url }
}

/** Runs the bin with its stdout's reader closed before it writes anything: every write meets EPIPE. */
function runIntoClosedPipe(cwd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

const noPipeNoise = (stderr: string) => {
  expect(stderr).not.toMatch(/EPIPE/)
  expect(stderr).not.toMatch(/\n\s+at /)
  expect(stderr).toBe('')
}

describe('the bin with a reader that closes early', () => {
  it('status: quiet, exit code 0', async () => {
    const { p, url } = await blogWithMigrations()
    const result = await runIntoClosedPipe(p.root, ['status', '--database', url])
    noPipeNoise(result.stderr)
    expect(result.code).toBe(0)
  })

  it('forwards: quiet, and every migration applied (the first line meets EPIPE while the second runs: the run goes on)', async () => {
    const { p, url } = await blogWithMigrations()
    const result = await runIntoClosedPipe(p.root, ['forwards', '--database', url])
    noPipeNoise(result.stderr)
    expect(result.code).toBe(0)
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<{ description: string }>(
        'select description from auto_migrations order by id',
      )
      expect(rows.map((r) => r.description)).toEqual([expect.any(String), 'step 2', 'step 3'])
    } finally {
      await client.end()
    }
  })

  it('status | head -1 in a shell prints the first line and nothing on stderr', async () => {
    const { p, url } = await blogWithMigrations()
    const command = `"${process.execPath}" "${bin}" status --database "${url}" | head -1`
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', command], { cwd: p.root })
    expect(stdout).toMatch(/^app\s+migration\s+state/)
    expect(stdout.trim().split('\n')).toHaveLength(1)
    noPipeNoise(stderr)
  })
})
