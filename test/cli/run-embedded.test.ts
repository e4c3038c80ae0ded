/**
 * `forwards`, `backwards` and `status` on the embedded database (PGlite) of a project that configures none,
 * `.auto-migrations/db`: every command lets go of it when it ends (no handle left in the process,
 * no lock file left behind), so the next command, a dev server or this test can open it.
 * (Creating the directory on first use is test/runtime/embedded.test.ts's; here it is seeded from
 * the tests' initialised data directory, which saves initdb: up to 10 s on a busy machine.)
 */
import { existsSync } from 'node:fs'
import { cp } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { embeddedDatabaseRefs } from '../../src/runtime/engines/pglite.js'
import { embeddedTables, project, removeProjects, seedEmbeddedDatabase } from './helpers.js'

afterEach(removeProjects)

const ID1 = '2026-01-01T00:00:00:000000'
const ID2 = '2026-01-02T00:00:00:000000'

const BAD_MIGRATION = `import { MigrationManager } from 'unplugin-auto-migrations'

export const ID = '${ID2}'
export const DESCRIPTION = 'backfill'

export async function forwards() {
  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })
  manager.sql('SELECT * FROM nope')
  return manager
}
`

describe('forwards, backwards and status on the embedded database', () => {
  it('forwards creates .auto-migrations/db and the tables; status, a failing migration and backwards work on it; each command releases it', async () => {
    const p = await project('cli-blog')
    const dir = p.file('.auto-migrations/db')
    const released = () => {
      expect(embeddedDatabaseRefs(dir)).toBe(0)
      expect(existsSync(`${dir}.lock`)).toBe(false)
    }
    expect((await p.run(['new', 'blog', '--auto'], { now: new Date('2026-01-01T00:00:00Z') })).code).toBe(0)
    await seedEmbeddedDatabase(dir)

    const run = await p.run(['forwards'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^applied blog ${ID1} .+ \\(\\d+ ms\\)$`, 'm'))
    released()
    expect(await embeddedTables(dir)).toEqual(['author', 'auto_migrations', 'post'])
    // A second embedded database, as it is now, for --database pglite:DIR below.
    await cp(dir, p.file('.other-db'), { recursive: true })

    const status = await p.run(['status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`^blog\\s+${ID1}\\s+ran\\s`, 'm'))
    released()

    await p.write('src/blog/migrations/blog_2026_01_02T00_00_00_000000.ts', BAD_MIGRATION)
    const failed = await p.run(['forwards'])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(
      /^error \[MIGRATION_FAILED\]: Migration blog 2026-01-02T00:00:00:000000 \(.*blog_2026_01_02T00_00_00_000000\.ts\) failed forwards/,
    )
    expect(failed.stderr).toContain('[42P01]\nSQL: SELECT * FROM nope\n')
    released()
    expect((await p.run(['status'])).stdout).toMatch(new RegExp(`^blog\\s+${ID2}\\s+pending\\s`, 'm'))

    const back = await p.run(['backwards', 'blog', '--yes'])
    expect(back.code).toBe(0)
    expect(back.stdout).toContain(`reversed blog ${ID1} `)
    released()
    expect(await embeddedTables(dir)).toEqual(['auto_migrations'])

    // --database pglite:DIR is another embedded database, relative to the working directory (the
    // project here): there ID1 still ran.
    const other = await p.run(['status', '--database', 'pglite:.other-db'])
    expect(other.code).toBe(0)
    expect(other.stdout).toMatch(new RegExp(`^blog\\s+${ID1}\\s+ran\\s`, 'm'))
    expect(embeddedDatabaseRefs(p.file('.other-db'))).toBe(0)
  })
})

describe('status on a project whose embedded database was never created', () => {
  it('lists every migration as pending and creates no database', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'], { now: new Date('2026-01-01T00:00:00Z') })).code).toBe(0)
    for (const argv of [['status'], ['status', '--database', 'pglite:.elsewhere']]) {
      const status = await p.run(argv)
      expect(status.code).toBe(0)
      expect(status.stdout).toMatch(new RegExp(`^blog\\s+${ID1}\\s+pending\\s`, 'm'))
    }
    expect(existsSync(p.file('.auto-migrations/db'))).toBe(false)
    expect(existsSync(p.file('.elsewhere'))).toBe(false)
  })
})
