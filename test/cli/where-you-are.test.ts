/**
 * A CLI that fits where you are (SPEC §3): the config is found by walking up from the working
 * directory, the project root is the config's folder, and the embedded database lives next to the
 * config whatever the working directory. `--version` prints the package's version.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { embeddedDatabaseRefs } from '../../src/runtime/engines/pglite.js'
import { embeddedTables, project, removeProjects, repo, seedEmbeddedDatabase } from './helpers.js'

const outside: string[] = []
afterEach(async () => {
  await removeProjects()
  await Promise.all(outside.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A folder outside any project (no config in it or above it). */
async function outsideFolder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-outside-'))
  outside.push(dir)
  return dir
}

const ID1 = '2026-01-01T00:00:00:000000'

describe('the config is found by walking up from the working directory', () => {
  it('a command run from a subfolder uses the project whose config is above it', async () => {
    const p = await project('cli-blog')
    const written = await p.run(['new', 'blog', '--auto'], { cwd: 'src/blog', now: new Date('2026-01-01T00:00:00Z') })
    expect(written.stderr).toBe('')
    expect(written.code).toBe(0)
    expect(await p.migrationFiles('blog')).toEqual(['blog_2026_01_01T00_00_00_000000.ts'])
    // Paths are shown relative to the project root, the config's folder.
    expect(written.stdout).toContain('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts')

    const checked = await p.run(['check'], { cwd: 'src/blog/migrations' })
    expect(checked.stderr).toBe('')
    expect(checked.code).toBe(0)
    const status = await p.run(['status'], { cwd: 'src' })
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`^blog\\s+${ID1}\\s+pending\\s`, 'm'))
    // Read-only: the embedded database of the project was not created, here or in the subfolder.
    expect(existsSync(p.file('.auto-migrations'))).toBe(false)
    expect(existsSync(p.file('src/.auto-migrations'))).toBe(false)
  })

  it('app new from a subfolder scaffolds in the project root and registers in its config', async () => {
    const p = await project('cli-blog')
    const created = await p.run(['app', 'new', 'shop'], { cwd: 'src/blog' })
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(existsSync(p.file('src/shop/app.ts'))).toBe(true)
    expect(existsSync(p.file('src/blog/src'))).toBe(false)
    expect(await p.read('migrations.config.ts')).toContain("'./src/shop/app.ts'")
    expect(existsSync(p.file('src/blog/migrations.config.ts'))).toBe(false)
  })

  it('the nearest config wins, and --config wins over the walk', async () => {
    const p = await project('cli-blog')
    // A second project inside the first: from inside it, its own config is the nearest.
    await p.write(
      'nested/migrations.config.ts',
      "import { defineConfig } from 'unplugin-auto-migrations'\nexport default defineConfig({ apps: ['./nope/app.ts'] })\n",
    )
    const nested = await p.run(['check'], { cwd: 'nested' })
    expect(nested.code).toBe(1)
    expect(nested.stderr).toContain('error [APP_MISSING]')
    const explicit = await p.run(['check', '--config', '../migrations.config.ts'], { cwd: 'nested' })
    // The outer project: its blog app has tables and no migration yet.
    expect(explicit.code).toBe(1)
    expect(explicit.stdout).toContain('blog')
    expect(explicit.stderr).not.toContain('APP_MISSING')
  })

  it('no config in the working directory or above: CONFIG_NOT_FOUND says where it looked and what to create', async () => {
    const dir = await outsideFolder()
    const p = await project(null)
    for (const cwd of [dir, p.root]) {
      const result = await p.run(['status'], { cwd })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `error [CONFIG_NOT_FOUND]: No migrations.config.ts (or .mts, .js, .mjs) in ${cwd} or any folder above it.`,
      )
      expect(result.stderr).toContain('defineConfig({ apps: [...] })')
      expect(result.stderr).toContain('npx auto-migrations app new <name>')
    }
    // --help needs no project.
    expect((await p.run(['status', '--help'], { cwd: dir })).code).toBe(0)
  })
})

describe('the embedded database lives next to the config', () => {
  it('run from outside the project with --config: created in <config dir>/.auto-migrations/db, not in the working directory', async () => {
    const p = await project('cli-blog')
    const cwd = await outsideFolder()
    const config = path.relative(cwd, p.file('migrations.config.ts'))
    const now = new Date('2026-01-01T00:00:00Z')
    expect((await p.run(['new', 'blog', '--auto', '--config', config], { cwd, now })).code).toBe(0)
    expect(await p.migrationFiles('blog')).toEqual(['blog_2026_01_01T00_00_00_000000.ts'])
    expect(existsSync(path.join(cwd, 'src'))).toBe(false)

    // Not seeded: this run creates it (from the cached image, or initdb) and says so on a terminal.
    const dir = p.file('.auto-migrations/db')
    expect(existsSync(dir)).toBe(false)

    const run = await p.run(['forwards', '--config', config], { cwd, isTTY: { stderr: true } })
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe(`Creating the embedded database in ${realpathSync(path.dirname(dir))}/db (first use)…`)
    expect(lines[1]).toMatch(
      /^Created the embedded database in \d+\.\d s \((from the cached image|initialised; .*)\)\.$/,
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^applied blog ${ID1} `, 'm'))
    expect(existsSync(path.join(cwd, '.auto-migrations'))).toBe(false)
    expect(embeddedDatabaseRefs(dir)).toBe(0)
    expect(await embeddedTables(dir)).toEqual(['author', 'auto_migrations', 'post'])
  })

  it("a relative { pglite: dir } in the config is the config folder's; --database pglite:DIR is the working directory's", async () => {
    const p = await project('cli-blog')
    await p.edit(
      'migrations.config.ts',
      "apps: ['./src/blog/app.ts'],",
      "apps: ['./src/blog/app.ts'], database: { pglite: './data/db' },",
    )
    expect((await p.run(['new', 'blog', '--auto'], { now: new Date('2026-01-01T00:00:00Z') })).code).toBe(0)
    const dir = p.file('data/db')
    await seedEmbeddedDatabase(dir)
    const run = await p.run(['forwards'], { cwd: 'src/blog' })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^applied blog ${ID1} `, 'm'))
    expect(existsSync(p.file('src/blog/data'))).toBe(false)
    expect(embeddedDatabaseRefs(dir)).toBe(0)

    // A copy in src/copy-db, where ID1 ran: typed from src, `pglite:copy-db` is that one.
    await cp(dir, p.file('src/copy-db'), { recursive: true })
    const status = await p.run(['status', '--database', 'pglite:copy-db'], { cwd: 'src' })
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`^blog\\s+${ID1}\\s+ran\\s`, 'm'))
    expect(embeddedDatabaseRefs(p.file('src/copy-db'))).toBe(0)
  })
})

describe('--version', () => {
  const { version } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }

  it('--version and -v print the package version and exit 0, with or without a command and a project', async () => {
    const dir = await outsideFolder()
    const p = await project(null)
    for (const argv of [['--version'], ['-v'], ['status', '--version'], ['--version', '--config', 'nope.ts']]) {
      const result = await p.run(argv, { cwd: dir })
      expect({ argv, code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
        argv,
        code: 0,
        stdout: `${version}\n`,
        stderr: '',
      })
    }
  })
})
