/**
 * The package as npm publishes it: `npm pack` of this repo (its current `dist`), unpacked into a new
 * project's node_modules as an install would, with the package's dependencies linked from this repo
 * but **without `@types/pg`**, and this repo's `tsc` run on a file that imports the main entry, the
 * runtime and the Vite entry, with `strict` and without `skipLibCheck`: the published types must
 * compile in a project that never installed `@types/pg`. The tarball carries the LICENSE too.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { PoolConfig } from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import type { PgPoolConfig } from '../src/runtime.js'

const run = promisify(execFile)
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const temp: string[] = []
afterAll(() => Promise.all(temp.map((dir) => rm(dir, { recursive: true, force: true }))))

// Compile-time: a `pg` PoolConfig is still accepted where the structural type is asked for.
const fromPg = (config: PoolConfig): PgPoolConfig => config

const USER_FILE = `import { defineApp, defineConfig, Table, Varchar, type Row } from 'unplugin-auto-migrations'
import { createMigrator, type DatabaseOption, type PgPoolConfig } from 'unplugin-auto-migrations/runtime'
import AutoMigrations from 'unplugin-auto-migrations/vite'

export class Author extends Table {
  name = new Varchar({ length: 255 })
}
export const app = defineApp({ name: 'blog', tables: [Author] })
const pool: PgPoolConfig = { host: 'localhost', port: 5432, ssl: { rejectUnauthorized: false }, max: 4 }
const database: DatabaseOption = pool
export const config = defineConfig({ apps: ['./app.ts'], database })
export const migrator = createMigrator({ apps: [], migrations: [], database: 'postgres://localhost/app' })
export const plugin = AutoMigrations({ onDiff: 'warn' })
export type AuthorRow = Row<typeof Author>
`

/** Links every package of this repo's node_modules into `modules`, except `@types/pg`. */
async function linkDependencies(modules: string): Promise<void> {
  const source = path.join(repo, 'node_modules')
  for (const name of readdirSync(source)) {
    if (name.startsWith('.') || name === 'unplugin-auto-migrations') continue
    if (name === '@types') {
      await mkdir(path.join(modules, name))
      for (const types of readdirSync(path.join(source, name))) {
        if (types !== 'pg') await symlink(path.join(source, name, types), path.join(modules, name, types), 'dir')
      }
    } else await symlink(path.join(source, name), path.join(modules, name), 'dir')
  }
}

describe('the packed package', () => {
  it('ships LICENSE, and its types compile with strict and no skipLibCheck, without @types/pg', async () => {
    expect(typeof fromPg).toBe('function')
    expect(existsSync(path.join(repo, 'dist/index.d.ts')), 'run npm run build first').toBe(true)
    const packed = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-pack-'))
    const user = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-user-'))
    temp.push(packed, user)

    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packed], {
      cwd: repo,
    })
    const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }]
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['LICENSE', 'package.json', 'dist/index.d.ts', 'dist/runtime.d.ts', 'dist/vite.d.ts']),
    )

    const modules = path.join(user, 'node_modules')
    await mkdir(modules)
    await run('tar', ['-xzf', path.join(packed, path.basename(filename)), '-C', modules])
    await rename(path.join(modules, 'package'), path.join(modules, 'unplugin-auto-migrations'))
    expect(existsSync(path.join(modules, 'unplugin-auto-migrations/LICENSE'))).toBe(true)
    await linkDependencies(modules)
    expect(existsSync(path.join(modules, '@types/pg'))).toBe(false)
    expect(existsSync(path.join(modules, '@types/node'))).toBe(true)

    await writeFile(path.join(user, 'package.json'), '{ "name": "user-app", "private": true, "type": "module" }\n')
    await writeFile(
      path.join(user, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            strict: true,
            skipLibCheck: false,
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            noEmit: true,
          },
          files: ['index.ts'],
        },
        null,
        2,
      )}\n`,
    )
    await writeFile(path.join(user, 'index.ts'), USER_FILE)
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', user], { cwd: user }).then(
      (r) => ({ code: 0, output: r.stdout + r.stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? 1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    )
    expect(result).toEqual({ code: 0, output: '' })
  }, 60_000)
})
