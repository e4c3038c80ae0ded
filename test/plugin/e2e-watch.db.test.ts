/**
 * Watch mode end to end, with the plugin from dist and the real session: esbuild's
 * `context().watch()` (told to emit, as the `onDiff` docs say, since esbuild does not tell plugins
 * it is watching) and `rollup.watch()`. Saving tables.ts writes one migration, applies it to the dev
 * database, and the rebuilt bundle contains it; then the watcher goes quiet.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { type Project, project } from '../cli/helpers.js'
import { type PgTestDatabase, withPgDatabase } from '../helpers/databases.js'
import {
  BARE_PACKAGE,
  esbuildServerOptions,
  migrationFiles,
  publicColumns,
  restoreAfterAll,
  until,
} from './e2e-harness.js'

interface Watcher {
  /** Completed builds, with their errors and warnings. */
  builds: { errors: string[]; warnings: string[] }[]
  close(): Promise<void>
}

let app: Project
let database: PgTestDatabase
let watcher: Watcher | undefined
const previousCwd = process.cwd()

beforeEach(async () => {
  app = await project('plugin-e2e')
  expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
  database = await withPgDatabase()
  process.env.DATABASE_URL = database.url
  // Lines the plugin writes for what it wrote (esbuild and Rollup give plugins no logger of theirs here).
  vi.spyOn(console, 'info').mockImplementation(() => {})
})

afterEach(async () => {
  await watcher?.close()
  watcher = undefined
  process.chdir(previousCwd)
  vi.restoreAllMocks()
  await database.cleanup()
})

restoreAfterAll()

async function startEsbuild(outFile: string): Promise<Watcher> {
  const [esbuild, { default: AutoMigrations }] = await Promise.all([
    import('esbuild'),
    import('unplugin-auto-migrations/esbuild'),
  ])
  const builds: Watcher['builds'] = []
  const context = await esbuild.context({
    ...esbuildServerOptions(app.root, 'main.mjs', outFile),
    plugins: [
      AutoMigrations({ onDiff: 'emit', apply: true }),
      {
        name: 'record-builds',
        setup(build) {
          build.onEnd((result) => {
            builds.push({ errors: result.errors.map((m) => m.text), warnings: result.warnings.map((m) => m.text) })
          })
        },
      },
    ],
  })
  await context.watch()
  return { builds, close: () => context.dispose() }
}

async function startRollup(outFile: string): Promise<Watcher> {
  const [{ watch }, { default: AutoMigrations }] = await Promise.all([
    import('rollup'),
    import('unplugin-auto-migrations/rollup'),
  ])
  // Rollup (and the plugin with it) works in the process's directory, as from its CLI.
  process.chdir(app.root)
  const builds: Watcher['builds'] = []
  let warnings: string[] = []
  const watching = watch({
    input: 'main.mjs',
    external: (id) => BARE_PACKAGE.test(id),
    plugins: [AutoMigrations()],
    onwarn: (warning) => warnings.push(warning.message),
    output: { file: outFile, format: 'es' },
    watch: { clearScreen: false },
  })
  watching.on('event', (event) => {
    if (event.code === 'BUNDLE_END') void event.result.close()
    if (event.code === 'ERROR') void event.result?.close()
    if (event.code === 'BUNDLE_END' || event.code === 'ERROR') {
      builds.push({ errors: event.code === 'ERROR' ? [event.error.message] : [], warnings })
      warnings = []
    }
  })
  return { builds, close: () => watching.close() }
}

it.each([
  ['esbuild', startEsbuild],
  ['rollup', startRollup],
] as const)(
  '%s watch: saving tables.ts writes the migration, applies it, and rebuilds with it',
  async (_name, start) => {
    const outFile = path.join(app.root, 'dist', 'watch.mjs')
    const before = await migrationFiles(app.root, 'blog')
    watcher = await start(outFile)
    const current = watcher
    await until(() => current.builds.length > 0, 'the first build')
    expect(current.builds[0]).toEqual({ errors: [], warnings: [] })
    // Nothing to write for a migrated project.
    expect(await migrationFiles(app.root, 'blog')).toEqual(before)

    await app.edit(
      'src/blog/tables.ts',
      '  body = new Text({ null: true })\n',
      '  body = new Text({ null: true })\n  subtitle = new Varchar({ length: 120, null: true })\n',
    )
    // (The atomic write goes through a hidden temporary file first.)
    const visible = async () => (await migrationFiles(app.root, 'blog')).filter((file) => !file.startsWith('.'))
    await until(async () => (await visible()).length > before.length, 'the migration file')
    const files = await visible()
    expect(files).toHaveLength(before.length + 1)
    const written = files.find((file) => !before.includes(file)) ?? ''
    const source = await app.read(`src/blog/migrations/${written}`)
    expect(source).toContain("columnName: 'subtitle'")
    const id = /export const ID = '([^']+)'/.exec(source)?.[1] ?? 'no ID'
    // The rebuilt bundle has it.
    await until(
      async () => (await readFile(outFile, 'utf8').catch(() => '')).includes(id),
      'a bundle with the migration',
    )
    await until(
      async () => (await publicColumns(database.url)).includes('post.subtitle'),
      'the column in the dev database',
    )
    expect(vi.mocked(console.info).mock.calls.flat().join('\n')).toContain('blog: add column Post.subtitle')

    // Then quiet: neither the written file nor the rebuild starts another round. (The watcher may
    // still report the written file once, after the build that already has it: the count must settle
    // within 4 s and then stay. It used to be read once, so a late report on a loaded machine failed.)
    let builds = -1
    for (let waited = 0; waited < 10 && current.builds.length !== builds; waited++) {
      builds = current.builds.length
      await sleep(400)
    }
    await sleep(800)
    expect(current.builds.length).toBe(builds)
    expect(current.builds.at(-1)).toEqual({ errors: [], warnings: [] })
    expect(await migrationFiles(app.root, 'blog')).toEqual(files)
  },
)
