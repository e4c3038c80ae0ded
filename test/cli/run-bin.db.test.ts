/**
 * `forwards` as the installed command, in its own process: the exit code is the command's, and the
 * process ends right after its last output. A pool or database left open would keep Node alive (pg
 * keeps idle connections for 10 s), which is what the time between the last output and the exit
 * measures.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { afterEach, describe, expect, it } from 'vitest'
import { freshPglite, type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { hasScript, runInTerminal } from '../helpers/terminal.js'
import { project, removeProjects, repo } from './helpers.js'

const databases: PgTestDatabase[] = []

afterEach(async () => {
  await removeProjects()
  await Promise.all(databases.splice(0).map((d) => d.cleanup()))
})

/**
 * Not a speed check: a leaked pg pool keeps the process alive for its 10 s idle timeout, and a leaked
 * PGlite forever. Anything well under 10 s after the last output means nothing was left open.
 */
const LEAK_MS = 8_000

interface Spawned {
  code: number | null
  stdout: string
  stderr: string
  /** Milliseconds from the last output to the exit. */
  lingered: number
}

/** Runs the bin; kills it (code null) if it is still running after `killAfterMs`. */
function spawnCli(cwd: string, args: string[], killAfterMs = 30_000): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin/auto-migrations.js'), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let lastOutput = Date.now()
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      lastOutput = Date.now()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      lastOutput = Date.now()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('error', reject)
    child.on('exit', (code) => {
      const lingered = Date.now() - lastOutput
      clearTimeout(timer)
      // Let the pipes drain before resolving.
      child.on('close', () => resolve({ code, stdout, stderr, lingered }))
    })
  })
}

describe('auto-migrations forwards as a process', () => {
  it('exits 0 after applying, 1 on a failing migration, and promptly both times (no open handles)', async () => {
    const database = await withPgDatabase()
    databases.push(database)
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)

    const applied = await spawnCli(p.root, ['forwards', '--database', database.url])
    expect(applied.stderr).toBe('')
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(/^applied blog \S+ .+ \(\d+ ms\)$/m)
    expect(applied.lingered).toBeLessThan(LEAK_MS)

    expect((await p.run(['new', 'blog', '--desc', 'broken'])).code).toBe(0)
    const files = await p.migrationFiles()
    await p.edit(
      `src/blog/migrations/${files[1]}`,
      '  return manager',
      "  manager.sql('SELECT * FROM nope')\n  return manager",
    )
    const failed = await spawnCli(p.root, ['forwards', '--database', database.url])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^error \[MIGRATION_FAILED\]: /)
    expect(failed.stderr).toContain(files[1])
    expect(failed.stderr).toContain('[42P01]\nSQL: SELECT * FROM nope\n')
    expect(failed.lingered).toBeLessThan(LEAK_MS)
  })

  it('on the embedded database too', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    // Seeded from the tests' initialised data directory: initdb (10 s on a busy machine) is not the point here.
    const memory = await freshPglite()
    const seed = await memory.dumpDataDir('none')
    await memory.close()
    await mkdir(p.file('.auto-migrations'), { recursive: true })
    await (await PGlite.create(p.file('.auto-migrations/db'), { loadDataDir: seed })).close()

    const applied = await spawnCli(p.root, ['forwards'])
    expect(applied.stderr).toBe('')
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(/^applied blog /m)
    expect(applied.lingered).toBeLessThan(LEAK_MS)
    expect(existsSync(p.file('.auto-migrations/db.lock'))).toBe(false)
  })
})

describe.skipIf(!hasScript)('auto-migrations backwards in a terminal', () => {
  it('lists the migrations, asks, reverses on "y" and exits', async () => {
    const database = await withPgDatabase()
    databases.push(database)
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    expect((await p.run(['forwards', '--database', database.url])).code).toBe(0)

    const result = await runInTerminal(p.root, ['backwards', 'blog', '--database', database.url], 'y')
    expect(result.output).toContain('These migrations of blog will be reversed, newest first')
    expect(result.output).toContain('Reverse 1 migration of blog? (y/N)')
    expect(result.output).toMatch(/reversed blog \S+ /)
    expect(result.code).toBe(0)
    expect((await p.run(['status', '--database', database.url])).stdout).toMatch(/^blog\s+\S+\s+pending\s/m)
  })
})
