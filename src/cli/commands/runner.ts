/**
 * The runner commands (SPEC §8): `forwards`, `backwards`, `status`. They are listed so that help
 * shows the whole CLI and so that their options parse; they are not wired yet.
 *
 * TODO(lead): implement with src/runtime's `createMigrator`: `loadHistory({ root: ctx.root,
 * configFile: ctx.config })`, then a migrator over every app's recorded migrations (see
 * src/project/apply.ts `applyPending`, which builds one), with `database: ctx.database ??
 * history.project.config.database`. `backwards` asks for confirmation in a terminal (ctx.io.prompt)
 * unless --yes.
 */
import { AutoMigrationsError } from '../../errors.js'
import type { Command } from '../context.js'

function notYet(name: string): Command['run'] {
  return async () => {
    throw new AutoMigrationsError('USAGE', `The "${name}" command is not available in this version yet.`)
  }
}

export const runnerCommands: Command[] = [
  {
    words: ['forwards'],
    usage: 'forwards [app|all] [--to ID] [--fake]',
    summary: 'run pending migrations',
    options: { to: 'string', fake: 'boolean' },
    run: notYet('forwards'),
  },
  {
    words: ['backwards'],
    usage: 'backwards <app> [--to ID | --steps N] [--yes]',
    summary: 'reverse migrations',
    options: { to: 'string', steps: 'string', yes: 'boolean' },
    run: notYet('backwards'),
  },
  {
    words: ['status'],
    usage: 'status [app]',
    summary: 'list migrations with ran/pending/changed/missing',
    options: {},
    run: notYet('status'),
  },
]
