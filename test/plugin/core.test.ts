/**
 * PluginCore without a bundler: which file events lead to a new diff, how a one-off build with
 * `onDiff: 'emit'` reports, and what a failed registry does to the virtual module.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { AutoMigrationsError } from '../../src/errors.js'
import { type BuildReporter, PluginCore } from '../../src/plugin/core.js'
import type { Options } from '../../src/plugin/options.js'
import { copyProject, removeTemporaryDirectories } from '../helpers/bundlers.js'
import {
  BASIC,
  basicProject,
  change,
  type FakeProject,
  fakeSessions,
  historyError,
  writeMigration,
} from './fake-session.js'

afterAll(removeTemporaryDirectories)

function recorder(): BuildReporter & { errors: string[]; warnings: string[]; infos: string[] } {
  const errors: string[] = []
  const warnings: string[] = []
  const infos: string[] = []
  return {
    errors,
    warnings,
    infos,
    error: (message) => errors.push(message),
    warn: (message) => warnings.push(message),
    info: (line) => infos.push(line),
  }
}

const scratchProject = () => copyProject(BASIC, 'core')

const cores: PluginCore[] = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((core) => core.dispose()))
  vi.restoreAllMocks()
})

function coreFor(project: FakeProject, options: Options, watchMode: boolean) {
  const sessions = fakeSessions(project)
  const core = new PluginCore({
    options,
    virtualModuleId: 'virtual:auto-migrations',
    runtimeId: 'unplugin-auto-migrations/runtime',
    openSession: sessions.open,
    debounceMs: 20,
  })
  core.configure({ root: project.root, watchMode, devServer: false })
  cores.push(core)
  return { core, sessions }
}

describe('watch mode file events', () => {
  it("ignores the plugin's own migration write, but not a later edit of that file", async () => {
    const root = await scratchProject()
    const dir = path.join(root, 'src/blog/migrations')
    let file = ''
    const { core, sessions } = coreFor(
      basicProject({
        root,
        emit: async () => {
          if (file !== '') return {}
          file = await writeMigration(dir, 'blog', '2026-12-01T00:00:01:000000')
          return {
            written: [{ app: 'blog', id: '2026-12-01T00:00:01:000000', file, lines: ['add column Post.views'] }],
          }
        },
      }),
      {},
      true,
    )
    vi.spyOn(console, 'info').mockImplementation(() => {})
    await core.buildStart(recorder())
    expect(sessions.calls.emit).toBe(1)

    core.fileChanged(file, 'create')
    core.fileChanged(file, 'update')
    await sleep(60)
    expect(sessions.calls.emit).toBe(1)
    expect(core.changesMigrationList(file, 'create')).toBe(false)

    await writeFile(file, '// edited by hand\n', { flag: 'a' })
    core.fileChanged(file, 'create')
    await sleep(60)
    expect(sessions.calls.emit).toBe(2)
  })

  it('re-diffs for watched files, the registry and new migrations, and nothing else', async () => {
    const root = await scratchProject()
    const tables = path.join(root, 'src/blog/tables.ts')
    const { core, sessions } = coreFor(basicProject({ root, watchFiles: [tables] }), {}, true)
    await core.buildStart(recorder())
    await core.loadVirtualModule()
    const emits = () => sessions.calls.emit

    core.fileChanged(path.join(root, 'README.md'), 'update')
    core.fileChanged(path.join(root, 'src/blog/migrations/.blog_x.ts.tmp'), 'create')
    core.fileChanged(path.join(root, 'src/blog/migrations/notes.md'), 'create')
    await sleep(60)
    expect(emits()).toBe(1)

    for (const [file, event] of [
      [tables, 'update'],
      [path.join(root, 'migrations.config.mjs'), 'create'],
      [path.join(root, 'src/auth/migrations/auth_2026_12_02T00_00_00_000000.ts'), 'create'],
    ] as const) {
      core.fileChanged(file, event)
      await sleep(60)
    }
    expect(emits()).toBe(4)
  })

  it('judges events that arrive during a run only after it, so its own new file is not a change', async () => {
    const root = await scratchProject()
    const dir = path.join(root, 'src/blog/migrations')
    let core: PluginCore | undefined
    const created = coreFor(
      basicProject({
        root,
        emit: async () => {
          if (created.sessions.calls.emit > 1) return {}
          const file = await writeMigration(dir, 'blog', '2026-12-01T00:00:01:000000')
          // What a watcher does: report the new file before the run has returned.
          core?.fileChanged(file, 'create')
          return { written: [{ app: 'blog', id: '2026-12-01T00:00:01:000000', file, lines: [] }] }
        },
      }),
      {},
      true,
    )
    core = created.core
    vi.spyOn(console, 'info').mockImplementation(() => {})
    await created.core.loadVirtualModule()
    await created.core.buildStart(recorder())
    await sleep(60)
    expect(created.sessions.calls.emit).toBe(1)
  })
})

describe('one-off builds', () => {
  it("with onDiff 'emit', log what was written, warn about held changes and fail on broken history", async () => {
    const written = {
      app: 'blog',
      id: '1',
      file: path.join(BASIC, 'src/blog/migrations/blog_1.ts'),
      lines: ['add column Post.views'],
    }
    const { core, sessions } = coreFor(
      basicProject({
        emit: async () => ({
          written: [written],
          held: [change({ kind: 'destructive', description: 'drop column Post.body' })],
          errors: [historyError()],
        }),
      }),
      { onDiff: 'emit' },
      false,
    )
    const reporter = recorder()
    await core.buildStart(reporter)
    expect(sessions.emitOptions).toEqual([{ allowDestructive: false, apply: false, amend: true }])
    expect(reporter.infos).toEqual(['blog: add column Post.views  (src/blog/migrations/blog_1.ts)'])
    expect(reporter.warnings).toEqual([expect.stringContaining('- destructive: drop column Post.body')])
    expect(reporter.errors).toEqual([expect.stringContaining('[DUPLICATE_MIGRATION_ID]')])
  })

  it("reports the session's warnings as bundler warnings, without failing a build", async () => {
    const warning = "table class Tag exported from src/blog/tables.ts is in no app's tables, so it is not migrated"
    for (const onDiff of ['error', 'emit'] as const) {
      const { core } = coreFor(
        basicProject({ check: () => ({ warnings: [warning] }), emit: async () => ({ warnings: [warning] }) }),
        { onDiff },
        false,
      )
      const reporter = recorder()
      await core.buildStart(reporter)
      expect(reporter.warnings, onDiff).toEqual([`warning: ${warning}`])
      expect(reporter.errors, onDiff).toEqual([])
    }
  })

  it('report a registry that cannot be opened as a build error', async () => {
    const failing = new PluginCore({
      options: {},
      virtualModuleId: 'virtual:auto-migrations',
      runtimeId: 'r',
      openSession: async () => {
        throw new AutoMigrationsError('CONFIG_NOT_FOUND', 'No migrations.config.ts in /p.')
      },
      debounceMs: 20,
    })
    failing.configure({ root: BASIC, watchMode: false, devServer: false })
    const reporter = recorder()
    await failing.buildStart(reporter)
    expect(reporter.errors).toEqual([expect.stringContaining('[CONFIG_NOT_FOUND] No migrations.config.ts in /p.')])
    await expect(failing.loadVirtualModule()).rejects.toThrow(
      'virtual:auto-migrations cannot be generated. 1 problem in the migration history or the registry:\n  - [CONFIG_NOT_FOUND]',
    )
  })
})

describe('the project root is the config file’s folder', () => {
  it('a `config` option in a subfolder opens the session there (the embedded database and { pglite } follow it)', async () => {
    const root = await scratchProject()
    // A folder named by `config` is searched: it is the root. A file (there or not yet) gives its folder.
    await mkdir(path.join(root, 'db'), { recursive: true })
    const opened: { root: string; configFile?: string }[] = []
    const open = async (options: { root: string; configFile?: string }) => {
      opened.push(options)
      throw new AutoMigrationsError('CONFIG_NOT_FOUND', 'recorded')
    }
    for (const config of [undefined, 'db/migrations.config.ts', 'db']) {
      const core = new PluginCore({
        options: config === undefined ? {} : { config },
        virtualModuleId: 'virtual:auto-migrations',
        runtimeId: 'unplugin-auto-migrations/runtime',
        openSession: open,
        debounceMs: 20,
      })
      cores.push(core)
      core.configure({ root, watchMode: false, devServer: false })
      await expect(core.loadVirtualModule()).rejects.toThrow('recorded')
    }
    expect(opened.map((o) => o.root)).toEqual([root, path.join(root, 'db'), path.join(root, 'db')])
    expect(opened[1]?.configFile).toBe(path.join(root, 'db/migrations.config.ts'))
  })
})
