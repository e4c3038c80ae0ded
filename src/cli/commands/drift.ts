/**
 * `auto-migrations drift [--database URL] [--json]`: compares the live database with the schema its
 * applied migrations describe (build/project/drift.ts) and lists each difference in the model's
 * words. Exit 1 when there is any, 0 when none. The database is only read.
 */
import { AutoMigrationsError } from '../../errors.js'
import type { DatabaseOption } from '../../runtime/engines/engine.js'
import { flag } from '../args.js'
import type { Command } from '../context.js'
import { printErrors, printJson } from '../report.js'
import { databaseError, describeDatabase } from './run.js'

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

export const driftCommand: Command = {
  words: ['drift'],
  usage: 'drift [--json]',
  summary:
    'compare the live database with what its applied migrations describe; exit 1 listing each difference (extra column, missing index, other type...)',
  help: [
    '',
    'Only the migrations the history table records as ran are replayed, in the order they run, into',
    'a scratch database (a new database on the same server, or a temporary embedded one), which is',
    'then compared with the live database object by object. Nothing is written to the live database.',
    '--json: one JSON array on stdout, a difference per entry:',
    '  [{"kind" (extra|missing|changed), "object" (column, index, ...), "name", "table"?, "attribute"?, "actual"?, "expected"?, "message"}]',
  ],
  options: {
    json: { type: 'boolean', description: 'print one JSON array of the differences on stdout (see below)' },
  },
  async run(ctx, args) {
    const [extra] = args.positionals
    if (extra !== undefined)
      throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra}". Usage: auto-migrations ${this.usage}`)
    const json = flag(args, 'json')
    const { loadProjectState } = await import('../../build/project/project-state.js')
    const { findDrift } = await import('../../build/project/drift.js')
    const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
    const broken = replayed.apps.flatMap((a) => a.errors)
    if (broken.length > 0) {
      printErrors(ctx, broken)
      ctx.err('Drift was not compared: fix the migration files above first (their schema is unknown).')
      if (json) printJson(ctx, [])
      return 1
    }
    const database: DatabaseOption = ctx.database ?? replayed.project.config.database
    const shown = describeDatabase(database)
    let report: Awaited<ReturnType<typeof findDrift>>
    try {
      report = await findDrift(replayed, { database })
    } catch (error) {
      throw databaseError(error, database)
    }
    for (const s of report.uncertain) {
      const why =
        s.state === 'changed'
          ? 'changed after it ran: compared as its file says now'
          : s.state === 'partial'
            ? 'stopped part-way: left out'
            : 'is recorded as run but has no file: left out'
      ctx.err(`warning: ${s.app} ${s.id} ${why}.`)
    }
    if (json) {
      printJson(ctx, report.differences)
      return report.differences.length > 0 ? 1 : 0
    }
    if (!report.exists) {
      ctx.out(`No drift: ${shown} does not exist yet.`)
      return 0
    }
    const migrations = plural(report.replayed.length, 'applied migration')
    if (report.differences.length === 0) {
      ctx.out(ctx.paint.out.green(`No drift: ${shown} matches its ${migrations}.`))
      return 0
    }
    ctx.out(
      `${shown} differs from what its ${migrations} describe (${plural(report.differences.length, 'difference')}):`,
    )
    for (const d of report.differences) ctx.out(`  - ${d.message}`)
    ctx.out(
      'Undo the changes made by hand, or keep them: declare them in the tables, write a migration (npx auto-migrations new <app> --auto) and record it as run (npx auto-migrations forwards --fake).',
    )
    return 1
  },
}
