/**
 * The state cache (src/build/project/state-cache.ts) and the bundles kept on disk: a hit gives what
 * a load without caches gives, any change of a migration file is seen, a damaged cache is never
 * trusted, and a session remembers what it writes.
 */
import { readdir, readFile, realpath, rm, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadProjectState } from '../../../src/build/project/project-state.js'
import { stateCacheFile, readStateCache } from '../../../src/build/project/state-cache.js'
import { openProjectSession, type ProjectSession } from '../../../src/build/project/session.js'
import type { CheckResult } from '../../../src/build/project/types.js'
import { type Project, project, removeProjects } from '../../cli/helpers.js'

const sessions: ProjectSession[] = []
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()))
  await removeProjects()
  delete process.env.AUTO_MIGRATIONS_CACHE
})

/** A check in a new session (as a new `auto-migrations check` would do it), with or without caches. */
async function check(p: Project, stateCache = true): Promise<CheckResult> {
  const session = await openProjectSession({ root: p.root, stateCache })
  sessions.push(session)
  return session.check()
}

/** What a check says when nothing is cached, for comparison. */
const cold = (p: Project) => check(p, false)

const cacheDir = (p: Project) => p.file('node_modules/.auto-migrations/cache')
const historyFile = async (p: Project) =>
  stateCacheFile(await realpath(p.root), await realpath(p.file('migrations.config.ts')))

/**
 * A hand-written blog migration that counts how often it is evaluated (global counter): loads of
 * the blog's history evaluate it, cache hits don't. It records nothing.
 */
const COUNTED = `import { MigrationManager } from 'unplugin-auto-migrations'
const counts = globalThis as unknown as { __amEvaluations?: Record<string, number> }
counts.__amEvaluations ??= {}
counts.__amEvaluations[__ROOT__] = (counts.__amEvaluations[__ROOT__] ?? 0) + 1
export const ID = '2099-01-01T00:00:00:000000'
export async function forwards() {
  return new MigrationManager({ migrationId: ID, appName: 'blog' })
}
`
async function addCounted(p: Project): Promise<() => number> {
  await p.write(
    'src/blog/migrations/blog_2099_01_01T00_00_00_000000.ts',
    COUNTED.replaceAll('__ROOT__', JSON.stringify(p.root)),
  )
  return () => (globalThis as unknown as { __amEvaluations?: Record<string, number> }).__amEvaluations?.[p.root] ?? 0
}

/** cli-two-apps with both apps migrated, a counted blog migration, and an un-migrated change. */
async function migratedProject(): Promise<{ p: Project; evaluations: () => number }> {
  const p = await project('cli-two-apps')
  expect((await p.run(['new', 'all', '--auto', '--no-cache'])).code).toBe(0)
  const evaluations = await addCounted(p)
  await p.edit(
    'src/blog/tables.ts',
    'title = new Varchar({ length: 200 })',
    'title = new Varchar({ length: 200 })\n  views = new Varchar({ null: true })',
  )
  return { p, evaluations }
}

describe('state cache', () => {
  it('a hit gives the same result as a load without caches, and loads no migration', async () => {
    const { p, evaluations } = await migratedProject()
    const expected = await cold(p)
    expect(expected.changes.map((c) => c.description)).toEqual(['add column Post.views'])

    const miss = await check(p)
    expect(miss).toEqual(expected)
    const afterMiss = evaluations()
    expect((await readdir(cacheDir(p))).some((name) => name.startsWith('state-'))).toBe(true)

    const hit = await check(p)
    expect(hit).toEqual(expected)
    expect(evaluations()).toBe(afterMiss)
    // The CLI reads the same cache.
    const cli = await p.run(['check'])
    expect(cli.stdout).toContain('add column Post.views')
    expect(evaluations()).toBe(afterMiss)
  })

  it('IDs and files of cached migrations are right: a new migration gets a later ID and the app stays sound', async () => {
    const { p } = await migratedProject()
    await check(p)
    const state = await loadProjectState({ root: p.root })
    const blog = state.apps.find((a) => a.app.name === 'blog')!
    expect(blog.migrations.at(-1)!.id).toBe('2099-01-01T00:00:00:000000')
    expect(blog.migrations.map((m) => path.basename(m.file))).toEqual((await p.migrationFiles('blog')).sort())
    const written = await p.run(['new', 'blog', '--auto'])
    expect(written.code).toBe(0)
    const files = await p.migrationFiles('blog')
    // Later than the 2099 one: the cached IDs were used.
    expect(files.at(-1)! > 'blog_2099_01_01T00_00_00_000000.ts').toBe(true)
    expect(await check(p)).toMatchObject({ ok: true, changes: [], errors: [] })
    expect(await cold(p)).toMatchObject({ ok: true, changes: [], errors: [] })
  })

  it('editing, adding or removing a migration file is seen', async () => {
    const { p, evaluations } = await migratedProject()
    await check(p)
    const [authFile] = await p.migrationFiles('auth')
    const [blogFile] = await p.migrationFiles('blog')

    // Edit (same length, different contents): the blog's first migration makes title 300 long.
    await p.edit(`src/blog/migrations/${blogFile}`, 'length: 200', 'length: 300')
    let before = evaluations()
    expect(await check(p)).toEqual(await cold(p))
    expect((await check(p)).changes.map((c) => c.description)).toContain('alter column Post.title (length)')
    expect(evaluations()).toBeGreaterThan(before)

    // Added: a migration that adds the column the tables have.
    await p.write(
      'src/blog/migrations/blog_2099_02_01T00_00_00_000000.ts',
      "import { MigrationManager } from 'unplugin-auto-migrations'\n\nexport const ID = '2099-02-01T00:00:00:000000'\nexport const DESCRIPTION = ''\n\nexport async function forwards() {\n  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })\n  manager.addColumn({ tableClassName: 'Post', tablename: 'post', columnName: 'views', dbColumnName: 'views', columnClass: 'Varchar', params: { length: 255, default: null, null: true, primaryKey: false, unique: false, index: false } })\n  return manager\n}\n",
    )
    const added = await check(p)
    expect(added).toEqual(await cold(p))
    expect(added.changes.map((c) => c.description)).toEqual(['alter column Post.title (length)'])

    // Removed.
    await rm(p.file('src/blog/migrations/blog_2099_02_01T00_00_00_000000.ts'))
    const removed = await check(p)
    expect(removed).toEqual(await cold(p))
    expect(removed.changes.map((c) => c.description)).toContain('add column Post.views')

    // An app before the blog: the change is seen there, and everything after it is loaded again.
    await p.edit(`src/auth/migrations/${authFile}`, /length: \d+/, 'length: 7')
    before = evaluations()
    const auth = await check(p)
    expect(auth).toEqual(await cold(p))
    expect(auth.changes.some((c) => c.app === 'auth')).toBe(true)
    expect(evaluations()).toBeGreaterThan(before)
  })

  it('an edit that keeps size and mtime is still seen (content hashes, not timestamps)', async () => {
    const { p } = await migratedProject()
    const [blogFile] = await p.migrationFiles('blog')
    const file = p.file(`src/blog/migrations/${blogFile}`)
    // Old enough that a stat would vouch for the hash the cache takes now.
    const old = new Date(Date.now() - 60_000)
    await utimes(file, old, old)
    await check(p)
    const { size } = await stat(file)
    await writeFile(file, (await readFile(file, 'utf8')).replace('length: 200', 'length: 201'))
    await utimes(file, old, old)
    expect((await stat(file)).size).toBe(size)
    const result = await check(p)
    expect(result).toEqual(await cold(p))
    expect(result.changes.map((c) => c.description)).toContain('alter column Post.title (length)')
  })

  it('only the apps from the first changed one are loaded again', async () => {
    const p = await project('cli-two-apps')
    // The counted migration in auth this time: the blog (after it) changes, auth is reused.
    expect((await p.run(['new', 'all', '--auto'])).code).toBe(0)
    await p.write(
      'src/auth/migrations/auth_2099_01_01T00_00_00_000000.ts',
      COUNTED.replaceAll('__ROOT__', JSON.stringify(p.root)).replace("appName: 'blog'", "appName: 'auth'"),
    )
    const evaluations = () =>
      (globalThis as unknown as { __amEvaluations?: Record<string, number> }).__amEvaluations?.[p.root] ?? 0
    await check(p)
    const before = evaluations()
    await p.edit(
      'src/blog/tables.ts',
      'title = new Varchar({ length: 200 })',
      'title = new Varchar({ length: 200 })\n  views = new Varchar({ null: true })',
    )
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    expect(evaluations()).toBe(before)
    expect(await check(p)).toMatchObject({ ok: true, changes: [], errors: [] })
    expect(evaluations()).toBe(before)
    expect(await cold(p)).toMatchObject({ ok: true })
  })

  it('a damaged cache file is ignored and written again, never trusted', async () => {
    const { p } = await migratedProject()
    const expected = await cold(p)
    await check(p)
    const file = await historyFile(p)
    const good = await readFile(file, 'utf8')
    /** The cache as written again: the same but for when its files were hashed. */
    const rewritten = async () => {
      const text = await readFile(file, 'utf8')
      const withoutTimes = (t: string) => t.slice(t.indexOf('\n') + 1).replace(/,\d+\]/g, ']')
      return (
        withoutTimes(text) === withoutTimes(good) &&
        readStateCache(file, await realpath(p.file('migrations.config.ts'))) !== undefined
      )
    }

    // Valid JSON, edited (a table dropped from the cached state): fails its integrity hash.
    const [hash, payload] = [good.slice(0, good.indexOf('\n')), good.slice(good.indexOf('\n') + 1)]
    const edited = JSON.parse(payload)
    edited.state.apps[1].tables = []
    await writeFile(file, `${hash}\n${JSON.stringify(edited)}`)
    expect(await check(p)).toEqual(expected)
    expect(await rewritten()).toBe(true)

    // Truncated, garbage, empty.
    for (const damaged of [good.slice(0, good.length / 2), 'not a cache at all', '']) {
      await writeFile(file, damaged)
      expect(await check(p)).toEqual(expected)
      expect(await rewritten()).toBe(true)
    }
  })

  it('is not used or written with --no-cache or AUTO_MIGRATIONS_CACHE=off', async () => {
    const { p } = await migratedProject()
    expect((await p.run(['check', '--no-cache'])).code).toBe(1)
    process.env.AUTO_MIGRATIONS_CACHE = 'off'
    expect((await p.run(['check'])).code).toBe(1)
    await check(p)
    expect(await readdir(cacheDir(p)).catch(() => [])).toEqual([])
  })

  it('a session remembers the migration it writes: the next check loads nothing', async () => {
    const { p, evaluations } = await migratedProject()
    const session = await openProjectSession({ root: p.root })
    sessions.push(session)
    await session.check()
    const before = evaluations()
    const emitted = await session.emit({ allowDestructive: false, apply: false })
    expect(emitted.written.map((w) => w.app)).toEqual(['blog'])
    expect(await session.check()).toMatchObject({ ok: true, changes: [], errors: [] })
    // Nor does a new process (the cache on disk was updated too).
    expect(await check(p)).toMatchObject({ ok: true, changes: [], errors: [] })
    expect(evaluations()).toBe(before)
    expect(await cold(p)).toMatchObject({ ok: true, changes: [], errors: [] })
  })

  it("what blog's migrations point at in auth is kept by the cache and by a session's memory of what it wrote", async () => {
    const { p, evaluations } = await migratedProject()
    const fromFiles = await loadProjectState({ root: p.root, stateCache: false })
    expect(fromFiles.references.map((r) => r.target)).toEqual([{ app: 'auth', table: 'User', column: 'id' }])
    await loadProjectState({ root: p.root })
    const before = evaluations()
    expect((await loadProjectState({ root: p.root })).references).toEqual(fromFiles.references)
    expect(evaluations()).toBe(before)

    // A session writes a second foreign key into auth, then, in one save, blog lets go of it and
    // auth's model stops keying that column: auth's migration must come after blog's.
    await p.edit(
      'src/blog/tables.ts',
      '  author = new ForeignKey(() => User)',
      "  author = new ForeignKey(() => User)\n  editor = new ForeignKey(() => User, { targetColumn: 'email', null: true })",
    )
    const session = await openProjectSession({ root: p.root })
    sessions.push(session)
    await session.check()
    expect((await session.emit({ allowDestructive: false, apply: false })).written.map((w) => w.app)).toEqual(['blog'])
    await p.edit(
      'src/blog/tables.ts',
      "  editor = new ForeignKey(() => User, { targetColumn: 'email', null: true })",
      '',
    )
    await p.edit('src/auth/tables.ts', 'unique: true', 'unique: false')
    await session.check()
    const emitted = await session.emit({ allowDestructive: true, apply: false })
    const written = emitted.written
    expect(evaluations()).toBe(before)
    const [auth, blog] = ['auth', 'blog'].map((app) => written.find((w) => w.app === app)!)
    expect(await readFile(auth!.file, 'utf8')).toContain(`export const DEPENDS_ON = { blog: '${blog!.id}' }`)
    expect((await cold(p)).changes).toEqual([])
    expect((await cold(p)).errors).toEqual([])
  })
})

describe('bundled config and apps kept on disk', () => {
  it('an edit of a table file is seen', async () => {
    const { p } = await migratedProject()
    await check(p)
    await p.edit('src/blog/tables.ts', 'views = new Varchar({ null: true })', 'views = new Text({ null: true })')
    await p.edit(
      'src/blog/tables.ts',
      'import { ForeignKey, Table, Varchar }',
      'import { ForeignKey, Table, Text, Varchar }',
    )
    const result = await check(p)
    expect(result).toEqual(await cold(p))
    expect(result.changes.map((c) => c.description)).toEqual(['add column Post.views'])
  })

  it('a new file that an import now resolves to is seen (tables.tsx next to tables.ts)', async () => {
    const { p } = await migratedProject()
    await check(p)
    await p.write(
      'src/blog/tables.tsx',
      (await p.read('src/blog/tables.ts')).replace(
        'views = new Varchar({ null: true })',
        'likes = new Varchar({ null: true })',
      ),
    )
    await p.edit('src/blog/app.ts', "from './tables.js'", "from './tables'")
    await check(p)
    await rm(p.file('src/blog/tables.tsx'))
    const before = await check(p)
    expect(before.changes.map((c) => c.description)).toEqual(['add column Post.views'])
    await p.write(
      'src/blog/tables.tsx',
      (await p.read('src/blog/tables.ts')).replace(
        'views = new Varchar({ null: true })',
        'likes = new Varchar({ null: true })',
      ),
    )
    const after = await check(p)
    expect(after).toEqual(await cold(p))
    expect(after.changes.map((c) => c.description)).toEqual(['add column Post.likes'])
  })
})

describe('the last clean check (verdict cache)', () => {
  /** cli-two-apps, migrated and clean; its config counts how often it is evaluated (loads do, verdicts don't). */
  async function cleanProject(): Promise<{ p: Project; configRuns: () => number }> {
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto', '--no-cache'])).code).toBe(0)
    const config = await p.read('migrations.config.ts')
    await p.write(
      'migrations.config.ts',
      `const counts = globalThis as unknown as { __amConfigRuns?: Record<string, number> }\ncounts.__amConfigRuns ??= {}\ncounts.__amConfigRuns[${JSON.stringify(p.root)}] = (counts.__amConfigRuns[${JSON.stringify(p.root)}] ?? 0) + 1\n${config}`,
    )
    const configRuns = () =>
      (globalThis as unknown as { __amConfigRuns?: Record<string, number> }).__amConfigRuns?.[p.root] ?? 0
    return { p, configRuns }
  }
  const verdicts = async (p: Project) =>
    (await readdir(cacheDir(p)).catch(() => [])).filter((name) => name.startsWith('verdict-'))

  it('a clean check is given again without loading anything: same watch files, same migration entries', async () => {
    const { p, configRuns } = await cleanProject()
    const loaded = await check(p)
    expect(loaded).toMatchObject({ ok: true, changes: [], errors: [] })
    expect(loaded.unchanged).toBeUndefined()
    expect(await verdicts(p)).toHaveLength(1)

    const runs = configRuns()
    const session = await openProjectSession({ root: p.root })
    sessions.push(session)
    const again = await session.check()
    expect(again).toEqual({ ...loaded, unchanged: true })
    const entries = await session.migrationEntries()
    expect(configRuns()).toBe(runs)

    // What a session without any cache loads: the same entries.
    const plain = await openProjectSession({ root: p.root, stateCache: false })
    sessions.push(plain)
    expect(await plain.migrationEntries()).toEqual(entries)
    expect(entries.map((e) => e.app)).toEqual(['auth', 'blog'])
    expect(entries[1]!.dependencies).toEqual(['auth'])

    // The CLI says that nothing was loaded; a touched file with the same contents keeps the verdict.
    const before = configRuns()
    const old = new Date(Date.now() - 60_000)
    await utimes(p.file('src/blog/tables.ts'), old, old)
    const cli = await p.run(['check'])
    expect(cli.code).toBe(0)
    expect(cli.stdout).toContain(
      "No changes: every app's migrations match its tables (no file changed since the last check).",
    )
    expect(configRuns()).toBe(before)
  })

  it('any change to the tables or the migrations after a clean check is seen', async () => {
    const { p } = await cleanProject()
    const [blogFile] = await p.migrationFiles('blog')
    const newColumn = 'title = new Varchar({ length: 200 })\n  views = new Varchar({ null: true })'
    const steps: { what: string; change: () => Promise<unknown>; undo: () => Promise<unknown>; expected: string[] }[] =
      [
        {
          what: 'a table edited',
          change: () => p.edit('src/blog/tables.ts', 'title = new Varchar({ length: 200 })', newColumn),
          undo: () => p.edit('src/blog/tables.ts', newColumn, 'title = new Varchar({ length: 200 })'),
          expected: ['add column Post.views'],
        },
        {
          what: 'a migration edited (same size)',
          change: () => p.edit(`src/blog/migrations/${blogFile}`, 'length: 200', 'length: 300'),
          undo: () => p.edit(`src/blog/migrations/${blogFile}`, 'length: 300', 'length: 200'),
          expected: ['alter column Post.title (length)'],
        },
        {
          what: 'a migration removed',
          change: () => rm(p.file(`src/blog/migrations/${blogFile}`)),
          undo: async () => {
            await p.run(['new', 'blog', '--auto'])
          },
          expected: ['add table Post (id, title, author)'],
        },
        {
          what: 'a file an import now resolves to (tables.tsx next to tables.ts)',
          change: async () => {
            await p.edit('src/blog/app.ts', "from './tables.js'", "from './tables'")
            expect(await check(p)).toMatchObject({ ok: true })
            await p.write(
              'src/blog/tables.tsx',
              (await p.read('src/blog/tables.ts')).replace('title = new Varchar({ length: 200 })', newColumn),
            )
          },
          undo: () => rm(p.file('src/blog/tables.tsx')),
          expected: ['add column Post.views'],
        },
      ]
    for (const step of steps) {
      const clean = await check(p)
      expect(clean, `before: ${step.what}`).toMatchObject({ ok: true, changes: [] })
      await step.change()
      const after = await check(p)
      expect(after.ok, step.what).toBe(false)
      expect(after.unchanged, step.what).toBeUndefined()
      expect(
        after.changes.map((c) => c.description),
        step.what,
      ).toEqual(step.expected)
      expect(after).toEqual(await cold(p))
      // A check that is not clean leaves no verdict behind.
      expect(await verdicts(p), step.what).toEqual([])
      await step.undo()
    }
    expect(await check(p)).toMatchObject({ ok: true })
  })

  it('a migration added to a clean project is seen', async () => {
    const { p } = await cleanProject()
    expect(await check(p)).toMatchObject({ ok: true })
    await addCounted(p)
    await p.edit(
      'src/blog/migrations/blog_2099_01_01T00_00_00_000000.ts',
      "appName: 'blog' })",
      "appName: 'blog' }).dropColumn({ tableClassName: 'Post', tablename: 'post', columnName: 'title', dbColumnName: 'title' })",
    )
    const result = await check(p)
    expect(result).toEqual(await cold(p))
    expect(result.changes.map((c) => c.description)).toEqual(['add column Post.title'])
  })

  it('is neither read nor written with --no-cache or AUTO_MIGRATIONS_CACHE=off', async () => {
    const { p, configRuns } = await cleanProject()
    expect((await p.run(['check', '--no-cache'])).code).toBe(0)
    expect(await verdicts(p)).toEqual([])
    await check(p)
    expect(await verdicts(p)).toHaveLength(1)
    const runs = configRuns()
    const cli = await p.run(['check', '--no-cache'])
    expect(cli.stdout).not.toContain('no file changed')
    process.env.AUTO_MIGRATIONS_CACHE = 'off'
    expect((await check(p)).unchanged).toBeUndefined()
    expect(configRuns()).toBe(runs + 2)
  })
})
