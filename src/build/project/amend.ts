/**
 * Amending in the dev loop: a change that follows a migration this dev server wrote, which git does
 * not track yet, is folded into that migration (same ID) instead of becoming a new one. What was
 * saved on the way (`summ`, then `summary`) then leaves one migration that adds `summary`, not an add
 * and an ambiguous rename. The migration is diffed again from the schema before it.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import type { Operation } from '../../core/operations/index.js'
import type { SchemaState } from '../../core/state/snapshot.js'
import { parseMigrationSource } from '../loader/migration-source.js'
import { renderMigration } from '../writer/index.js'
import { type Draft, resolveDependencies } from './depends-on.js'
import { type AppPlan, autoDescription, operationLines, planNewMigrations } from './plan.js'
import type { AppState, ProjectState } from './project-state.js'

/** True when `file` is inside a git work tree and git does not track it; no git, no repo: false. */
export function untrackedInGit(file: string): boolean {
  // One call: git exits 1 for a file it does not track, 0 for one it does, 128 outside a repository.
  const listed = spawnSync('git', ['ls-files', '--error-unmatch', '--', path.basename(file)], {
    cwd: path.dirname(file),
    stdio: 'ignore',
  })
  return listed.status === 1
}

/** A migration this session wrote that a later change may be folded into. */
export interface AmendTarget {
  app: string
  id: string
  file: string
  /** Its operations, read from the text this session wrote. */
  operations: Operation[]
}

/**
 * The app's latest migration, when this session wrote it (and its file still says so), git does not
 * track it, and no other app's migration names it in DEPENDS_ON.
 */
export function amendTarget(
  replayed: ProjectState,
  app: string,
  wrote: ReadonlyMap<string, string>,
  read: (file: string) => string | undefined,
): AmendTarget | undefined {
  const latest = replayed.apps.find((a) => a.app.name === app)?.migrations.at(-1)
  if (!latest) return undefined
  const text = wrote.get(latest.file)
  if (text === undefined || read(latest.file) !== text) return undefined
  const needed = replayed.apps.some((a) => a.migrations.some((m) => m.app !== app && m.dependsOn?.[app] === latest.id))
  if (needed || !untrackedInGit(latest.file)) return undefined
  const parsed = parseMigrationSource(text)
  if (!parsed) return undefined
  return { app, id: latest.id, file: latest.file, operations: [...parsed.forwards().operations] }
}

/** The project as it was before `target`: its file left out, its operations reversed on a copy of the state. */
function withoutTarget(replayed: ProjectState, target: AmendTarget): ProjectState {
  const state: SchemaState = replayed.state.clone()
  for (const o of [...target.operations].reverse()) o.reverse().apply(state)
  const apps = replayed.apps.map(
    (a): AppState =>
      a.app.name === target.app ? { ...a, migrations: a.migrations.filter((m) => m.id !== target.id) } : a,
  )
  return { ...replayed, state, apps }
}

export interface Amendment {
  plan: AppPlan
  /** The new text of the file; undefined when nothing is left (the changes were undone). */
  text: string | undefined
  /** `+ add column Post.summary`, `- add column Post.summ`: what changed in the migration. */
  lines: string[]
}

/**
 * The target migration diffed again, from the schema before it to the table classes.
 * Undefined when it cannot be one migration (its new DEPENDS_ON would split it).
 */
export function planAmendment(
  replayed: ProjectState,
  target: AmendTarget,
  allowDestructive: boolean,
): Amendment | undefined {
  const before = withoutTarget(replayed, target)
  const [plan] = planNewMigrations(before, { apps: [target.app], allowDestructive })
  if (!plan) return undefined
  const old = operationLines(target.operations).map((l) => l.description)
  const now = operationLines(plan.operations).map((l) => l.description)
  const lines = [
    ...now.filter((l) => !old.includes(l)).map((l) => `+ ${l}`),
    ...old.filter((l) => !now.includes(l)).map((l) => `- ${l}`),
  ]
  if (plan.operations.length === 0) return { plan, text: undefined, lines }
  const appState = before.apps.find((a) => a.app.name === target.app)!
  const draft: Draft = { app: appState, id: target.id, operations: plan.operations, dependsOn: {} }
  // Needing two files (or none that can be ordered) means it is not one migration any more.
  let resolved: Draft[]
  try {
    resolved = resolveDependencies(before, [draft], () => `${target.id}-split`)
  } catch {
    return undefined
  }
  if (resolved.length !== 1) return undefined
  const text = renderMigration({
    app: target.app,
    id: target.id,
    description: autoDescription(plan.operations),
    dependsOn: resolved[0]!.dependsOn,
    operations: plan.operations,
  })
  return { plan, text, lines }
}
