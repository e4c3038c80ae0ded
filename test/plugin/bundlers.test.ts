/**
 * The same scenarios in all six bundlers, through their real APIs: a migrated project bundles the
 * virtual module and runs; un-migrated changes and broken history fail the build through each
 * bundler's own error channel; onDiff 'warn' goes through its warning channel instead.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildWith, BUNDLERS, copyProject, removeTemporaryDirectories, runOutput } from '../helpers/bundlers.js'
import { BASIC, basicProject, change, FAKE_RUNTIME, fakeSessions, historyError } from './fake-session.js'

afterAll(removeTemporaryDirectories)

describe.each(BUNDLERS)('%s', (bundler) => {
  it('bundles every migration in dependency and ID order, with the database from the registry', async () => {
    const sessions = fakeSessions(basicProject())
    const outcome = await buildWith(bundler, {
      root: BASIC,
      entry: 'entry.mjs',
      plugin: { __openSession: sessions.open, __runtimeId: FAKE_RUNTIME },
    })
    expect(outcome.errors).toEqual([])
    expect(outcome.warnings).toEqual([])
    expect(await runOutput(outcome.outFile)).toEqual({
      migrations: [
        {
          app: 'auth',
          id: '2026-11-26T09:00:00:000000',
          description: 'create user',
          file: 'src/auth/migrations/auth_2026_11_26T09_00_00_000000.ts',
          forwards: 'function',
        },
        {
          app: 'blog',
          id: '2026-11-27T10:15:03:123456',
          description: 'add author',
          file: 'src/blog/migrations/blog_2026_11_27T10_15_03_123456.ts',
          forwards: 'function',
        },
      ],
      database: 'postgres://fixture/db',
      migrated: 'migrated 2',
      rolledBack: 'rolled back blog',
      state: {
        apps: [
          { name: 'auth', dependencies: [] },
          { name: 'blog', dependencies: ['auth'] },
        ],
        root: BASIC,
      },
    })
    // A build checks once, never writes, and lets go of the session when it is done.
    expect(sessions.calls).toMatchObject({ check: 1, emit: 0, close: 1 })
  })

  it('fails the build on un-migrated changes, listing each per app with its file and fix', async () => {
    const sessions = fakeSessions(
      basicProject({
        check: () => ({
          ok: false,
          changes: [
            change(),
            change({ kind: 'destructive', description: 'drop column Post.body' }),
            change({
              app: 'auth',
              table: 'User',
              file: `${BASIC}/src/auth/tables.ts`,
              description: 'add table User',
              fix: 'npx auto-migrations new auth --auto',
            }),
          ],
        }),
      }),
    )
    const outcome = await buildWith(bundler, {
      root: BASIC,
      entry: 'entry.mjs',
      plugin: { __openSession: sessions.open, __runtimeId: FAKE_RUNTIME },
    })
    expect(outcome.ok).toBe(false)
    const message = outcome.errors.join('\n')
    expect(message).toMatch(/^3 un-migrated changes in 2 apps/m)
    // Said once: Rollup's error channel throws, and that must not be reported again as a failure.
    expect(message.match(/un-migrated/g)).toHaveLength(1)
    expect(message).not.toContain('LOAD_FAILED')
    expect(message).toContain('- add column Post.views')
    expect(message).toContain('- destructive: drop column Post.body')
    // Paths are relative to the root: the fixture for most bundlers, the working directory for Rollup's.
    expect(message).toMatch(
      /blog:\n {2}- add column Post\.views {2}\((?:test\/fixtures\/plugin-basic\/)?src\/blog\/tables\.ts\)\n/,
    )
    expect(message).toContain('fix: npx auto-migrations new blog --auto')
    expect(message).toContain('fix: npx auto-migrations new auth --auto')
  })

  it('fails the build on broken history whatever onDiff says', async () => {
    const sessions = fakeSessions(basicProject({ check: () => ({ ok: false, errors: [historyError()] }) }))
    const outcome = await buildWith(bundler, {
      root: BASIC,
      entry: 'entry.mjs',
      plugin: { onDiff: 'warn', __openSession: sessions.open, __runtimeId: FAKE_RUNTIME },
    })
    expect(outcome.ok).toBe(false)
    expect(outcome.errors.join('\n')).toContain('[DUPLICATE_MIGRATION_ID] Two migrations of app blog')
  })

  it("warns instead with onDiff: 'warn', and the bundle still builds", async () => {
    const sessions = fakeSessions(basicProject({ check: () => ({ ok: false, changes: [change()] }) }))
    const outcome = await buildWith(bundler, {
      root: BASIC,
      entry: 'entry.mjs',
      plugin: { onDiff: 'warn', __openSession: sessions.open, __runtimeId: FAKE_RUNTIME },
    })
    expect(outcome.errors).toEqual([])
    expect(outcome.warnings.join('\n')).toContain('1 un-migrated change in 1 app')
    expect(outcome.warnings.join('\n')).toContain('fix: npx auto-migrations new blog --auto')
  })
})

describe.each(BUNDLERS)('%s with a custom virtualModuleId', (bundler) => {
  it('resolves the custom id', async () => {
    const sessions = fakeSessions(basicProject())
    const outcome = await buildWith(bundler, {
      root: BASIC,
      entry: 'entry-custom-id.mjs',
      plugin: { virtualModuleId: 'app:migrations', __openSession: sessions.open, __runtimeId: FAKE_RUNTIME },
    })
    expect(outcome.errors).toEqual([])
    expect(await runOutput(outcome.outFile)).toEqual({
      migrations: [
        { app: 'auth', id: '2026-11-26T09:00:00:000000' },
        { app: 'blog', id: '2026-11-27T10:15:03:123456' },
      ],
    })
  })
})

describe.each(BUNDLERS)('%s with the runtime as a package', (bundler) => {
  it('resolves the runtime import from the project, bundled or left to Node as the bundler decides', async () => {
    const root = await copyProject(BASIC, 'package')
    const runtimePackage = path.join(root, 'node_modules/runtime-stand-in')
    await mkdir(runtimePackage, { recursive: true })
    await writeFile(
      path.join(runtimePackage, 'package.json'),
      JSON.stringify({ name: 'runtime-stand-in', type: 'module', exports: { './runtime': './runtime.mjs' } }),
    )
    await copyFile(path.join(root, 'runtime.mjs'), path.join(runtimePackage, 'runtime.mjs'))
    const sessions = fakeSessions(basicProject({ root }))
    const outcome = await buildWith(bundler, {
      root,
      entry: 'entry.mjs',
      outDir: path.join(root, 'dist', bundler),
      plugin: { __openSession: sessions.open, __runtimeId: 'runtime-stand-in/runtime' },
    })
    expect(outcome.errors).toEqual([])
    // Plain Rollup resolves no packages: it keeps the import, with its usual warning.
    expect(outcome.warnings).toEqual(
      bundler === 'rollup' ? [expect.stringContaining('"runtime-stand-in/runtime" is imported by')] : [],
    )
    expect(await runOutput(outcome.outFile)).toMatchObject({ database: 'postgres://fixture/db' })
  })
})
