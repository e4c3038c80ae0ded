/**
 * What the dev page shows (SPEC §6 "Dev page"), as pure functions of what the session loaded: the
 * tables and their foreign keys, the migration timeline, the changes waiting for a person, and which
 * operations an answer writes. The page renders these; it never reaches into the differ itself.
 */
import type { RenameQuestion } from '../../core/differ/renames.js'
import { migrationKey } from '../../core/migration-graph.js'
import { DropColumn, DropTable, type Operation } from '../../core/operations/index.js'
import type { TableSnapshot } from '../../core/state/snapshot.js'
import type { MigrationState, MigrationStatus } from '../../runtime/runner.js'
import type { AppPlan } from './plan.js'
import { questionDescription } from './plan.js'

export interface DiagramColumn {
  /** Property name. */
  name: string
  /** The column's SQL type in short: `Varchar(200)`, `ForeignKey → User`. */
  type: string
  primaryKey: boolean
  nullable: boolean
}

export interface DiagramTable {
  /** `app.ClassName`: unique across the project. */
  id: string
  app: string
  className: string
  tablename: string
  columns: DiagramColumn[]
}

export interface DiagramForeignKey {
  /** Table ids (`app.ClassName`). */
  from: string
  to: string
  /** The property of `from` that holds the key. */
  column: string
}

export interface Diagram {
  /** Apps in dependency order, each with its tables. */
  apps: { name: string; tables: DiagramTable[] }[]
  foreignKeys: DiagramForeignKey[]
}

export type TimelineState = MigrationState | 'unknown'

export interface TimelineEntry {
  app: string
  id: string
  description: string
  /** `unknown`: the dev database could not be read (see `ProjectOverview.databaseError`). */
  state: TimelineState
  /** ISO time it ran. */
  ranOn?: string
  file?: string
  /** A partial migration: how many of its steps committed. */
  steps?: { done: number; total: number; direction: 'forwards' | 'backwards' }
  /** The forwards SQL, as `auto-migrations sql` prints it. */
  sql: string[]
}

/** A change the dev server does not write by itself. */
export type WaitingChange =
  | {
      kind: 'rename'
      app: string
      /** The question's key: what an answer names. */
      key: string
      subject: 'table' | 'column'
      /** Table class name (the new one for a table). */
      table: string
      from: string
      to: string
      description: string
    }
  | {
      kind: 'destructive'
      app: string
      /** One line per held operation: "drop column Post.body". */
      changes: string[]
    }

/** A person's answer from the page. */
export type WaitingAnswer =
  | { kind: 'rename'; app: string; key: string; rename: boolean }
  | { kind: 'destructive'; app: string }

/** One difference between the live dev database and what its applied migrations describe. */
export interface DriftLine {
  app?: string
  table?: string
  description: string
}

export interface ProjectOverview {
  diagram: Diagram
  timeline: TimelineEntry[]
  waiting: WaitingChange[]
  /**
   * How the dev database differs from what its applied migrations describe; absent when it was not
   * compared (comparing builds a scratch database, so the page asks for it).
   */
  drift?: DriftLine[]
  /** Broken history, an invalid model, a project that does not load: one message each. */
  problems: string[]
  /** Why the dev database could not be read, when it could not. */
  databaseError?: string
}

function columnType(column: TableSnapshot['columns'][number]): string {
  const p = column.params
  if (p.references) return `${column.columnClass} → ${p.references.table}`
  if (p.length !== undefined) return `${column.columnClass}(${p.length})`
  if (p.digits) return `${column.columnClass}(${p.digits.join(', ')})`
  if (p.enum !== undefined) return `${column.columnClass} ${p.enum}`
  return column.columnClass
}

/**
 * The diagram of `tables` (the table classes, or the migrated schema when the classes do not load),
 * grouped by app in `appOrder`; a foreign key to a table that is not drawn is left out.
 */
export function diagramOf(tables: readonly TableSnapshot[], appOrder: readonly string[]): Diagram {
  const drawn = new Set(tables.map((t) => `${t.app}.${t.className}`))
  const apps = appOrder.map((name) => ({
    name,
    tables: tables
      .filter((t) => t.app === name)
      .map(
        (t): DiagramTable => ({
          id: `${t.app}.${t.className}`,
          app: t.app,
          className: t.className,
          tablename: t.tablename,
          columns: t.columns.map((c) => ({
            name: c.name,
            type: columnType(c),
            primaryKey: c.params.primaryKey,
            nullable: c.params.null,
          })),
        }),
      ),
  }))
  const foreignKeys: DiagramForeignKey[] = []
  for (const t of tables) {
    for (const c of t.columns) {
      const target = c.params.references
      if (!target) continue
      const to = `${target.app}.${target.table}`
      if (drawn.has(to)) foreignKeys.push({ from: `${t.app}.${t.className}`, to, column: c.name })
    }
  }
  return { apps, foreignKeys }
}

/**
 * The timeline: every migration in the runner's order with its state from the dev database (or
 * `unknown` without one), and history rows without a file (`missing`) at the end, as `status` lists them.
 */
export function timelineOf(
  migrations: readonly { app: string; id: string; description: string; file: string }[],
  statuses: readonly MigrationStatus[] | undefined,
  sql: ReadonlyMap<string, string[]>,
): TimelineEntry[] {
  const byKey = new Map((statuses ?? []).map((s) => [migrationKey(s.app, s.id), s]))
  const entries: TimelineEntry[] = migrations.map((m) => {
    const status = byKey.get(migrationKey(m.app, m.id))
    return {
      app: m.app,
      id: m.id,
      description: m.description,
      state: statuses === undefined ? 'unknown' : (status?.state ?? 'pending'),
      ...(status?.ranOn ? { ranOn: status.ranOn.toISOString() } : {}),
      file: m.file,
      ...(status?.steps ? { steps: status.steps } : {}),
      sql: sql.get(migrationKey(m.app, m.id)) ?? [],
    }
  })
  for (const s of statuses ?? []) {
    if (s.state !== 'missing') continue
    entries.push({
      app: s.app,
      id: s.id,
      description: s.description,
      state: 'missing',
      ...(s.ranOn ? { ranOn: s.ranOn.toISOString() } : {}),
      sql: [],
    })
  }
  return entries
}

function renameOf(question: RenameQuestion): WaitingChange {
  return {
    kind: 'rename',
    app: question.app,
    key: question.key,
    subject: question.kind,
    table: question.table,
    from: question.from,
    to: question.to,
    description: questionDescription(question),
  }
}

/** What the plans hold back: each open rename question, and each app's destructive changes as one. */
export function waitingOf(plans: readonly AppPlan[]): WaitingChange[] {
  const waiting: WaitingChange[] = []
  for (const plan of plans) {
    waiting.push(...plan.questions.map(renameOf))
    if (plan.held.length > 0)
      waiting.push({ kind: 'destructive', app: plan.app, changes: plan.held.map((o) => o.describe()) })
  }
  return waiting
}

/** The drop that a "drop and add" answer to `question` confirms. */
function dropsAnswered(operation: Operation, question: RenameQuestion): boolean {
  if (question.kind === 'table') return operation instanceof DropTable && operation.params.className === question.from
  return (
    operation instanceof DropColumn &&
    operation.params.tableClassName === question.table &&
    operation.params.columnName === question.from
  )
}

/**
 * What an answer writes, from the app's plan diffed with that answer and destructive changes
 * allowed: everything that loses no data, plus what the person confirmed (every destructive change
 * of the app, or the drop of a "drop and add"), as the CLI writes after the same answers.
 */
export function operationsToWrite(
  plan: AppPlan,
  answer: WaitingAnswer,
  question: RenameQuestion | undefined,
): Operation[] {
  return plan.operations.filter((o) => {
    if (!o.destructive) return true
    if (answer.kind === 'destructive') return true
    return !answer.rename && question !== undefined && dropsAnswered(o, question)
  })
}
