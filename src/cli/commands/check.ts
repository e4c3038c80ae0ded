/**
 * `auto-migrations check`: for CI. Exit 1 when any app has a change without a migration, or broken
 * history (a migration that throws, duplicate IDs, an invalid model); 0 otherwise.
 */
import { AutoMigrationsError } from '../../errors.js'
import { openProjectSession } from '../../project/session.js'
import { flag } from '../args.js'
import type { Command } from '../context.js'
import { formatChanges, printErrors } from '../report.js'

export const checkCommand: Command = {
  words: ['check'],
  usage: 'check [--no-cache]',
  summary: 'exit 1 when any app has an un-migrated change or broken history (for CI)',
  options: { 'no-cache': 'boolean' },
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new AutoMigrationsError('USAGE', `Unexpected argument "${args.positionals[0]}". Usage: auto-migrations ${this.usage}`)
    const session = await openProjectSession({ root: ctx.root, ...(ctx.config === undefined ? {} : { configFile: ctx.config }), historyCache: !flag(args, 'no-cache') })
    try {
      const result = await session.check()
      printErrors(ctx, result.errors)
      for (const line of formatChanges(ctx, result.changes)) ctx.out(line)
      if (result.ok) {
        // Said when nothing was loaded, so that a surprising "No changes" can be checked with --no-cache.
        ctx.out(`No changes: every app's migrations match its tables${result.unchanged ? ' (no file changed since the last check)' : ''}.`)
        return 0
      }
      return 1
    } finally {
      await session.close()
    }
  },
}
