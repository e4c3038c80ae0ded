/**
 * `auto-migrations check`: for CI. Exit 1 when any app has a change without a migration, or broken
 * history (a migration that throws, duplicate IDs, an invalid model); 0 otherwise.
 *
 * `--scratch` also builds an empty embedded database (in a temporary folder) from every migration,
 * in the order of the migration graph, as a new deployment or a new developer's machine would: the
 * replay that `check` does follows schemas, and only Postgres says whether the SQL runs (hand-written
 * SQL, a DEPENDS_ON edited by hand).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AutoMigrationsError } from '../../errors.js'
import { asAutoMigrationsError } from '../../build/project/errors.js'
import { openProjectSession } from '../../build/project/session.js'
import { flag } from '../args.js'
import type { Command, CommandContext } from '../context.js'
import type { ChangeReport, CheckResult } from '../../build/project/types.js'
import { type ErrorJson, errorJson, formatChanges, printErrors, printJson } from '../report.js'

/** A change as `check --json` prints it: `table` and `file` are null when the change is not about one table. */
interface ChangeJson {
  kind: ChangeReport['kind']
  table: string | null
  description: string
  file: string | null
  fix: string
}

interface AppJson {
  /** Every un-migrated change of the app, in the order the text lists them. */
  changes: ChangeJson[]
  /** Those `new <app> --auto` holds back without a terminal: the ambiguous and destructive ones. */
  held: ChangeJson[]
  errors: ErrorJson[]
}

/** `check --json`: per app, what the text report lists; errors that belong to no app at the top. */
function checkJson(ctx: CommandContext, result: CheckResult) {
  const apps: Record<string, AppJson> = {}
  const appOf = (name: string): AppJson => {
    const found = apps[name]
    if (found) return found
    const created: AppJson = { changes: [], held: [], errors: [] }
    apps[name] = created
    return created
  }
  const errors: ErrorJson[] = []
  for (const error of result.errors) {
    const app = error.details.app
    ;(typeof app === 'string' ? appOf(app).errors : errors).push(errorJson(error))
  }
  for (const change of result.changes) {
    const json: ChangeJson = {
      kind: change.kind,
      table: change.table ?? null,
      description: change.description,
      file: change.file ? ctx.show(change.file) : null,
      fix: change.fix,
    }
    appOf(change.app).changes.push(json)
    if (change.kind !== 'change') appOf(change.app).held.push(json)
  }
  return {
    ok: result.ok,
    unchanged: result.unchanged === true,
    apps,
    errors,
    warnings: result.warnings ?? [],
    scratch: null as ScratchJson | null,
  }
}

type ScratchJson = { ok: true } | { ok: false; error: ErrorJson }

export const checkCommand: Command = {
  words: ['check'],
  usage: 'check [--scratch] [--no-cache] [--json]',
  summary:
    'exit 1 when any app has an un-migrated change or broken history (for CI); --scratch also builds an empty database from every migration',
  help: [
    '',
    'Exit code 1 when an app has an un-migrated change or broken history, or (--scratch) the migrations',
    'do not build an empty database; 0 otherwise.',
    '--json: one JSON document on stdout, nothing else there (errors are on stderr too):',
    '  {"ok", "unchanged" (answered from the cache), "apps": {"<app>": {"changes": [{"kind" (change,',
    '  ambiguous, destructive or needs-value), "table", "description", "file", "fix"}], "held" (all but',
    '  the plain changes: new --auto writes them only once answered), "errors": [{"code", "message",',
    '  "details"}]}}, "errors" (those of no app), "scratch" (null, or {"ok"} and its "error")}',
    '  Apps with nothing to report are left out. When the command cannot run (no config),',
    '  {"error": {"code", "message", "details"}} instead.',
  ],
  options: {
    scratch: {
      type: 'boolean',
      description: 'also build an empty embedded database (in a temporary folder) from every migration',
    },
    'no-cache': {
      type: 'boolean',
      description: 'read and write no cache (node_modules/.auto-migrations/cache): load everything',
    },
    json: { type: 'boolean', description: 'print one JSON document on stdout (see below), nothing else there' },
  },
  async run(ctx, args) {
    if (args.positionals.length > 0)
      throw new AutoMigrationsError(
        'USAGE',
        `Unexpected argument "${args.positionals[0]}". Usage: auto-migrations ${this.usage}`,
      )
    const json = flag(args, 'json')
    const session = await openProjectSession({
      root: ctx.root,
      ...(ctx.config === undefined ? {} : { configFile: ctx.config }),
      stateCache: !flag(args, 'no-cache'),
    })
    let ok: boolean
    let report: ReturnType<typeof checkJson> | undefined
    try {
      const result = await session.check()
      printErrors(ctx, result.errors)
      for (const warning of result.warnings ?? []) ctx.err(`warning: ${warning}`)
      ok = result.ok
      if (json) report = checkJson(ctx, result)
      else for (const line of formatChanges(ctx, result.changes)) ctx.out(line)
      if (ok && !json) {
        // Said when nothing was loaded, so that a surprising "No changes" can be checked with --no-cache.
        ctx.out(
          ctx.paint.out.green(
            `No changes: every app's migrations match its tables${result.unchanged ? ' (no file changed since the last check)' : ''}.`,
          ),
        )
      }
    } finally {
      await session.close()
    }
    if (!flag(args, 'scratch') || !ok) {
      if (report) printJson(ctx, report)
      return ok ? 0 : 1
    }
    const problem = await buildFromScratch(ctx)
    if (problem) {
      printErrors(ctx, [problem])
      ctx.err(
        'The migrations do not build an empty database (they run in the order of the migration graph: see "Migration files" in the README).',
      )
      if (report) printJson(ctx, { ...report, ok: false, scratch: { ok: false, error: errorJson(problem) } })
      return 1
    }
    if (report) printJson(ctx, { ...report, scratch: { ok: true } })
    else ctx.out(ctx.paint.out.green('Built an empty database from every migration.'))
    return 0
  },
}

/** Runs every migration on a new embedded database in a temporary folder; the failure, if any. */
async function buildFromScratch(ctx: CommandContext): Promise<AutoMigrationsError | undefined> {
  const { loadProjectState } = await import('../../build/project/project-state.js')
  const { projectMigrator } = await import('../../build/project/apply.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-scratch-'))
  const migrator = projectMigrator(replayed, { database: `pglite:${dir}` })
  try {
    await migrator.migrate()
    return undefined
  } catch (error) {
    const known = asAutoMigrationsError(error)
    if (known) return known
    throw error
  } finally {
    await migrator.close()
    await rm(dir, { recursive: true, force: true })
  }
}
