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
import { formatChanges, printErrors } from '../report.js'

export const checkCommand: Command = {
  words: ['check'],
  usage: 'check [--scratch] [--no-cache]',
  summary:
    'exit 1 when any app has an un-migrated change or broken history (for CI); --scratch also builds an empty database from every migration',
  options: { 'no-cache': 'boolean', scratch: 'boolean' },
  async run(ctx, args) {
    if (args.positionals.length > 0)
      throw new AutoMigrationsError(
        'USAGE',
        `Unexpected argument "${args.positionals[0]}". Usage: auto-migrations ${this.usage}`,
      )
    const session = await openProjectSession({
      root: ctx.root,
      ...(ctx.config === undefined ? {} : { configFile: ctx.config }),
      stateCache: !flag(args, 'no-cache'),
    })
    let ok: boolean
    try {
      const result = await session.check()
      printErrors(ctx, result.errors)
      for (const line of formatChanges(ctx, result.changes)) ctx.out(line)
      ok = result.ok
      if (ok) {
        // Said when nothing was loaded, so that a surprising "No changes" can be checked with --no-cache.
        ctx.out(
          `No changes: every app's migrations match its tables${result.unchanged ? ' (no file changed since the last check)' : ''}.`,
        )
      }
    } finally {
      await session.close()
    }
    if (!flag(args, 'scratch') || !ok) return ok ? 0 : 1
    const problem = await buildFromScratch(ctx)
    if (problem) {
      printErrors(ctx, [problem])
      ctx.err(
        'The migrations do not build an empty database (they run in the order of the migration graph: see "Migration files" in the README).',
      )
      return 1
    }
    ctx.out('Built an empty database from every migration.')
    return ok ? 0 : 1
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
