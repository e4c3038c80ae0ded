/**
 * `auto-migrations pull <app> [--schema S] [--tables a,b]`: adopts an existing database. It reads the
 * tables (build/project/pull.ts), writes the app's `tables.ts` (and `app.ts`, registered in the
 * config, when the app is new, as `app new` does), writes one baseline migration with the normal
 * differ and writer, and records it as run on that database (fake): the database already has it.
 *
 * Everything is read and checked before the first file is written; the baseline is recorded only
 * once it is written and loads.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { AutoMigrationsError, isAutoMigrationsError } from '../../errors.js'
import { findConfigFile } from '../../build/loader/config-file.js'
import { writeFileAtomic } from '../../build/writer/atomic.js'
import type { AppObjects } from '../../build/writer/tables-source.js'
import type { DatabaseOption, Engine } from '../../runtime/engines/engine.js'
import { stringOption } from '../args.js'
import type { Command, CommandContext } from '../context.js'
import { closingBracket, configFileSource, ignoreEmbeddedDatabase, registerAppInConfig } from './app-new.js'
import { databaseError, describeDatabase } from './run.js'

const APP_NAME = /^[a-z][a-z0-9_]*$/

/**
 * `app.ts` of an app scaffolded by `app new` (no tables yet), with the pulled tables registered,
 * and the views, extensions and functions after them.
 */
async function registerTables(
  text: string,
  classNames: readonly string[],
  objects: AppObjects,
  file: string,
): Promise<string> {
  const match = /\btables\s*:\s*\[/.exec(text)
  const open = match ? match.index + match[0].length - 1 : -1
  const close = open >= 0 ? closingBracket(text, open) : -1
  if (close < 0)
    throw new AutoMigrationsError(
      'USAGE',
      `Could not find the "tables: [...]" list in ${file}. Register the pulled tables there yourself.`,
      { file },
    )
  const { appObjectsSource } = await import('../../build/writer/tables-source.js')
  const { PACKAGE_NAME } = await import('../../build/writer/render.js')
  const after = appObjectsSource(objects)
  // A function, not a replacement string: the entries' SQL may hold `$&`-like sequences.
  const rest = text.slice(close + 1).replace(/^,?/, (comma) => (after.length > 0 ? `,\n${after.join('\n')}` : comma))
  const body = `${text.slice(0, open + 1)}${classNames.join(', ')}]${rest}`
  const imports = [`import { ${[...classNames, ...objects.views].join(', ')} } from './tables'`]
  if (objects.functions.length > 0) imports.unshift(`import { sql, sqlFunction } from '${PACKAGE_NAME}'`)
  return `${imports.join('\n')}\n${body}`
}

interface AppFilesInput {
  app: string
  dir: string
  appFile: string
  /** The app is registered already (made by `app new`): its app.ts gets the tables. */
  existing: boolean
  configFile: string | undefined
  classNames: string[]
  objects: AppObjects
  tablesSource: string
}

/**
 * Every file pull writes, with its text: tables.ts, and app.ts with the tables registered (a new
 * one, or the one `app new` made), the migrations folder and the config entry for a new app.
 * Prepared before the first write: a config that can't be edited fails before anything is written.
 */
async function appFiles(ctx: CommandContext, input: AppFilesInput): Promise<[string, string][]> {
  const { app, dir, appFile, configFile, classNames } = input
  const writes: [string, string][] = [[path.join(dir, 'tables.ts'), input.tablesSource]]
  if (input.existing) {
    writes.push([appFile, await registerTables(await readFile(appFile, 'utf8'), classNames, input.objects, appFile)])
    return writes
  }
  const { renderPulledAppFile } = await import('../../build/writer/tables-source.js')
  writes.push([appFile, renderPulledAppFile(app, classNames, input.objects)])
  writes.push([path.join(dir, 'migrations', '.gitkeep'), ''])
  const configPath = configFile ?? path.resolve(ctx.root, ctx.config ?? 'migrations.config.ts')
  let entry = path.relative(path.dirname(configPath), appFile).split(path.sep).join('/')
  if (!entry.startsWith('.')) entry = `./${entry}`
  writes.push([
    configPath,
    configFile ? registerAppInConfig(await readFile(configFile, 'utf8'), entry, configFile) : configFileSource(entry),
  ])
  if (!configFile) {
    const gitignore = path.join(ctx.root, '.gitignore')
    const ignore = ignoreEmbeddedDatabase(existsSync(gitignore) ? await readFile(gitignore, 'utf8') : undefined)
    if (ignore !== undefined) writes.push([gitignore, ignore])
  }
  return writes
}

/**
 * The baseline: the app's tables diffed against nothing by the normal differ, each table's columns
 * in their declared order (build/project/baseline-order.ts), written by the normal writer, and
 * recorded as run on the database it was pulled from (its tables are there already).
 */
async function writeBaseline(
  ctx: CommandContext,
  app: string,
  configFile: string | undefined,
  engine: Engine,
  shownDatabase: string,
): Promise<void> {
  const { loadProjectState } = await import('../../build/project/project-state.js')
  const { planNewMigrations, writeMigrations } = await import('../../build/project/plan.js')
  const { inDeclaredColumnOrder } = await import('../../build/project/baseline-order.js')
  const { projectMigrator } = await import('../../build/project/apply.js')
  const replayed = await loadProjectState({ root: ctx.root, configFile, stateCache: false })
  if (replayed.modelError) throw replayed.modelError
  const [plan] = planNewMigrations(replayed, { apps: [app], allowDestructive: true })
  const operations = inDeclaredColumnOrder(plan?.operations ?? [], replayed.model!.snapshot, app)
  const written = await writeMigrations(replayed, [{ app, operations }], {
    description: 'baseline pulled from the database',
    now: ctx.io.now(),
  })
  for (const file of written) ctx.out(`  wrote ${ctx.show(file.file)} (the baseline)`)
  const recorded = await loadProjectState({ root: ctx.root, configFile, operations: true })
  const broken = recorded.apps.find((a) => a.app.name === app)?.errors ?? []
  if (broken.length > 0) throw broken[0]
  const result = await projectMigrator(recorded, { apps: [app] }).migrate({ app, fake: true, database: engine })
  for (const m of result.applied)
    ctx.out(`  recorded ${m.app} ${m.id} as run on ${shownDatabase} (its SQL did not run: the tables are there)`)
}

export const pullCommand: Command = {
  words: ['pull'],
  usage: 'pull <app> [--schema S] [--tables a,b]',
  summary:
    "adopt an existing database: write the app's tables.ts and a baseline migration, recorded as run on that database",
  help: [
    '',
    'The app is created (src/<app>/app.ts, registered in the config) when it does not exist; an app',
    'that exists must have no tables and no migrations yet. What the model cannot declare yet is',
    'listed and nothing is written. Afterwards check has nothing to do, and a new database built',
    'from the baseline has the same schema.',
  ],
  options: {
    schema: { type: 'string', value: 'S', description: 'the schema to read (default: public)' },
    tables: {
      type: 'string',
      value: 'LIST',
      description: 'only these tables, by their names in the database, separated by commas',
    },
  },
  createsConfig: true,
  async run(ctx, args) {
    const [app, ...extra] = args.positionals
    if (!app) throw new AutoMigrationsError('USAGE', `Which app? Usage: auto-migrations ${this.usage}`)
    if (extra.length > 0)
      throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra[0]}". Usage: auto-migrations ${this.usage}`)
    if (!APP_NAME.test(app))
      throw new AutoMigrationsError(
        'USAGE',
        `"${app}" is not a valid app name: use lowercase letters, digits and underscores, starting with a letter.`,
      )
    const schemaName = stringOption(args, 'schema') ?? 'public'
    const tablesText = stringOption(args, 'tables')
    const only = tablesText
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean)

    let configFile: string | undefined
    try {
      configFile = await findConfigFile(ctx.root, ctx.config)
    } catch (error) {
      if (!isAutoMigrationsError(error, 'CONFIG_NOT_FOUND')) throw error
    }
    const { loadProjectState } = await import('../../build/project/project-state.js')
    const before = configFile ? await loadProjectState({ root: ctx.root, configFile, stateCache: false }) : undefined
    const existing = before?.apps.find((a) => a.app.name === app)
    if (existing && (existing.app.tables.length > 0 || existing.migrations.length > 0))
      throw new AutoMigrationsError(
        'APP_EXISTS',
        `App "${app}" already has ${existing.migrations.length > 0 ? 'migrations' : 'tables'}: pull adopts a database into a new app (or one just made by app new). Choose another name.`,
        { app },
      )
    const dir = existing?.app.file ? path.dirname(existing.app.file) : path.join(ctx.root, 'src', app)
    const appFile = existing?.app.file ?? path.join(dir, 'app.ts')
    if (!existing && existsSync(appFile))
      throw new AutoMigrationsError(
        'APP_EXISTS',
        `${ctx.show(appFile)} exists but the config does not register it: register it, or choose another name.`,
        { app, file: appFile },
      )

    const database: DatabaseOption = ctx.database ?? before?.project.config.database
    const { embeddedDirOf, openEngine } = await import('../../runtime/engines/open.js')
    const embedded = embeddedDirOf(database, ctx.root)
    if (embedded !== undefined && !existsSync(embedded))
      throw new AutoMigrationsError(
        'USAGE',
        `There is no database to pull from: ${describeDatabase(database)} does not exist. Give the database with --database URL (or set database in the config).`,
      )
    const engine = await openEngine(database, { root: ctx.root }).catch((error: unknown) => {
      throw databaseError(error, database)
    })
    try {
      const { readTables } = await import('../../build/project/pull.js')
      const { renderTablesFile } = await import('../../build/writer/tables-source.js')
      const pulled = await readTables(engine, {
        schema: schemaName,
        tables: only,
        historySchema: before?.project.config.historySchema,
      }).catch((error: unknown) => {
        throw databaseError(error, database)
      })
      const classNames = pulled.tables.map((t) => t.className)
      const tablesSource = renderTablesFile(
        app,
        pulled.tables,
        `schema ${schemaName} of ${describeDatabase(database)}`,
        pulled.views,
      )
      const objects: AppObjects = {
        views: pulled.views.map((v) => v.className),
        extensions: pulled.extensions,
        functions: pulled.functions,
      }

      const writes = await appFiles(ctx, {
        app,
        dir,
        appFile,
        existing: existing !== undefined,
        configFile,
        classNames,
        objects,
        tablesSource,
      })
      for (const [file, text] of writes) await writeFileAtomic(file, text)
      ctx.out(
        ctx.paint.out.green(
          `Pulled ${pulled.tables.length} table${pulled.tables.length === 1 ? '' : 's'} into app "${app}":`,
        ),
      )
      for (const [file] of writes) ctx.out(`  wrote ${ctx.show(file)}`)
      for (const line of pulled.skipped) ctx.err(`warning: not pulled: ${line}`)

      await writeBaseline(ctx, app, configFile ?? ctx.config, engine, describeDatabase(database))
      ctx.out(
        `Next: npx auto-migrations check (nothing to do), then change the tables and run npx auto-migrations new ${app} --auto`,
      )
      return 0
    } finally {
      await engine.close()
    }
  },
}
