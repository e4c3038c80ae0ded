import { writeFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { RegisteredApp } from '../../../src/model/registry.js'
import {
  LoaderCache,
  listMigrationFiles,
  loadMigrationFiles,
  loadProject,
  runForwards,
} from '../../../src/build/loader/index.js'
import { rejection } from './errors.js'
import { type FixtureProject, fixtureProject } from './fixture.js'

let project: FixtureProject
beforeEach(async () => {
  project = await fixtureProject('loader-two-apps')
})
afterEach(async () => {
  expect(await project.leftovers()).toEqual([])
  await project.remove()
})

/** The blog app as the loader would register it, without loading the project each time. */
function blogApp(migrationsDir = 'src/blog/migrations'): RegisteredApp {
  return {
    kind: 'app',
    name: 'blog',
    tables: [],
    migrationsDir: './migrations',
    dependencies: [],
    file: project.file('src/blog/app.ts'),
    migrationsPath: project.file(migrationsDir),
  }
}

function migration(id: string, body = "return { operations: ['x'] }", extra = ''): string {
  return `export const ID = '${id}'\n${extra}\nexport async function forwards() {\n  ${body}\n}\n`
}

describe('loadMigrationFiles', () => {
  test('loads a folder of three migrations, sorted by their exported ID (not by file name)', async () => {
    const loaded = await loadProject({ root: project.root })
    const migrations = await loadMigrationFiles(loaded.registry.get('blog')!)
    expect(migrations.map((m) => [m.id, m.description, m.file])).toEqual([
      ['2026-01-01T00:00:00:000000', 'first', project.file('src/blog/migrations/blog_b.mjs')],
      ['2026-02-01T00:00:00:000000', '', project.file('src/blog/migrations/blog_c.ts')],
      ['2026-03-01T00:00:00:000000', 'third', project.file('src/blog/migrations/blog_a.ts')],
    ])
    expect(migrations.every((m) => m.app === 'blog')).toBe(true)
    expect(await runForwards(migrations[0]!)).toEqual({ operations: ['first'] })
  })

  test("a migration's import.meta.url is its own file (it reads the SQL next to it)", async () => {
    const [, second] = await loadMigrationFiles(blogApp())
    expect(await runForwards(second!)).toEqual({ operations: ['select 2'] })
  })

  test('a helper that a migration imports also gets its own import.meta.url', async () => {
    await project.write(
      'src/blog/migrations/_sql.ts',
      "import { readFileSync } from 'node:fs'\nexport const sql = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8').trim()\n",
    )
    await project.write(
      'src/blog/migrations/blog_d.ts',
      migration(
        '2026-04-01T00:00:00:000000',
        "return { operations: [sql('./_second.sql')] }",
        "import { sql } from './_sql.js'",
      ),
    )
    const migrations = await loadMigrationFiles(blogApp())
    expect(await runForwards(migrations.at(-1)!)).toEqual({ operations: ['select 2'] })
  })

  test('ignores declaration files, _helpers, dot files, .tmp files, other extensions and folders', async () => {
    const dir = 'src/blog/migrations'
    await project.write(`${dir}/types.d.ts`, 'export declare const ID: string\n')
    await project.write(`${dir}/_helpers.ts`, "throw new Error('not a migration')\n")
    await project.write(`${dir}/.blog_x.ts`, "throw new Error('hidden')\n")
    await project.write(`${dir}/blog_y.ts.tmp`, "throw new Error('being written')\n")
    await project.write(`${dir}/README.md`, '# notes\n')
    await project.write(`${dir}/old/blog_z.ts`, "throw new Error('in a folder')\n")
    expect(await listMigrationFiles(project.file(dir))).toEqual(
      ['blog_a.ts', 'blog_b.mjs', 'blog_c.ts'].map((f) => project.file(`${dir}/${f}`)),
    )
    expect(await loadMigrationFiles(blogApp())).toHaveLength(3)
  })

  test('a missing folder, or an app not loaded from disk, has no migrations', async () => {
    expect(await loadMigrationFiles(blogApp('src/blog/nothing-here'))).toEqual([])
    expect(await loadMigrationFiles({ ...blogApp(), migrationsPath: undefined })).toEqual([])
  })

  test('editing a migration and reloading sees the edit, with or without a cache', async () => {
    const cache = new LoaderCache()
    const file = 'src/blog/migrations/blog_a.ts'
    const before = await loadMigrationFiles(blogApp(), { cache })
    expect(before.at(-1)?.description).toBe('third')
    const again = await loadMigrationFiles(blogApp(), { cache })
    // Unchanged files were not evaluated again: the very same functions come back.
    expect(again.at(-1)?.forwards).toBe(before.at(-1)?.forwards)

    await project.write(
      file,
      migration('2026-03-01T00:00:00:000000', 'return 3', "export const DESCRIPTION = 'edited'"),
    )
    expect((await loadMigrationFiles(blogApp())).at(-1)?.description).toBe('edited')
    expect((await loadMigrationFiles(blogApp(), { cache })).at(-1)?.description).toBe('edited')

    await project.write('src/blog/migrations/blog_d.ts', migration('2026-04-01T00:00:00:000000'))
    expect((await loadMigrationFiles(blogApp(), { cache })).map((m) => m.id.slice(0, 7))).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
    ])
  })

  test('2,000 migration files load in one build, sorted by ID', async () => {
    const count = 2000
    const dir = project.file('src/shop/migrations')
    await project.write('src/shop/migrations/.keep', '')
    // IDs run against file-name order, so the result order must come from the IDs.
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const n = String(count - i).padStart(6, '0')
        const id = `2026-05-01T00:00:00:${n}`
        return writeFile(`${dir}/shop_${String(i).padStart(4, '0')}.ts`, migration(id, `return ${count - i}`))
      }),
    )
    const app: RegisteredApp = { ...blogApp(), name: 'shop', migrationsPath: dir }
    const cache = new LoaderCache()
    const t0 = performance.now()
    const migrations = await loadMigrationFiles(app, { cache })
    const t1 = performance.now()
    const cached = await loadMigrationFiles(app, { cache })
    const t2 = performance.now()
    console.log(
      `loadMigrationFiles: ${count} files in ${(t1 - t0).toFixed(0)} ms (one build), ` +
        `unchanged reload with a cache ${(t2 - t1).toFixed(0)} ms`,
    )
    expect(migrations).toHaveLength(count)
    expect(cached).toHaveLength(count)
    expect(migrations.map((m) => m.id)).toEqual([...migrations.map((m) => m.id)].sort())
    expect(migrations[0]!.id).toBe('2026-05-01T00:00:00:000001')
    expect(migrations[0]!.file).toBe(`${dir}/shop_1999.ts`)
    expect(await runForwards(migrations[0]!)).toBe(1)
    expect(await runForwards(migrations[count - 1]!)).toBe(count)
  })
})

describe('runForwards', () => {
  test('a throw in forwards() becomes MIGRATION_FORWARDS_THREW naming the file and line, the app and the ID', async () => {
    const file = 'src/blog/migrations/blog_a.ts'
    await project.write(file, migration('2026-03-01T00:00:00:000000', "throw new TypeError('bad op')"))
    const migrations = await loadMigrationFiles(blogApp())
    const third = migrations.at(-1)!
    const error = await rejection(runForwards(third))
    expect(error.code).toBe('MIGRATION_FORWARDS_THREW')
    expect(error.message).toContain(`${project.file(file)}:4:`)
    expect(error.message).toContain('"blog"')
    expect(error.message).toContain('2026-03-01T00:00:00:000000')
    expect(error.message).toContain('bad op')
    expect(error.cause).toBeInstanceOf(TypeError)
    expect(error.details).toMatchObject({ app: 'blog', migrationId: third.id, file: project.file(file) })
  })
})

describe('loadMigrationFiles errors', () => {
  const dir = 'src/blog/migrations'

  test('no ID: INVALID_MIGRATION naming the file and what is missing', async () => {
    await project.write(`${dir}/blog_x.ts`, 'export async function forwards() {}\n')
    const error = await rejection(loadMigrationFiles(blogApp()))
    expect(error.code).toBe('INVALID_MIGRATION')
    expect(error.message).toContain(project.file(`${dir}/blog_x.ts`))
    expect(error.message).toContain('exports no ID')
  })

  test('a malformed ID: INVALID_MIGRATION showing it', async () => {
    await project.write(`${dir}/blog_x.ts`, migration('2026-01-01 00:00:00'))
    const error = await rejection(loadMigrationFiles(blogApp()))
    expect(error.code).toBe('INVALID_MIGRATION')
    expect(error.message).toContain('"2026-01-01 00:00:00"')
    expect(error.message).toContain(project.file(`${dir}/blog_x.ts`))
  })

  test('an impossible date as ID: INVALID_MIGRATION', async () => {
    await project.write(`${dir}/blog_x.ts`, migration('2026-13-45T00:00:00:000000'))
    expect((await rejection(loadMigrationFiles(blogApp()))).code).toBe('INVALID_MIGRATION')
  })

  test('no forwards and a DESCRIPTION that is not a string: INVALID_MIGRATION listing both', async () => {
    await project.write(
      `${dir}/blog_x.ts`,
      "export const ID = '2026-06-01T00:00:00:000000'\nexport const DESCRIPTION = 5\n",
    )
    const error = await rejection(loadMigrationFiles(blogApp()))
    expect(error.code).toBe('INVALID_MIGRATION')
    expect(error.message).toContain('DESCRIPTION is a number')
    expect(error.message).toContain('no forwards()')
  })

  test('two files with one ID: DUPLICATE_MIGRATION_ID naming both files and the app', async () => {
    await project.write(`${dir}/blog_x.ts`, migration('2026-01-01T00:00:00:000000'))
    const error = await rejection(loadMigrationFiles(blogApp()))
    expect(error.code).toBe('DUPLICATE_MIGRATION_ID')
    expect(error.message).toContain(project.file(`${dir}/blog_b.mjs`))
    expect(error.message).toContain(project.file(`${dir}/blog_x.ts`))
    expect(error.message).toContain('"blog"')
    expect(error.message).toContain('2026-01-01T00:00:00:000000')
  })

  test('a file that does not bundle: MIGRATION_LOAD_FAILED naming the file and line', async () => {
    await project.write(
      `${dir}/blog_x.ts`,
      "export const ID = '2026-06-01T00:00:00:000000'\nexport const x = 1 +* 2\nexport async function forwards() {}\n",
    )
    const error = await rejection(loadMigrationFiles(blogApp()))
    expect(error.code).toBe('MIGRATION_LOAD_FAILED')
    expect(error.message).toContain(`${project.file(`${dir}/blog_x.ts`)}:2:`)
    expect(error.details.file).toBe(project.file(`${dir}/blog_x.ts`))
  })

  test('a migrations "folder" that is a file: MIGRATION_LOAD_FAILED naming it', async () => {
    await project.write('src/blog/not-a-folder', '')
    const error = await rejection(loadMigrationFiles(blogApp('src/blog/not-a-folder')))
    expect(error.code).toBe('MIGRATION_LOAD_FAILED')
    expect(error.message).toContain(project.file('src/blog/not-a-folder'))
  })

  test('a file that throws at top level: MIGRATION_LOAD_FAILED naming the file', async () => {
    await project.write(
      `${dir}/blog_x.ts`,
      migration('2026-06-01T00:00:00:000000', 'return 1', "throw new Error('top')"),
    )
    const error = await rejection(loadMigrationFiles(blogApp()))
    expect(error.code).toBe('MIGRATION_LOAD_FAILED')
    expect(error.message).toContain(`${project.file(`${dir}/blog_x.ts`)}:2:`)
    expect(error.message).toContain('top')
  })
})
