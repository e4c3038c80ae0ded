/**
 * The dev page's two requests, on a loaded project: read everything the page shows (the dev
 * database's history included), and answer a waiting change by writing its migration with the
 * CLI's writer. Applying what was written is the session's, as after any emit.
 */
import { emptyAnswers } from '../../core/differ/renames.js'
import { AutoMigrationsError } from '../../errors.js'
import type { MigrationStatus } from '../../runtime/runner.js'
import { type DevDatabase, projectMigrator } from './apply.js'
import { forwardsSqlOf, runnerOrder } from './migration-sql.js'
import {
  diagramOf,
  operationsToWrite,
  type ProjectOverview,
  timelineOf,
  type WaitingAnswer,
  waitingOf,
} from './overview.js'
import { pageDrift } from './page-drift.js'
import { planNewMigrations, type WrittenFile, writeMigrations } from './plan.js'
import type { RecordedProjectState } from './project-state.js'

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** What the page shows; with `drift`, the dev database compared with its applied migrations too. */
export async function readOverview(
  replayed: RecordedProjectState,
  database: DevDatabase,
  options: { drift: boolean },
): Promise<ProjectOverview> {
  const appOrder = replayed.apps.map((a) => a.app.name)
  const tables = replayed.model?.snapshot.tables ?? [...replayed.state.tables.values()]
  let statuses: MigrationStatus[] | undefined
  let databaseError: string | undefined
  let drift: ProjectOverview['drift']
  try {
    const engine = await database.get(replayed.project.config.database)
    statuses = await projectMigrator(replayed).status({ database: engine })
    if (options.drift) drift = await pageDrift(replayed, engine)
  } catch (error) {
    databaseError = messageOf(error)
  }
  return {
    diagram: diagramOf(tables, appOrder),
    timeline: timelineOf(runnerOrder(replayed), statuses, forwardsSqlOf(replayed)),
    waiting: waitingOf(planNewMigrations(replayed)),
    ...(drift === undefined ? {} : { drift }),
    problems: replayed.errors.map((e) => e.message),
    ...(databaseError === undefined ? {} : { databaseError }),
  }
}

/**
 * Writes the migration an answer resolves, as `auto-migrations new <app> --auto` writes it after the
 * same answer in a terminal. An answer to a question that is no longer open (the tables changed
 * since the page was drawn) is refused.
 */
export async function writeAnswer(replayed: RecordedProjectState, answer: WaitingAnswer): Promise<WrittenFile[]> {
  const open = planNewMigrations(replayed, { apps: [answer.app] })
  const question =
    answer.kind === 'rename' ? open.flatMap((p) => p.questions).find((q) => q.key === answer.key) : undefined
  const stale =
    answer.kind === 'rename' ? question === undefined : !open.some((p) => p.app === answer.app && p.held.length > 0)
  if (stale) {
    throw new AutoMigrationsError(
      'USAGE',
      `Nothing of app "${answer.app}" waits for that answer any more: the tables changed since the page was drawn. Reload the page.`,
      { app: answer.app },
    )
  }
  const answers = emptyAnswers()
  if (answer.kind === 'rename' && question) (answer.rename ? answers.accepted : answers.declined).add(question.key)
  const [plan] = planNewMigrations(replayed, { answers, allowDestructive: true, apps: [answer.app] })
  if (!plan) return []
  return writeMigrations(replayed, [{ app: plan.app, operations: operationsToWrite(plan, answer, question) }])
}
