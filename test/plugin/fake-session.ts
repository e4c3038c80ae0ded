/**
 * A scripted ProjectSession: the plugin's plumbing is tested against the agreed façade, without the
 * build code. Each test says what check() and emit() answer and reads back how often they were called.
 */
import { readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AutoMigrationsError } from '../../src/errors.js'
import type { ProjectSession } from '../../src/build/project/session.js'
import type { ChangeReport, CheckResult, EmitResult, MigrationEntry } from '../../src/build/project/types.js'

export const FIXTURES = path.resolve(fileURLToPath(import.meta.url), '../../fixtures')
export const BASIC = path.join(FIXTURES, 'plugin-basic')
export const FAKE_RUNTIME = path.join(BASIC, 'runtime.mjs')

export interface FakeProject {
  root: string
  /** Apps in dependency order, each with its migrations directory (relative to root). */
  apps: { name: string; dir: string }[]
  check?: () => Partial<CheckResult>
  /** Default: writes nothing, holds nothing. */
  emit?: (options: { allowDestructive: boolean; apply: boolean }) => Promise<Partial<EmitResult>>
  watchFiles?: string[]
}

export interface FakeSessions {
  open: (options: { root: string; configFile?: string }) => Promise<ProjectSession>
  calls: { open: number; check: number; emit: number; entries: number; close: number }
  emitOptions: { allowDestructive: boolean; apply: boolean; amend?: boolean }[]
}

/** Migrations on disk, in app (dependency) order then ID order, as the real session lists them. */
export function listEntries(project: FakeProject): MigrationEntry[] {
  const entries: MigrationEntry[] = []
  for (const app of project.apps) {
    const dir = path.join(project.root, app.dir)
    let names: string[] = []
    try {
      names = readdirSync(dir).filter((name) => /\.[cm]?[jt]s$/.test(name) && !name.startsWith('.'))
    } catch {
      names = []
    }
    for (const name of names.sort()) {
      const id = name.replace(/^[a-z]+_/, '').replace(/\.[a-z]+$/, '')
      entries.push({ app: app.name, id, file: path.join(dir, name) })
    }
  }
  return entries
}

export function fakeSessions(project: FakeProject): FakeSessions {
  const calls = { open: 0, check: 0, emit: 0, entries: 0, close: 0 }
  const emitOptions: FakeSessions['emitOptions'] = []
  const watchFiles = () => project.watchFiles ?? [path.join(project.root, 'src/blog/tables.ts')]
  return {
    calls,
    emitOptions,
    async open(options) {
      calls.open++
      const session: ProjectSession = {
        root: project.root,
        configFile: options.configFile ?? path.join(project.root, 'migrations.config.ts'),
        async check() {
          calls.check++
          return { ok: true, changes: [], errors: [], watchFiles: watchFiles(), ...project.check?.() }
        },
        async emit(emitOptionsGiven) {
          calls.emit++
          emitOptions.push(emitOptionsGiven)
          const result = (await project.emit?.(emitOptionsGiven)) ?? {}
          return { written: [], held: [], errors: [], watchFiles: watchFiles(), ...result }
        },
        async migrationEntries() {
          calls.entries++
          return listEntries(project)
        },
        async overview() {
          return { diagram: { apps: [], foreignKeys: [] }, timeline: [], waiting: [], drift: [], problems: [] }
        },
        async answer() {
          return { written: [], errors: [] }
        },
        async close() {
          calls.close++
        },
      }
      return session
    },
  }
}

export const basicProject = (overrides: Partial<FakeProject> = {}): FakeProject => ({
  root: BASIC,
  apps: [
    { name: 'auth', dir: 'src/auth/migrations' },
    { name: 'blog', dir: 'src/blog/migrations' },
  ],
  ...overrides,
})

export function change(overrides: Partial<ChangeReport> = {}): ChangeReport {
  return {
    app: 'blog',
    kind: 'change',
    table: 'Post',
    file: path.join(BASIC, 'src/blog/tables.ts'),
    description: 'add column Post.views',
    fix: 'npx auto-migrations new blog --auto',
    ...overrides,
  }
}

export function historyError(): AutoMigrationsError {
  return new AutoMigrationsError(
    'DUPLICATE_MIGRATION_ID',
    'Two migrations of app blog have the ID 2026-11-27T10:15:03:123456.',
    {
      app: 'blog',
      migrationId: '2026-11-27T10:15:03:123456',
    },
  )
}

/** Writes a migration file the way the writer would (the content is what the fixture runtime reads). */
export async function writeMigration(dir: string, app: string, id: string): Promise<string> {
  const file = path.join(dir, `${app}_${id.replace(/[-:]/g, '_')}.ts`)
  await writeFile(
    file,
    `export const ID: string = '${id}'\nexport const DESCRIPTION = ''\nexport async function forwards() {\n  return []\n}\n`,
  )
  return file
}
