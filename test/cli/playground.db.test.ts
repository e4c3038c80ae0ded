/**
 * The playground is an npm workspace of this repo with the package linked, so `npx auto-migrations`
 * typed in `playground/` (where the dev server's config lives) runs this repo's bin, and a command
 * the tool prints there works when pasted there. Runs the built dist/ (npm test builds first).
 */
import { execFile } from 'node:child_process'
import { readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { repo } from './helpers.js'

const playground = path.join(repo, 'playground')

interface Shell {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs a command line in `playground/` through a shell, as typed there. npx may not install
 * anything (`npm_config_yes=false`, offline): a command that does not resolve to the linked bin fails.
 * The database is the config's `DATABASE_URL`; the caches stay off so the working tree is left as found.
 */
async function typeInPlayground(line: string, env: Record<string, string> = {}): Promise<Shell> {
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', line], {
      cwd: playground,
      env: {
        ...process.env,
        NO_COLOR: '1',
        AUTO_MIGRATIONS_CACHE: 'off',
        npm_config_yes: 'false',
        npm_config_offline: 'true',
        ...env,
      },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('npx auto-migrations in playground/', () => {
  let db: PgTestDatabase
  beforeAll(async () => {
    db = await withPgDatabase()
  })
  afterAll(async () => {
    await db?.cleanup()
  })

  it("runs this repo's bin through the workspace link", async () => {
    const linked = path.join(repo, 'node_modules/.bin/auto-migrations')
    expect(realpathSync(linked)).toBe(path.join(repo, 'bin/auto-migrations.js'))
    const version = await typeInPlayground('npx auto-migrations --version')
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version)
  })

  it('the command status prints there applies the migrations when pasted there', async () => {
    const env = { DATABASE_URL: db.url }
    const before = await typeInPlayground('npx auto-migrations status', env)
    expect(before.code).toBe(0)
    expect(before.stdout).toMatch(/^auth\s+\S+\s+pending\s/m)
    const printed = before.stdout.match(/^Apply them with: (npx auto-migrations .*)$/m)?.[1]
    expect(printed).toBe('npx auto-migrations forwards')

    const applied = await typeInPlayground(printed!, env)
    expect(applied.code).toBe(0)
    expect(applied.stdout).toMatch(/^applied auth \S+ initial schema/m)
    expect(applied.stdout).toMatch(/^applied blog \S+ initial schema/m)

    const after = await typeInPlayground('npx auto-migrations status --json', env)
    expect(after.code).toBe(0)
    const rows = JSON.parse(after.stdout) as { app: string; state: string }[]
    expect(rows.map((r) => `${r.app} ${r.state}`)).toEqual(['auth ran', 'blog ran'])
  })

  it('check and the fix the dev server prints run there, on the config the dev server uses', async () => {
    const checked = await typeInPlayground('npx auto-migrations check --json')
    const report = JSON.parse(checked.stdout) as { ok: boolean; apps: Record<string, unknown> }
    expect(report).toMatchObject({ ok: true, apps: {} })
    expect(checked.code).toBe(0)
    // Only once the check above found nothing to write: the fix then writes nothing either.
    const fixed = await typeInPlayground('npx auto-migrations new blog --auto')
    expect(fixed.stdout).toContain('No changes in blog')
    expect(fixed.code).toBe(0)
  })
})
