/**
 * `auto-migrations discard <app>`: deletes the app's latest migration file, when no database the
 * command can see has run it (the config's, or `--database`) and no migration of another app names
 * it in its DEPENDS_ON. The checks that need no database come first, so a refusal costs no
 * connection; the database is closed before the question, so a prompt never holds a lock.
 * It deletes that one file and nothing else.
 */
import { unlink } from 'node:fs/promises'
import { AutoMigrationsError } from '../../errors.js'
import { type ParsedArgs, flag } from '../args.js'
import type { Command, CommandContext } from '../context.js'
import { isYes } from '../io.js'
import { printErrors } from '../report.js'
import { describeDatabase, withMigrator } from './run.js'

async function discard(this: Command, ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const [appName, ...extra] = args.positionals
  if (appName === undefined || appName === 'all') {
    throw new AutoMigrationsError(
      'USAGE',
      `Which app? discard deletes the latest migration of one app. Usage: auto-migrations ${this.usage}`,
    )
  }
  if (extra.length > 0)
    throw new AutoMigrationsError(
      'USAGE',
      `Unexpected argument "${extra[0]}": discard deletes the latest migration only. Usage: auto-migrations ${this.usage}`,
    )
  const yes = flag(args, 'yes')

  const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
  const app = requireApp(replayed, appName)
  // Without its history loaded, neither "latest" nor "run" can be trusted.
  if (app.errors.length > 0) {
    printErrors(ctx, app.errors)
    ctx.err('Nothing was deleted: fix the migration files above first (auto-migrations check lists every problem).')
    return 1
  }
  const latest = app.migrations.at(-1)
  if (!latest) {
    throw new AutoMigrationsError(
      'UNKNOWN_MIGRATION',
      `App "${appName}" has no migrations: there is nothing to discard.`,
      {
        app: appName,
      },
    )
  }
  const file = ctx.show(latest.file)
  const named = `${appName} ${latest.id} (${file})`

  for (const other of replayed.apps) {
    const needing = other.migrations.find((m) => m.app !== appName && m.dependsOn?.[appName] === latest.id)
    if (needing) {
      throw new AutoMigrationsError(
        'DISCARD_NEEDED',
        `Not deleted: ${ctx.show(needing.file)} (${other.app.name} ${needing.id}) depends on ${named} in its DEPENDS_ON. Discard that migration first.`,
        { app: appName, migrationId: latest.id, file, neededBy: ctx.show(needing.file) },
      )
    }
  }

  const database = ctx.database ?? replayed.project.config.database
  const rows = await withMigrator(ctx, replayed, (migrator) => migrator.status())
  const row = rows.find((r) => r.app === appName && r.id === latest.id)
  // A squash nobody recorded yet, whose replaced files are all there, leaves nothing behind when it goes.
  const unrecordedSquash =
    row?.ranAsReplaced === true && (latest.replaces ?? []).every((id) => app.migrations.some((m) => m.id === id))
  if (row && row.state !== 'pending' && !unrecordedSquash) {
    const where = describeDatabase(database)
    throw new AutoMigrationsError(
      'DISCARD_RAN',
      `Not deleted: ${named} has run on ${where}${row.state === 'partial' ? ' (partly)' : ''}. Reverse it there first (npx auto-migrations backwards ${appName}), then discard it.`,
      { app: appName, migrationId: latest.id, file, database: where },
    )
  }

  if (!yes) {
    const question = `Delete ${file}? (y/N)`
    if (!ctx.io.prompt) {
      throw new AutoMigrationsError(
        'DESTRUCTIVE_CHANGE',
        `Not deleted: there is no terminal to confirm deleting ${file} in. Pass --yes to delete it.`,
        { app: appName, migrationId: latest.id, file },
      )
    }
    if (!isYes(await ctx.io.prompt(question))) {
      ctx.err('Nothing was deleted.')
      return 1
    }
  }
  await unlink(latest.file)
  ctx.out(`deleted ${file} (${appName} ${latest.id}${latest.description ? ` ${latest.description}` : ''})`)
  return 0
}

export const discardCommand: Command = {
  words: ['discard'],
  usage: 'discard <app> [--yes]',
  summary:
    "delete the app's latest migration file, when the database (the config's, or --database) has not run it and no other app's migration depends on it; asks first unless --yes",
  help: [
    '',
    'Refuses (DISCARD_RAN) when the database has run it: reverse it first (backwards <app>), then discard.',
    "Refuses (DISCARD_NEEDED) when another app's migration names it in its DEPENDS_ON.",
  ],
  options: {
    yes: { type: 'boolean', description: 'do not ask for confirmation (required without a terminal)' },
  },
  run: discard,
}
