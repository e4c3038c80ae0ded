/**
 * Planning and writing new migrations: diff each app's replayed project state against its table classes,
 * describe what differs in product words, and write the migration files. No prompts and no terminal
 * here: the CLI answers rename questions and confirms destructive changes, the dev server holds them.
 */
import path from 'node:path'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { type RenameAnswers, type RenameQuestion, emptyAnswers } from '../../core/differ/renames.js'
import { diffApp } from '../../core/differ/diff.js'
import { AutoMigrationsError } from '../../errors.js'
import { AddColumn, AddTable, type Operation } from '../../core/operations/index.js'
import type { RenameHints } from '../../core/differ/hints.js'
import type { DefaultValue } from '../../core/state/snapshot.js'
import { withRecordedKeyDefaults } from '../../model/to-snapshot.js'
import { migrationFileName, newMigrationId, renderMigration, writeFileAtomic } from '../writer/index.js'
import { type Draft, resolveDependencies } from './depends-on.js'
import { oneOffDescription, oneOffFix, withOneOffValues } from './one-off.js'
import type { AppState, ProjectState, WrittenRecord } from './project-state.js'
import type { ChangeReport, WrittenMigration } from './types.js'

export interface PlanOptions {
  /** Answers to rename questions asked earlier. */
  answers?: RenameAnswers | undefined
  /** Extra rename hints (the CLI's `--rename`), on top of the model's `renamedFrom`. */
  hints?: RenameHints | undefined
  /** Put destructive operations in `operations` instead of holding them. */
  allowDestructive?: boolean | undefined
  /** Only these apps (default: every app). */
  apps?: readonly string[] | undefined
  /** One-off values for existing rows, by `app.Table.column` (see one-off.ts). */
  oneOffValues?: ReadonlyMap<string, DefaultValue> | undefined
}

export interface AppPlan {
  app: string
  /** What to write, in order. */
  operations: Operation[]
  /** Possible renames nobody answered: nothing is planned for either side. */
  questions: RenameQuestion[]
  /** Destructive operations held back. */
  held: Operation[]
  /** New NOT NULL columns without a default on existing tables, held until given a one-off value. */
  needsValue: AddColumn[]
}

/** Model hints and extra hints in one map (an extra hint wins). */
export function mergeHints(model: RenameHints, extra: RenameHints | undefined): RenameHints {
  return {
    tables: new Map([...model.tables, ...(extra?.tables ?? [])]),
    columns: new Map([...model.columns, ...(extra?.columns ?? [])]),
  }
}

/**
 * Diffs every app (or `options.apps`) whose history is sound, in dependency order. Apps with broken
 * history are skipped: their errors are in `replayed.errors`. Nothing at all is planned when the
 * model is invalid.
 */
export function planNewMigrations(replayed: ProjectState, options: PlanOptions = {}): AppPlan[] {
  const model = replayed.model
  if (!model) return []
  const hints = mergeHints(model.hints, options.hints)
  // Each app is diffed against the schema after the earlier apps' new operations, so a foreign key
  // follows a table another app renames in the same save. Read-only until an app has operations:
  // the differ copies whatever it puts into operations.
  let state = replayed.state
  let from = state.view()
  const plans: AppPlan[] = []
  const diffed = replayed.apps.filter(
    ({ app, errors }) => errors.length === 0 && (!options.apps || options.apps.includes(app.name)),
  )
  for (const [at, { app }] of diffed.entries()) {
    const diff = diffApp(from, withRecordedKeyDefaults(model, from, app.name), app.name, {
      hints,
      answers: options.answers ?? emptyAnswers(),
      allowDestructive: options.allowDestructive ?? false,
    })
    const filled = withOneOffValues(diff.operations, from, options.oneOffValues ?? new Map())
    plans.push({
      app: app.name,
      operations: filled.operations,
      questions: diff.questions,
      held: diff.held,
      needsValue: filled.needsValue,
    })
    // The last app's operations change nothing another diff reads: no copy on the save path.
    if (filled.operations.length > 0 && at < diffed.length - 1) {
      if (state === replayed.state) state = state.clone()
      for (const o of filled.operations) o.apply(state)
      from = state.view()
    }
  }
  return plans
}

export const isEmptyPlan = (plan: AppPlan): boolean =>
  plan.operations.length === 0 && plan.questions.length === 0 && plan.held.length === 0 && plan.needsValue.length === 0

/** The command that resolves an app's changes. */
export const fixCommand = (app: string): string => `npx auto-migrations new ${app} --auto`

/** The table class an operation is about, if any (enum and raw SQL operations have none). */
export function tableOf(operation: Operation): string | undefined {
  const p = operation.params as { tableClassName?: unknown; className?: unknown; newClassName?: unknown }
  for (const value of [p.tableClassName, p.newClassName, p.className]) if (typeof value === 'string') return value
  return undefined
}

/**
 * What resolves an open rename question: answering it on a terminal, or saying it in the code or
 * on the command line (which also works where nobody can answer: CI, a dev server).
 */
export function renameFix(question: RenameQuestion): string {
  const ask = `${fixCommand(question.app)} on a terminal (it asks)`
  return question.kind === 'table'
    ? `${ask}, or add static renamedFrom = '${question.from}' to class ${question.to}, or pass --rename ${question.from}=${question.to}`
    : `${ask}, or add renamedFrom: '${question.from}' to the column ${question.table}.${question.to}, or pass --rename ${question.table}.${question.from}=${question.to}`
}

export function questionDescription(question: RenameQuestion): string {
  return question.kind === 'table'
    ? `did you rename table ${question.from} to ${question.to}?`
    : `did you rename column ${question.table}.${question.from} to ${question.table}.${question.to}?`
}

/**
 * Finds the file declaring each table class among the app's source files (the app file, its tables
 * and what they import), for "points at the table's source file". A table that no longer exists
 * (dropped) points at the app file, where it was unregistered.
 */
export class TableFiles {
  readonly #texts = new Map<string, Promise<string | undefined>>()
  constructor(private readonly replayed: ProjectState) {}

  async fileOf(app: string, table: string | undefined): Promise<string | undefined> {
    const appFile = this.replayed.project.appFiles.get(app)
    if (table === undefined) return appFile
    const declaration = new RegExp(`\\bclass\\s+${table.replace(/\$/g, '\\$')}(?![\\w$])`)
    const files = this.replayed.project.dependencies.get(app) ?? []
    // The app's own folder first: a class name may also be declared by another app it imports.
    const own = appFile ? path.dirname(appFile) + path.sep : ''
    const ordered = [
      ...files.filter((f) => own && f.startsWith(own)),
      ...files.filter((f) => !own || !f.startsWith(own)),
    ]
    for (const file of ordered) {
      const text = await this.#read(file)
      if (text !== undefined && declaration.test(text)) return file
    }
    return appFile
  }

  #read(file: string): Promise<string | undefined> {
    let text = this.#texts.get(file)
    if (!text) {
      text = readFile(file, 'utf8').catch(() => undefined)
      this.#texts.set(file, text)
    }
    return text
  }
}

/** Reports for what a plan writes (`change`) and what it holds (`ambiguous`, `destructive`). */
export async function reportPlans(
  replayed: ProjectState,
  plans: readonly AppPlan[],
  files = new TableFiles(replayed),
): Promise<ChangeReport[]> {
  const reports: ChangeReport[] = []
  for (const plan of plans) {
    const fix = fixCommand(plan.app)
    const report = async (
      kind: ChangeReport['kind'],
      description: string,
      table: string | undefined,
      how = fix,
    ): Promise<ChangeReport> => {
      const file = await files.fileOf(plan.app, table)
      return {
        app: plan.app,
        kind,
        ...(table === undefined ? {} : { table }),
        ...(file === undefined ? {} : { file }),
        description,
        fix: how,
      }
    }
    for (const line of operationLines(plan.operations))
      reports.push(await report('change', line.description, line.table))
    for (const q of plan.questions)
      reports.push(await report('ambiguous', questionDescription(q), q.table, renameFix(q)))
    for (const o of plan.held) reports.push(await report('destructive', o.describe(), tableOf(o)))
    for (const o of plan.needsValue)
      reports.push(await report('needs-value', oneOffDescription(o), tableOf(o), oneOffFix(o)))
  }
  return reports
}

/** Only the held part of plans (questions and destructive operations) as reports. */
export function heldReports(
  replayed: ProjectState,
  plans: readonly AppPlan[],
  files?: TableFiles,
): Promise<ChangeReport[]> {
  return reportPlans(
    replayed,
    plans.map((p) => ({ ...p, operations: [] })),
    files,
  )
}

/** One line of a report: an operation, or a new table with what follows its addTable. */
export interface OperationLine {
  /** "add table Post (id, title, author)", "add column Post.views". */
  description: string
  /** The description without a new table's columns: "add table Post". */
  short: string
  table: string | undefined
  operations: Operation[]
}

const FOLDED_INTO_NEW_TABLE = new Set(['addColumn', 'addConstraint', 'addIndex'])

/**
 * The operations as report lines, in order: a table's addColumn, addConstraint and addIndex
 * operations after its addTable in the same list are folded into the table's one line (the
 * migration file keeps every operation).
 */
export function operationLines(operations: readonly Operation[]): OperationLine[] {
  const lines: OperationLine[] = []
  const newTables = new Map<string, OperationLine>()
  for (const o of operations) {
    const table = tableOf(o)
    const key = table === undefined ? undefined : JSON.stringify([o.app, table])
    const head = key === undefined ? undefined : newTables.get(key)
    if (head && FOLDED_INTO_NEW_TABLE.has(o.kind)) {
      head.operations.push(o)
      continue
    }
    const line: OperationLine = { description: o.describe(), short: o.describe(), table, operations: [o] }
    if (o instanceof AddTable && key !== undefined) newTables.set(key, line)
    lines.push(line)
  }
  for (const line of newTables.values()) {
    const [addTable, ...rest] = line.operations as [AddTable, ...Operation[]]
    const columns = [
      ...(addTable.params.columns ?? []).map((c) => c.name),
      ...rest.filter((o) => o instanceof AddColumn).map((o) => o.params.columnName),
    ]
    if (columns.length > 0) line.description = `${line.short} (${columns.join(', ')})`
  }
  return lines
}

/** A short description for a generated migration: what it does, in the operations' own words. */
export function autoDescription(operations: readonly Operation[]): string {
  const lines = operationLines(operations).map((l) => l.short)
  if (lines.length <= 3) return lines.join(', ')
  return `${lines.slice(0, 2).join(', ')} and ${lines.length - 2} more`
}

export interface WriteMigrationOptions {
  /** Default: a description generated from the operations. */
  description?: string | undefined
  /** The clock, for the ID (tests pass a fixed one). */
  now?: Date | undefined
  /** Write a migration for a plan without operations too (`auto-migrations new <app>` without --auto). */
  empty?: boolean | undefined
}

/** A migration just written: what the session remembers of it, and its exact text. */
export type WrittenFile = WrittenMigration & WrittenRecord

/** A new ID for `app`, later than every one it has and `taken`, whose file name is free. */
function freshId(app: AppState, taken: readonly string[], now: Date): string {
  const dir = app.app.migrationsPath
  const ids = [...app.migrations.map((m) => m.id), ...taken]
  let id = newMigrationId(ids, now)
  // A hand-made file may already use the name (its ID differing from its name): never overwrite it.
  while (dir !== undefined && existsSync(path.join(dir, migrationFileName(app.app.name, id))))
    id = newMigrationId([...ids, id], now)
  return id
}

/**
 * Writes one migration file per plan with operations (atomically), in app order, each with an ID
 * later than every one its app has and the `DEPENDS_ON` it needs (./depends-on.ts; a plan may
 * become two files). A write that fails stops the rest: its error lists what was written before.
 */
export async function writeMigrations(
  replayed: ProjectState,
  plans: readonly { app: string; operations: readonly Operation[] }[],
  options: WriteMigrationOptions = {},
): Promise<WrittenFile[]> {
  const now = options.now ?? new Date()
  const drafts: Draft[] = []
  for (const plan of plans) {
    if (plan.operations.length === 0 && !options.empty) continue
    const app = replayed.apps.find((a) => a.app.name === plan.app)
    if (!app) continue
    if (app.app.migrationsPath === undefined) {
      throw new AutoMigrationsError(
        'INVALID_APP',
        `App "${app.app.name}" was not loaded from a file, so it has no migrations folder.`,
        { app: app.app.name },
      )
    }
    drafts.push({ app, id: freshId(app, [], now), operations: plan.operations, dependsOn: {} })
  }
  const resolved = resolveDependencies(replayed, drafts, (app, taken) => freshId(app, taken, now))
  const written: WrittenFile[] = []
  for (const draft of resolved) {
    const name = draft.app.app.name
    const file = path.join(draft.app.app.migrationsPath!, migrationFileName(name, draft.id))
    const description = options.description ?? autoDescription(draft.operations)
    const text = renderMigration({
      app: name,
      id: draft.id,
      description,
      dependsOn: draft.dependsOn,
      operations: draft.operations,
    })
    try {
      await writeFileAtomic(file, text)
    } catch (error) {
      throw new AutoMigrationsError(
        'WRITE_FAILED',
        `Could not write migration ${file}: ${error instanceof Error ? error.message : String(error)}`,
        { app: name, file, migrationId: draft.id, written: written.map((w) => w.file) },
        { cause: error },
      )
    }
    written.push({
      app: name,
      id: draft.id,
      file,
      lines: operationLines(draft.operations).map((l) => l.description),
      description,
      dependsOn: draft.dependsOn,
      operations: draft.operations,
      text,
    })
  }
  return written
}
