/**
 * `auto-migrations squash <app> [--from ID] [--to ID]`: writes one migration that replaces a run of
 * the app's migrations (build/project/squash.ts). It touches no database and deletes nothing: the
 * replaced files stay until the user deletes them, once every database has run them.
 */
import { AutoMigrationsError } from '../../errors.js'
import { type ParsedArgs, stringOption } from '../args.js'
import type { Command, CommandContext } from '../context.js'
import { printErrors } from '../report.js'

async function squash(this: Command, ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [appName, ...extra] = args.positionals
  if (appName === undefined || appName === 'all')
    throw new AutoMigrationsError('USAGE', `Which app? squash works on one app. Usage: auto-migrations ${this.usage}`)
  if (extra.length > 0)
    throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra[0]}". Usage: auto-migrations ${this.usage}`)

  const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
  const { planSquash } = await import('../../build/project/squash.js')
  const { writeFileAtomic } = await import('../../build/writer/index.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
  const app = requireApp(replayed, appName)
  // The squash is computed from every app's history: a broken one can't be trusted.
  const broken = replayed.apps.flatMap((a) => a.errors)
  if (broken.length > 0) {
    printErrors(ctx, broken)
    ctx.err('Nothing was written: fix the migration files above first (auto-migrations check lists every problem).')
    return 1
  }
  const plan = planSquash(replayed, app.app.name, {
    from: stringOption(args, 'from'),
    to: stringOption(args, 'to'),
    description: stringOption(args, 'desc'),
  })
  await writeFileAtomic(plan.file, plan.text)
  const first = plan.replaced[0]!
  const last = plan.replaced.at(-1)!
  ctx.out(
    `wrote ${ctx.show(plan.file)}: ${plan.operationCount} operation${plan.operationCount === 1 ? '' : 's'} replacing ${plan.replaced.length} migrations of ${appName} (${first.id} to ${last.id})`,
  )
  ctx.out(
    'A database that ran them all records it as ran; one that ran some runs the rest first; a new one runs only it.',
  )
  ctx.out('Once every database (production included) has run them, you may delete the replaced files:')
  for (const m of plan.replaced) ctx.out(`  ${ctx.show(m.file)}`)
  return 0
}

export const squashCommand: Command = {
  words: ['squash'],
  usage: 'squash <app> [--from ID] [--to ID] [--desc TEXT]',
  summary: "write one migration that replaces a run of the app's migrations (default: all of them), exporting REPLACES",
  help: [
    '',
    'A database that ran every replaced migration records the new one as ran; one that ran some runs',
    'the rest first, then records it; a new database runs only the new one. The replaced files may be',
    'deleted once every database has run them. Refuses (SQUASH_REFUSED) a run with raw SQL or functions,',
    "and a run that another app's migration sits in the middle of.",
  ],
  options: {
    from: {
      type: 'string',
      value: 'ID',
      description: 'the first migration to replace (ID or file name; default: the first)',
    },
    to: {
      type: 'string',
      value: 'ID',
      description: 'the last migration to replace (ID or file name; default: the latest)',
    },
    desc: { type: 'string', value: 'TEXT', description: 'the description of the new migration' },
  },
  run: squash,
}
