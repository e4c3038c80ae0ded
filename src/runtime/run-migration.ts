/**
 * Runs one migration's steps on the database, under the run's lock.
 *
 * Steps are grouped: consecutive transactional steps make one transaction; a step Postgres refuses
 * inside a transaction (CREATE INDEX CONCURRENTLY) is a group of its own. Every transaction starts
 * with `SET LOCAL lock_timeout` (no statement queues behind a table lock for longer) and the lock's
 * fence (a runner that lost the lock commits nothing). The last transaction writes the history row.
 *
 * A migration with steps outside its transaction records each group in the progress table as it
 * commits, so a run killed between them is resumed by the next one (`resumeAt`), and a step killed
 * in the middle is repaired through its probe (an INVALID index is dropped and built again).
 *
 * Nothing is ever run twice to find a failure: a batch names the statement that failed itself.
 */
import { createHash } from 'node:crypto'
import type { MigrationStep } from '../core/operations/replay.js'
import { AutoMigrationsError } from '../errors.js'
import { BatchError, type Engine, type MigrationLock, type Queryable } from './engines/engine.js'
import { type Committed, type FailedMigration, migrationFailure } from './failures.js'
import { deleteProgressSql, type ProgressRow, upsertProgressSql } from './history.js'

export interface RunContext {
  engine: Engine
  lock: MigrationLock
  historySchema: string
  /** `SET LOCAL lock_timeout` of every transaction, in ms. */
  ddlLockTimeoutMs: number
}

export interface MigrationRun extends FailedMigration {
  direction: 'forwards' | 'backwards'
  steps: readonly MigrationStep[]
  /** What the last transaction also runs: the history row's insert (forwards) or delete (backwards). */
  finish: readonly string[]
  /** Where an earlier run of this migration stopped between its steps, if it did. */
  stopped: ProgressRow | undefined
}

export interface StepGroup {
  transactional: boolean
  steps: MigrationStep[]
}

type SqlStep = Extract<MigrationStep['step'], { kind: 'sql' }>

const stepText = (step: MigrationStep) => (step.step.kind === 'sql' ? step.step.sql : '(raw function)')

/** The groups a migration runs in; the last is always a transaction (it carries the history row). */
export function groupSteps(steps: readonly MigrationStep[]): StepGroup[] {
  const groups: StepGroup[] = []
  for (const step of steps) {
    const last = groups[groups.length - 1]
    if (step.step.transactional && last?.transactional) last.steps.push(step)
    else groups.push({ transactional: step.step.transactional, steps: [step] })
  }
  if (!groups.length || !groups[groups.length - 1]!.transactional) groups.push({ transactional: true, steps: [] })
  return groups
}

/**
 * What the committed groups ran, as a hash: a run resumes only where the groups before it are still
 * the same statements (a fix to the step that failed, or to a later one, is taken as it is).
 */
function doneHash(groups: readonly StepGroup[], done: number): string {
  const hash = createHash('sha256')
  for (const group of groups.slice(0, done)) for (const step of group.steps) hash.update(`${stepText(step)}\u0000`)
  return hash.digest('hex').slice(0, 32)
}

/** A migration that stopped between its steps and can't go on as asked; `what` says what to do. */
export function partialError(m: FailedMigration, stopped: ProgressRow, what: string): AutoMigrationsError {
  return new AutoMigrationsError(
    'MIGRATION_PARTIAL',
    `Migration ${m.app} ${m.id}${m.file ? ` (${m.file})` : ''} stopped ${stopped.direction} after ${stopped.stepsDone} of its ${stopped.stepsTotal} steps${what}`,
    { app: m.app, migrationId: m.id, file: m.file },
  )
}

/** The first group to run: 0, or where an earlier run stopped if it ran the same steps before it. */
function resumePoint(run: MigrationRun, groups: readonly StepGroup[]): number {
  const { stopped } = run
  if (!stopped) return 0
  if (stopped.direction !== run.direction)
    throw partialError(run, stopped, `: run ${stopped.direction} again to finish it first.`)
  if (stopped.stepsDone > groups.length || doneHash(groups, stopped.stepsDone) !== stopped.checksum) {
    throw partialError(
      run,
      stopped,
      ', and the steps that committed are no longer the same in the file. Restore them as they were and run again to finish it; then write further changes as a new migration.',
    )
  }
  return stopped.stepsDone
}

export async function runMigration(ctx: RunContext, run: MigrationRun): Promise<void> {
  const groups = groupSteps(run.steps)
  const recordsProgress = groups.some((g) => !g.transactional)
  const prelude = [
    `${ctx.lock.tag} SET LOCAL lock_timeout = '${Math.max(0, Math.round(ctx.ddlLockTimeoutMs))}ms'`,
    ...(ctx.lock.fence ? [ctx.lock.fence] : []),
  ]
  const progressAfter = (done: number) =>
    upsertProgressSql(ctx.historySchema, {
      app: run.app,
      migrationId: run.id,
      checksum: doneHash(groups, done),
      direction: run.direction,
      stepsDone: done,
      stepsTotal: groups.length,
    })
  for (let at = resumePoint(run, groups); at < groups.length; at++) {
    const lost = ctx.lock.lost()
    if (lost) throw lost
    const group = groups[at]!
    const committed: Committed | undefined = recordsProgress ? { done: at, total: groups.length } : undefined
    if (!group.transactional) {
      await runOutside(ctx, run, group.steps[0]!, prelude, committed)
      await runTransaction(ctx, run, [], prelude, [progressAfter(at + 1)], committed)
      continue
    }
    const isLast = at === groups.length - 1
    const tail = isLast
      ? [...run.finish, ...(recordsProgress ? [deleteProgressSql(ctx.historySchema, run.app, run.id)] : [])]
      : [progressAfter(at + 1)]
    await runTransaction(ctx, run, group.steps, prelude, tail, committed)
  }
}

/** One transaction: the prelude, the steps, the tail. SQL only: one batch; with raw functions: step by step. */
async function runTransaction(
  ctx: RunContext,
  run: MigrationRun,
  steps: readonly MigrationStep[],
  prelude: readonly string[],
  tail: readonly string[],
  committed: Committed | undefined,
): Promise<void> {
  if (steps.every((s) => s.step.kind === 'sql')) {
    try {
      await ctx.engine.execBatch([...prelude, ...steps.map(stepText), ...tail])
    } catch (error) {
      const index = error instanceof BatchError ? error.statementIndex : undefined
      const step = index === undefined ? undefined : steps[index - prelude.length]
      throw migrationFailure(
        run,
        run.direction,
        error instanceof BatchError ? error.cause : error,
        placeOf(step),
        committed,
      )
    }
    return
  }
  let current: MigrationStep | undefined
  try {
    await ctx.engine.transaction(async (tx: Queryable) => {
      for (const sql of prelude) await tx.exec(sql)
      for (const step of steps) {
        current = step
        await (step.step.kind === 'raw' ? step.step.run(tx) : tx.exec(step.step.sql))
      }
      current = undefined
      for (const sql of tail) await tx.exec(sql)
    })
  } catch (error) {
    throw migrationFailure(run, run.direction, error, placeOf(current), committed)
  }
}

/**
 * A step outside the transaction. First a short fenced transaction checks the lock and takes the
 * table's lock under lock_timeout; then the probe tells whether a killed run already did the step
 * (skip), left it broken (clean up first) or never got to it.
 */
async function runOutside(
  ctx: RunContext,
  run: MigrationRun,
  migrationStep: MigrationStep,
  prelude: readonly string[],
  committed: Committed | undefined,
): Promise<void> {
  const step = migrationStep.step as SqlStep
  const { engine, lock } = ctx
  try {
    await engine.execBatch([
      ...prelude,
      ...(step.table ? [`LOCK TABLE ${step.table} IN SHARE UPDATE EXCLUSIVE MODE`] : []),
    ])
  } catch (error) {
    throw migrationFailure(
      run,
      run.direction,
      error instanceof BatchError ? error.cause : error,
      placeOf(migrationStep),
      committed,
    )
  }
  try {
    if (step.probe) {
      const { rows } = await engine.query<{ done: boolean | null }>(`${lock.tag} ${step.probe}`)
      const done = rows[0]?.done ?? null
      if (done === true) return
      if (done === false && step.cleanup) await engine.exec(`${lock.tag} ${step.cleanup}`)
    }
    await engine.exec(`${lock.tag} ${step.sql}`)
  } catch (error) {
    // A failed build leaves an INVALID index behind: take it away, so the rerun starts clean.
    if (step.cleanup) await engine.exec(`${lock.tag} ${step.cleanup}`).catch(() => undefined)
    throw migrationFailure(run, run.direction, error, placeOf(migrationStep), committed)
  }
}

const placeOf = (step: MigrationStep | undefined) =>
  step ? { operation: step.operation.describe(), sql: stepText(step) } : {}
