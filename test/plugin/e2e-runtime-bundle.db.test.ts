/**
 * What `virtual:auto-migrations` puts in a server bundle when the package's own code is bundled in
 * (only Node builtins and the database drivers stay external): the runner, the migrations and the
 * operations they record, and nothing of the build (no esbuild, loader, differ, writer, plugin or
 * bundler code). Read from the bundle's metafile back to this repository's sources through dist's
 * source maps, so a chunking change that drags build-time code into the runtime shows here.
 */
import { mkdir, readFile, realpath, symlink } from 'node:fs/promises'
import path from 'node:path'
import * as esbuild from 'esbuild'
import AutoMigrations from 'unplugin-auto-migrations/esbuild'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Project, project, removeProjects, repo } from '../cli/helpers.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import { publicColumns, runBundle } from './e2e-harness.js'

let app: Project
let database: PgTestDatabase | undefined

beforeAll(async () => {
  app = await project('plugin-e2e')
  expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
  // The drivers the bundle leaves external, where npm would put them: next to the package.
  await mkdir(app.file('node_modules/@electric-sql'), { recursive: true })
  await symlink(path.join(repo, 'node_modules/pg'), app.file('node_modules/pg'), 'dir')
  await symlink(
    path.join(repo, 'node_modules/@electric-sql/pglite'),
    app.file('node_modules/@electric-sql/pglite'),
    'dir',
  )
})

afterAll(async () => {
  await database?.cleanup()
  await removeProjects()
})

/** Source folders that only builds and the CLI may use (docs/ARCHITECTURE.md). */
const BUILD_TIME = [
  'src/core/differ/',
  'src/build/',
  'src/plugin/',
  'src/entries/',
  'src/cli/',
  'src/model/registry.ts',
]

it('bundles the runner and the migrations, and nothing of the build', async () => {
  const outfile = path.join(app.root, 'dist', 'server.mjs')
  const result = await esbuild.build({
    absWorkingDir: app.root,
    entryPoints: ['main.mjs'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Everything else is bundled, this package included.
    external: ['pg', '@electric-sql/pglite'],
    outfile,
    metafile: true,
    logLevel: 'silent',
    plugins: [AutoMigrations()],
  })
  expect(result.errors).toEqual([])

  const dist = path.join(await realpath(repo), 'dist')
  const inputs = await Promise.all(
    Object.keys(result.metafile.inputs).map(async (input) => {
      // The virtual module's input is named `<namespace>:<id>`; every other one is a file.
      if (input.includes(':')) return input
      return realpath(path.resolve(app.root, input))
    }),
  )
  // No package but this one: not esbuild, unplugin, magic-string…
  expect(inputs.filter((input) => input.includes('node_modules'))).toEqual([])
  const fromDist = inputs.filter((input) => input.startsWith(`${dist}${path.sep}`))
  expect(fromDist.map((file) => path.basename(file))).toEqual(expect.arrayContaining(['runtime.js', 'index.js']))

  // The sources of the dist files that went in, through their source maps.
  const sources = new Set<string>()
  for (const file of fromDist) {
    const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] }
    for (const source of map.sources)
      sources.add(path.relative(repo, path.resolve(path.dirname(file), source)).replace(/\\/g, '/'))
  }
  expect([...sources].filter((source) => BUILD_TIME.some((dir) => source.startsWith(dir)))).toEqual([])
  expect(sources).toContain('src/runtime/runner.ts')

  const code = await readFile(outfile, 'utf8')
  expect(code).not.toMatch(/esbuild/i)
  expect(code).not.toMatch(/unplugin(?!-auto-migrations)/)
  for (const marker of [
    'diffApp',
    'bundleAndImport',
    'renderMigration',
    'loadProjectState',
    'createUnplugin',
    'src/core/differ',
    'src/build',
    'magic-string',
  ]) {
    expect(code).not.toContain(marker)
  }

  // And it runs: the bundled runner migrates a fresh database.
  database = await withPgDatabase()
  expect(await runBundle(outfile, { DATABASE_URL: database.url })).toMatchObject({
    rows: [{ title: 'Hello', email: 'ada@example.com' }],
  })
  expect(await publicColumns(database.url)).toContain('post.author')
})
