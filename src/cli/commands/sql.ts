/**
 * `auto-migrations sql <app> [ID] [--backwards]`: the SQL a migration runs, without a database.
 * History is replayed in the runner's order (the migration graph) up to the migration, so each
 * statement is generated against the schema as it is at that point on a new database.
 */
import { AutoMigrationsError } from '../../errors.js'
import { flag } from '../args.js'
import type { Command } from '../context.js'
import { printErrors } from '../report.js'

export const sqlCommand: Command = {
  words: ['sql'],
  usage: 'sql <app> [ID] [--backwards]',
  summary: "print the SQL a migration runs (default: the app's latest), forwards or --backwards",
  options: {
    backwards: { type: 'boolean', description: 'print the SQL that reverses the migration instead' },
  },
  async run(ctx, args) {
    const [appName, wanted, ...extra] = args.positionals
    if (!appName)
      throw new AutoMigrationsError('USAGE', 'Which app? Usage: auto-migrations sql <app> [ID] [--backwards]')
    if (extra.length > 0)
      throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra[0]}". Usage: auto-migrations ${this.usage}`)
    const direction = flag(args, 'backwards') ? 'backwards' : 'forwards'

    const { loadProjectState, requireApp } = await import('../../build/project/project-state.js')
    const { replay, stepsOf } = await import('../../core/operations/replay.js')
    const { migrationOrder } = await import('../../core/migration-graph.js')
    const { stepLines } = await import('../../build/project/migration-sql.js')
    const replayed = await loadProjectState({ root: ctx.root, configFile: ctx.config, operations: true })
    const target = requireApp(replayed, appName)
    const index = replayed.apps.indexOf(target)
    // Only the history this migration stands on matters; a broken later app doesn't.
    const broken = replayed.apps.slice(0, index + 1).flatMap((a) => a.errors)

    if (broken.length > 0) {
      printErrors(ctx, broken)
      return 1
    }
    if (target.migrations.length === 0) {
      throw new AutoMigrationsError(
        'UNKNOWN_MIGRATION',
        `App "${appName}" has no migrations yet. Write one with: npx auto-migrations new ${appName} --auto`,
        { app: appName },
      )
    }
    const at =
      wanted === undefined
        ? target.migrations.length - 1
        : target.migrations.findIndex(
            (m) => m.id === wanted || m.file.endsWith(`/${wanted}`) || m.file.endsWith(`\\${wanted}`),
          )
    const migration = target.migrations[at]
    if (!migration) {
      throw new AutoMigrationsError(
        'UNKNOWN_MIGRATION',
        `App "${appName}" has no migration ${wanted}. Its migrations are: ${target.migrations.map((m) => m.id).join(', ')}.`,
        { app: appName, migrationId: wanted },
      )
    }

    // A replaced migration's SQL is the one a database that ran part of its squash runs: without the squash.
    const order = migrationOrder(
      replayed.project.registry.apps,
      replayed.apps
        .flatMap((a) => a.migrations)
        .filter((m) => m.app !== appName || !m.replaces?.includes(migration.id)),
    )
    // Backwards starts from the schema after the migration.
    const state = replay(order.slice(0, order.indexOf(migration) + (direction === 'backwards' ? 1 : 0)))
    const steps = stepsOf(migration, state, direction)

    ctx.out(`-- ${appName} ${migration.id} ${direction}${migration.description ? `: ${migration.description}` : ''}`)
    ctx.out(`-- ${ctx.show(migration.file)}`)
    for (const line of stepLines(steps)) ctx.out(line)
    return 0
  },
}
