/**
 * The commands that run migrations (SPEC §8): `forwards`, `backwards`, `status`. Each loads the
 * project state with every operation (config, apps, migration files), checks the arguments and the
 * migration files of the apps it touches, and
 * only then opens the database: a usage error or a broken migration file never costs a connection.
 * The database is `--database` when given, else the config's; the engine is closed before the
 * command returns, whatever happened, so the process exits as soon as the command is done.
 *
 * The runtime (and with it the database drivers) is imported only by these commands, on first use.
 */
import { closure } from '../../core/graph.js'
import { AutoMigrationsError } from '../../errors.js'
import type { ProjectMigratorOptions } from '../../build/project/apply.js'
import { asAutoMigrationsError } from '../../build/project/errors.js'
import type { RecordedAppState, RecordedProjectState } from '../../build/project/project-state.js'
import type { DatabaseOption } from '../../runtime/engines/engine.js'
import type { AppliedMigration, MigrationStatus, Migrator } from '../../runtime/runner.js'
import { type ParsedArgs, flag, stringOption } from '../args.js'
import type { Command, CommandContext } from '../context.js'
import { isYes } from '../io.js'
import { errorJson, printErrors, printJson } from '../report.js'

/** The apps `name` needs, itself included: what `forwards <app>` runs and what its SQL is generated from. */
function dependencyClosure(replayed: RecordedProjectState, name: string): Set<string> {
  return closure(name, (app) => replayed.apps.find((a) => a.app.name === app)?.app.dependencies)
}

/**
 * The apps whose history loaded soundly. A broken app outside the command's scope is left out of the
 * runner (its migrations can't be trusted) without blocking the command; one inside blocks it.
 */
const soundApps = (replayed: RecordedProjectState): RecordedAppState[] =>
  replayed.apps.filter((a) => a.errors.length === 0)

/**
 * Prints the errors of the apps in `scope` and says nothing ran; true when there were any. With
 * --json, stdout gets them as one error document too: the first one's code, every one in `details.errors`.
 */
function blockedByBrokenApps(
  ctx: CommandContext,
  replayed: RecordedProjectState,
  scope: ReadonlySet<string> | undefined,
  json = false,
): boolean {
  const errors = replayed.apps.filter((a) => !scope || scope.has(a.app.name)).flatMap((a) => a.errors)
  if (errors.length === 0) return false
  printErrors(ctx, errors)
  const message = 'Nothing was run: fix the migration files above first (auto-migrations check lists every problem).'
  ctx.err(message)
  if (json) printJson(ctx, { error: { code: errors[0]!.code, message, details: { errors: errors.map(errorJson) } } })
  return true
}

/** A database option as it may be shown: never a password. */
export function describeDatabase(database: DatabaseOption): string {
  if (database === undefined || database === '') return 'the embedded database (.auto-migrations/db)'
  if (typeof database !== 'string') return 'the database of the config'
  if (database.startsWith('pglite:')) return `the embedded database in ${database.slice('pglite:'.length)}`
  try {
    const url = new URL(database)
    if (url.password) url.password = '***'
    if (url.searchParams.has('password')) url.searchParams.set('password', '***')
    return url.toString()
  } catch {
    return `${database.split('://')[0]}://…`
  }
}

/**
 * A driver or network failure outside a migration (the server is down, the database doesn't exist,
 * the password is wrong) as a user error naming the database. A migration's own failure is already
 * a MIGRATION_FAILED naming the file, the operation and the SQL; anything without a code is a bug
 * and keeps its stack.
 */
export function databaseError(error: unknown, database: DatabaseOption): unknown {
  if (asAutoMigrationsError(error) || !(error instanceof Error)) return error
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return error
  // Node's connect errors can be AggregateErrors (one per address tried) with an empty message.
  const message =
    error.message ||
    (error instanceof AggregateError ? error.errors.map((e) => String((e as Error)?.message ?? e)).join('; ') : '') ||
    code
  return new AutoMigrationsError(
    'DATABASE_ERROR',
    `Could not use ${describeDatabase(database)}: ${message} [${code}]. Check --database, or the database in the config.`,
    { pgCode: code },
    { cause: error },
  )
}

/**
 * Opens a runner on the command's database, runs `fn`, and closes the database whatever happened
 * (a failure to close does not hide the command's own error).
 */
export async function withMigrator<T>(
  ctx: CommandContext,
  replayed: RecordedProjectState,
  fn: (migrator: Migrator) => Promise<T>,
): Promise<T> {
  const { projectMigrator } = await import('../../build/project/apply.js')
  const database: DatabaseOption = ctx.database ?? replayed.project.config.database
  const options: ProjectMigratorOptions = { apps: soundApps(replayed).map((a) => a.app.name) }
  if (ctx.progress) options.onProgress = ctx.progress
  if (database !== undefined) options.database = database
  const migrator = projectMigrator(replayed, options)
  let result: T
  try {
    result = await fn(migrator)
  } catch (error) {
    await migrator.close().catch(() => undefined)
    throw databaseError(error, database)
  }
  try {
    await migrator.close()
  } catch (error) {
    throw databaseError(error, database)
  }
  return result
}

const noun = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const named = (m: { app: string; id: string; description?: string }) =>
  `${m.app} ${m.id}${m.description ? ` ${m.description}` : ''}`

const migrationKey = (m: { app: string; id: string }) => `${m.app}\u0000${m.id}`

const appliedLine = (m: AppliedMigration, fake: boolean) =>
  fake ? `faked ${named(m)} (recorded as run; its SQL did not run)` : `applied ${named(m)} (${m.durationMs} ms)`

/** A migration ID of `app`, given as its ID or its file name (as `sql` takes it). */
function migrationIdOf(app: RecordedAppState, given: string, option: string): string {
  const found = app.migrations.find(
    (m) => m.id === given || m.file.endsWith(`/${given}`) || m.file.endsWith(`\\${given}`),
  )
  if (found) return found.id
  const ids = app.migrations.map((m) => m.id)
  throw new AutoMigrationsError(
    'UNKNOWN_MIGRATION',
    `${option} ${given}: app "${app.app.name}" has no such migration. ${ids.length ? `Its migrations are: ${ids.join(', ')}.` : 'It has no migrations yet.'}`,
    { app: app.app.name, migrationId: given },
  )
}

function noExtra(extra: readonly string[], usage: string): void {
  if (extra.length > 0)
    throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra[0]}". Usage: auto-migrations ${usage}`)
}

async function forwards(this: Command, ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [target, ...extra] = args.positionals
  noExtra(extra, this.usage)
  const to = stringOption(args, 'to')
  const fake = flag(args, 'fake')
  const json = flag(args, 'json')
  const appName = target === undefined || target === 'all' ? undefined : target
  if (to !== undefined && appName === undefined) {
    throw new AutoMigrationsError(
      'USAGE',
      '--to needs an app: auto-migrations forwards <app> --to ID (it stops after that migration of the app).',
    )
  }

  const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
  const app = appName === undefined ? undefined : requireApp(replayed, appName)
  const scope = appName === undefined ? undefined : dependencyClosure(replayed, appName)
  if (blockedByBrokenApps(ctx, replayed, scope, json)) return 1
  const toId = app && to !== undefined ? migrationIdOf(app, to, '--to') : undefined

  return withMigrator(ctx, replayed, async (migrator) => {
    // Each line is printed as its migration commits, so a long run shows progress. Those printed are
    // remembered: the report after the run (or after a failure) never prints one twice.
    const printed = new Map<string, AppliedMigration>()
    const report = (list: readonly AppliedMigration[]) => {
      for (const m of list) {
        if (printed.has(migrationKey(m))) continue
        printed.set(migrationKey(m), m)
        if (!json) ctx.out(ctx.paint.out.green(appliedLine(m, fake)))
      }
    }
    let result: Awaited<ReturnType<Migrator['migrate']>>
    try {
      result = await migrator.migrate({
        ...(appName === undefined ? {} : { app: appName }),
        ...(toId === undefined ? {} : { to: toId }),
        fake,
        onApplied: (m) => report([m]),
      })
    } catch (error) {
      // What this run applied before the failure (the runner says so on its error): it stays applied.
      const known = asAutoMigrationsError(error)
      const listed = known?.details.applied
      report(Array.isArray(listed) ? (listed as AppliedMigration[]) : [])
      // --json prints the error's details: they say what stays applied, as the text report does.
      if (known && !Array.isArray(listed)) known.details.applied = [...printed.values()]
      const stays = printed.size
      const partly = typeof known?.details.stepsCommitted === 'number' && known.details.stepsCommitted > 0
      const failed = partly
        ? 'the one that failed stopped part-way (status shows it as partial; forwards resumes it)'
        : 'the one that failed was not applied'
      if (!json && stays > 0)
        ctx.err(
          `${stays === 1 ? 'The migration above stays' : `The ${stays} migrations above stay`} applied; ${failed}.`,
        )
      throw known ?? error
    }
    report(result.applied)
    for (const m of result.applied.filter((a) => a.outOfOrder)) {
      ctx.err(
        `warning: ${m.app} ${m.id} was applied out of order: a newer migration of ${m.app} had already run (a merged branch?). Check that they don't conflict.`,
      )
    }
    const missing = result.missing.filter((m) => !scope || scope.has(m.app))
    for (const m of missing) {
      ctx.err(
        `warning: ${m.app} ${m.id} is recorded as run but has no migration file (deleted, renamed, or from another branch).`,
      )
    }
    if (json) printJson(ctx, { applied: result.applied, missing })
    else if (result.applied.length === 0) ctx.out('Nothing to apply.')
    else if (fake) ctx.out(`Recorded ${noun(result.applied.length, 'migration')} as run without running them (--fake).`)
    return 0
  })
}

async function backwards(this: Command, ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [appName, ...extra] = args.positionals
  if (appName === undefined || appName === 'all') {
    throw new AutoMigrationsError(
      'USAGE',
      `Which app? backwards reverses the migrations of one app. Usage: auto-migrations ${this.usage}`,
    )
  }
  noExtra(extra, this.usage)
  const to = stringOption(args, 'to')
  const stepsText = stringOption(args, 'steps')
  if (to !== undefined && stepsText !== undefined)
    throw new AutoMigrationsError('USAGE', 'Give --to ID or --steps N, not both.')
  if (stepsText !== undefined && !/^[1-9]\d*$/.test(stepsText)) {
    throw new AutoMigrationsError(
      'USAGE',
      `--steps ${stepsText}: give how many migrations to reverse, a whole number from 1.`,
    )
  }
  const steps = stepsText === undefined ? 1 : Number(stepsText)
  const yes = flag(args, 'yes')
  const fake = flag(args, 'fake')

  const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
  const app = requireApp(replayed, appName)
  if (blockedByBrokenApps(ctx, replayed, dependencyClosure(replayed, appName))) return 1
  const toId = to === undefined ? undefined : migrationIdOf(app, to, '--to')

  const cascade = flag(args, 'cascade')
  return withMigrator(ctx, replayed, async (migrator) => {
    const status = await migrator.status()
    // A changed migration blocks every run: the runner raises CHECKSUM_CHANGED before it touches anything.
    const changed = status.some((s) => s.state === 'changed')
    const options = { app: appName, ...(toId === undefined ? { steps } : { to: toId }), fake, cascade }
    // The runner's choice, shown before it runs (newest first); it refuses here when another app's
    // applied migration depends on one of them and there is no --cascade.
    const targets = changed ? [] : (await migrator.rollback({ ...options, preview: true })).reversed
    if (!changed && targets.length === 0) {
      ctx.out(`Nothing to reverse in ${appName}${toId === undefined ? '' : ` after ${toId}`}.`)
      return 0
    }
    if (!changed && !yes) {
      const list = targets.map(
        (m) => `  - ${m.app === appName ? '' : `${m.app} `}${m.id}${m.description ? ` ${m.description}` : ''}`,
      )
      const question = `Reverse ${noun(targets.length, 'migration')} of ${appName}?`
      const what = fake
        ? 'only their history rows are deleted; the schema stays as it is (--fake)'
        : 'dropped tables and columns lose their data'
      if (!ctx.io.prompt) {
        ctx.err(`${question} (newest first; ${what}):`)
        for (const line of list) ctx.err(line)
        throw new AutoMigrationsError(
          'DESTRUCTIVE_CHANGE',
          `Not reversed: reversing migrations can lose data, and there is no terminal to confirm it in. Pass --yes to reverse ${targets.length === 1 ? 'it' : 'them'}.`,
          { app: appName },
        )
      }
      ctx.out(`These migrations of ${appName} will be reversed, newest first (${what}):`)
      for (const line of list) ctx.out(line)
      if (!isYes(await ctx.io.prompt(`${question} (y/N)`))) {
        ctx.err('Nothing was reversed.')
        return 1
      }
    }
    let result: Awaited<ReturnType<Migrator['rollback']>>
    try {
      result = await migrator.rollback(options)
    } catch (error) {
      // Each migration is reversed in its own transaction: say which ones were, before the failure.
      const after = await migrator.status().catch(() => undefined)
      const reversed = after
        ? targets.filter((t) => after.some((s) => s.app === t.app && s.id === t.id && s.state === 'pending'))
        : []
      for (const m of reversed) ctx.out(`${fake ? 'unrecorded' : 'reversed'} ${named(m)}`)
      if (reversed.length > 0)
        ctx.err(
          `${reversed.length === 1 ? 'The migration above stays' : `The ${reversed.length} migrations above stay`} reversed; the one that failed was not.`,
        )
      throw error
    }
    for (const m of result.reversed) ctx.out(`${fake ? 'unrecorded' : 'reversed'} ${named(m)}`)
    if (result.reversed.length === 0) ctx.out(`Nothing to reverse in ${appName}.`)
    else if (fake)
      ctx.out(`Deleted ${noun(result.reversed.length, 'history row')} without reversing the schema (--fake).`)
    return 0
  })
}

const STATE_ORDER = ['ran', 'pending', 'partial', 'changed', 'missing'] as const

/**
 * Status rows in the order migrations run (the runner gives them in the order of the migration
 * graph, rows only the history knows last), then a row for each app without migrations.
 */
function inRunOrder(rows: readonly MigrationStatus[]): MigrationStatus[] {
  const missing = rows.filter((r) => r.state === 'missing').sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0))
  return [...rows.filter((r) => r.state !== 'missing'), ...missing]
}

/** The status table: one row per migration, in the order they run (see inRunOrder). */
export function statusTable(rows: readonly MigrationStatus[], apps: readonly string[]): string[] {
  if (rows.length === 0 && apps.length === 0) return []
  const cells: string[][] = [['app', 'migration', 'state', 'ran on (UTC)', 'description']]
  for (const r of inRunOrder(rows)) {
    cells.push([
      r.app,
      r.id,
      r.steps ? `partial (${r.steps.done}/${r.steps.total} steps)` : r.state,
      r.ranOn ? r.ranOn.toISOString().slice(0, 19).replace('T', ' ') : '-',
      r.description,
    ])
  }
  for (const app of apps) if (!rows.some((r) => r.app === app)) cells.push([app, '(no migrations)', '', '', ''])
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)))
  return cells.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  )
}

/**
 * `status --json`: the rows in the table's order, every key always there (null when unknown), the
 * file relative to the project root as messages show it.
 */
function statusJson(ctx: CommandContext, rows: readonly MigrationStatus[]) {
  return inRunOrder(rows).map((r) => ({
    app: r.app,
    id: r.id,
    description: r.description,
    state: r.state,
    ranOn: r.ranOn?.toISOString() ?? null,
    file: r.file ? ctx.show(r.file) : null,
    steps: r.steps ?? null,
  }))
}

async function status(this: Command, ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [target, ...extra] = args.positionals
  noExtra(extra, this.usage)
  const json = flag(args, 'json')
  const appName = target === 'all' ? undefined : target
  const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
  if (appName !== undefined) requireApp(replayed, appName)
  const inScope = (app: string) => appName === undefined || app === appName
  const broken = replayed.apps.filter((a) => inScope(a.app.name) && a.errors.length > 0)
  printErrors(
    ctx,
    broken.flatMap((a) => a.errors),
  )
  const listed = replayed.apps.filter((a) => inScope(a.app.name) && a.errors.length === 0).map((a) => a.app.name)
  if (broken.length > 0 && listed.length === 0) {
    if (json) printJson(ctx, [])
    return 1
  }

  const rows = await withMigrator(ctx, replayed, (migrator) => migrator.status())
  // The rows of a broken app would all read "missing": its files did not load. Its errors say why.
  const shown = rows.filter((r) => inScope(r.app) && !broken.some((a) => a.app.name === r.app))
  if (json) {
    // The rows say it all (state "changed", "missing"); the errors of broken apps went to stderr.
    printJson(ctx, statusJson(ctx, shown))
    if (broken.length > 0)
      ctx.err(
        `Not listed (their migration files did not load, see above): ${broken.map((a) => a.app.name).join(', ')}.`,
      )
    return shown.some((r) => r.state === 'changed') || broken.length > 0 ? 1 : 0
  }
  const table = statusTable(shown, listed)
  for (const line of table) ctx.out(line)
  if (table.length > 0) ctx.out()

  const counts = STATE_ORDER.map((state) => [state, shown.filter((r) => r.state === state).length] as const).filter(
    ([, n]) => n > 0,
  )
  if (counts.length > 0) ctx.out(`${counts.map(([state, n]) => `${n} ${state}`).join(', ')}.`)
  else if (table.length > 0) ctx.out('No migrations yet.')
  else ctx.out('The config lists no apps yet: create one with npx auto-migrations app new <name>.')
  const pending = shown.filter((r) => r.state === 'pending')
  if (pending.length > 0)
    ctx.out(
      `Apply ${pending.length === 1 ? 'it' : 'them'} with: npx auto-migrations forwards${appName === undefined ? '' : ` ${appName}`}`,
    )
  for (const r of shown.filter((s) => s.state === 'partial')) {
    ctx.err(
      `warning: ${r.app} ${r.id} stopped ${r.steps?.direction ?? 'forwards'} between its steps outside a transaction (a crash or a failure); ` +
        `npx auto-migrations ${r.steps?.direction === 'backwards' ? `backwards ${r.app}` : 'forwards'} resumes it.`,
    )
  }
  for (const r of shown.filter((s) => s.state === 'missing')) {
    ctx.err(
      `warning: ${r.app} ${r.id} is recorded as run but has no migration file (deleted, renamed, or from another branch).`,
    )
  }
  const changed = shown.filter((r) => r.state === 'changed')
  for (const r of changed) {
    ctx.err(
      `error [CHECKSUM_CHANGED]: ${r.app} ${r.id}${r.file ? ` (${ctx.show(r.file)})` : ''} changed after it ran. Restore the file as it was, ` +
        `or write the change as a new migration (npx auto-migrations new ${r.app} --auto); forwards and backwards refuse to run until then.`,
    )
  }
  if (broken.length > 0) {
    ctx.err(`Not listed (their migration files did not load, see above): ${broken.map((a) => a.app.name).join(', ')}.`)
  }
  return changed.length > 0 || broken.length > 0 ? 1 : 0
}

export const runCommands: Command[] = [
  {
    words: ['forwards'],
    usage: 'forwards [app|all] [--to ID] [--fake] [--json]',
    summary:
      'run pending migrations: of every app, or of one app and the apps it depends on (--to: stop after that migration)',
    help: [
      '',
      'Prints a line per migration as it commits: applied <app> <id> <description> (<ms> ms).',
      '--json: prints nothing while it runs, then one JSON document on stdout:',
      '  {"applied": [{"app", "id", "description", "durationMs", "outOfOrder"}], "missing": [{"app", "id"}]}',
      '  On failure, exit code 1 and instead {"error": {"code", "message", "details"}} on stdout (the',
      '  message on stderr as usual); details.applied lists the migrations applied before the failure,',
      '  which stay applied. Warnings (out of order, missing files) still go to stderr.',
    ],
    options: {
      to: {
        type: 'string',
        value: 'ID',
        description: 'with an app: stop after this migration of it (its ID or its file name)',
      },
      fake: { type: 'boolean', description: 'record the migrations as run without running their SQL' },
      json: {
        type: 'boolean',
        description: 'print nothing while it runs, then one JSON document on stdout (see below)',
      },
    },
    run: forwards,
  },
  {
    words: ['backwards'],
    usage: 'backwards <app> [--to ID | --steps N] [--cascade] [--yes] [--fake]',
    summary:
      'reverse the latest migration of an app (--steps N: the latest N; --to ID: every one after ID; --cascade: first the applied migrations of other apps that depend on them); asks first unless --yes',
    options: {
      to: { type: 'string', value: 'ID', description: 'reverse every migration of the app after this one' },
      steps: { type: 'string', value: 'N', description: 'reverse the latest N migrations of the app (default: 1)' },
      cascade: {
        type: 'boolean',
        description: 'first reverse the applied migrations of other apps that depend on them, newest first',
      },
      yes: { type: 'boolean', description: 'do not ask for confirmation (required without a terminal)' },
      fake: {
        type: 'boolean',
        description: 'delete their history rows only: the schema stays as it is',
      },
    },
    run: backwards,
  },
  {
    words: ['status'],
    usage: 'status [app|all] [--json]',
    summary: 'list migrations as ran / pending / changed / missing (exit 1 when one changed after it ran)',
    help: [
      '',
      "--json: one JSON array on stdout, a row per migration in the table's order:",
      '  [{"app", "id", "description", "state", "ranOn" (ISO 8601 or null), "file" (relative to the project, or null), "steps" ({done, total, direction} of a partial migration, or null)}]',
      '  Exit codes as without it. On failure, {"error": {"code", "message", "details"}} on stdout instead.',
    ],
    options: {
      json: { type: 'boolean', description: 'print one JSON array on stdout (see below) instead of the table' },
    },
    run: status,
  },
]
