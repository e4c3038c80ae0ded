/**
 * Watch mode in each bundler's own watcher: saving a table file writes one migration (however many
 * times it is saved), the rebuilt bundle contains it, the plugin's own write causes no further
 * rebuilds, and a held change is reported without failing the build.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { EmitResult } from '../../src/build/project/types.js'
import {
  type BundlerName,
  BUNDLERS,
  copyProject,
  removeTemporaryDirectories,
  runOutput,
  type Watching,
  watchWith,
} from '../helpers/bundlers.js'
import { BASIC, basicProject, change, fakeSessions } from './fake-session.js'

afterAll(removeTemporaryDirectories)

const scratchProject = () => copyProject(BASIC, 'project')

/**
 * A stand-in planner and writer: every `column x` in tables.ts that no migration mentions is a change; a
 * `drop column` is destructive and held. It writes atomically (temp file, rename) like the real one,
 * and takes a while, so overlapping runs would show.
 */
function scriptedWriter(root: string) {
  const tables = path.join(root, 'src/blog/tables.ts')
  const dir = path.join(root, 'src/blog/migrations')
  const stats = { active: 0, maxActive: 0, written: 0 }
  const emit = async (): Promise<Partial<EmitResult>> => {
    stats.active++
    stats.maxActive = Math.max(stats.maxActive, stats.active)
    try {
      await sleep(30)
      const source = readFileSync(tables, 'utf8')
      const held = source.includes('drop column')
        ? [change({ kind: 'destructive', description: 'drop column Post.body' })]
        : []
      const declared = source.match(/(?<!drop )column \w+/g) ?? []
      const migrated = readdirSync(dir)
        .map((name) => readFileSync(path.join(dir, name), 'utf8'))
        .join('\n')
      const missing = declared.filter((column) => !migrated.includes(`// ${column}\n`))
      if (missing.length === 0) return { held }
      stats.written++
      const id = `2026-12-01T00:00:0${stats.written}:000000`
      const file = path.join(dir, `blog_${id.replace(/[-:]/g, '_')}.ts`)
      const temp = path.join(dir, `.${path.basename(file)}.tmp`)
      // What the virtual module imports of every migration (rspack fails a build on a missing export).
      const exports = `export const ID: string = '${id}'\nexport const DESCRIPTION = ''\nexport async function forwards() {\n  return []\n}\n`
      await writeFile(temp, `${exports}${missing.map((column) => `// ${column}\n`).join('')}`)
      await rename(temp, file)
      return { written: [{ app: 'blog', id, file, lines: missing.map((column) => `add ${column}`) }], held }
    } finally {
      stats.active--
    }
  }
  return { emit, stats, tables }
}

/** Waits for builds until the newest produces a bundle with `count` migrations. */
async function bundleWithMigrations(watching: Watching, count: number): Promise<{ migrations: unknown[] }> {
  let next = 1
  for (let attempt = 0; attempt < 8; attempt++) {
    await watching.waitForBuild(next)
    // Builds may have finished meanwhile; the bundle on disk is the newest one's.
    const newest = watching.builds.length
    const build = watching.builds[newest - 1]
    // A build still writing the file can make the run fail: the next build is waited for then.
    const output = build?.ok
      ? ((await runOutput(build.outFile).catch(() => undefined)) as { migrations: unknown[] } | undefined)
      : undefined
    if (output?.migrations.length === count) return output
    // Builds that finished while this one was read (and made it unreadable: each empties the output
    // folder) are read next; otherwise the next build is waited for.
    next = watching.builds.length > newest ? watching.builds.length : newest + 1
  }
  throw new Error(`no bundle with ${count} migrations`)
}

/** Waits until `read()` has stayed the same for 600 ms (a loaded machine finishes late builds late). */
async function quiet<T>(read: () => T): Promise<T> {
  let last = JSON.stringify(read())
  for (let waited = 0; waited < 10_000; waited += 600) {
    await sleep(600)
    const now = JSON.stringify(read())
    if (now === last) return read()
    last = now
  }
  throw new Error('still rebuilding after 10 s')
}

let open: Watching | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
  vi.restoreAllMocks()
})

/** A scratch project with the scripted writer behind the plugin, in `bundler`'s watch mode (closed after the test). */
async function watchScriptedProject(bundler: BundlerName) {
  const root = await scratchProject()
  const writer = scriptedWriter(root)
  const sessions = fakeSessions(basicProject({ root, emit: writer.emit, watchFiles: [writer.tables] }))
  open = await watchWith(bundler, {
    root,
    entry: 'entry.mjs',
    plugin: {
      __openSession: sessions.open,
      __runtimeId: path.join(root, 'runtime.mjs'),
      // esbuild cannot tell a plugin it is watching: the user says so (see the onDiff docs).
      ...(bundler === 'esbuild' ? { onDiff: 'emit', apply: true } : {}),
    },
  })
  return { root, writer, sessions, watching: open }
}

describe.each(BUNDLERS)('%s watch mode', (bundler: BundlerName) => {
  it('writes one migration per schema change, rebuilds with it, and does not loop', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const { root, writer, sessions, watching } = await watchScriptedProject(bundler)
    const first = await watching.waitForBuild(1)
    expect(first.errors).toEqual([])
    expect(sessions.calls.check).toBe(0)
    expect(sessions.emitOptions[0]).toEqual({ allowDestructive: false, apply: true, amend: true })

    // An editor's burst: three saves within a few milliseconds.
    for (const column of ['column views', 'column views', 'column views']) {
      await writeFile(writer.tables, `export const tables = ['Post'] // ${column}\n`)
      await sleep(5)
    }
    const output = await bundleWithMigrations(watching, 3)
    expect(output.migrations).toContainEqual(expect.objectContaining({ app: 'blog', id: '2026-12-01T00:00:01:000000' }))
    expect(writer.stats).toMatchObject({ written: 1, maxActive: 1 })
    expect(readdirSync(path.join(root, 'src/blog/migrations'))).toHaveLength(2)
    expect(info.mock.calls.flat().join('\n')).toContain('blog: add column views')

    // Quiet now: neither the migration file it wrote nor the rebuild starts another round.
    const activity = () => ({ builds: watching.builds.length, emits: sessions.calls.emit })
    const settled = await quiet(activity)
    await sleep(600)
    expect(activity()).toEqual(settled)
    expect(writer.stats.written).toBe(1)
  })

  it('reports a held destructive change as a warning and keeps building', async () => {
    const { writer, watching } = await watchScriptedProject(bundler)
    await watching.waitForBuild(1)
    await writeFile(writer.tables, `export const tables = ['Post'] // drop column body\n`)
    let build = await watching.waitForBuild(2)
    for (let more = 3; build.warnings.length === 0 && more < 6; more++) build = await watching.waitForBuild(more)
    expect(build.ok).toBe(true)
    const warning = build.warnings.join('\n')
    expect(warning).toContain('1 change not written automatically')
    expect(warning).toContain('- destructive: drop column Post.body')
    expect(warning).toContain('fix: npx auto-migrations new blog --auto')
    expect(writer.stats.written).toBe(0)
  })
})
