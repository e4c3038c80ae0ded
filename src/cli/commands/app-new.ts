/**
 * `auto-migrations app new <name>`: scaffolds `src/<name>/app.ts`, `tables.ts` and `migrations/`,
 * and registers the app in the config (Piccolo's `piccolo app new`). Without a config it creates one
 * that omits `database`, so the project starts on the embedded database, and ignores that database's
 * folder in `.gitignore`.
 *
 * Every file is prepared (and the config edit checked) before the first is written: a config that
 * can't be edited automatically fails the command before it leaves half a scaffold behind.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { AutoMigrationsError, isAutoMigrationsError } from '../../errors.js'
import { findConfigFile } from '../../build/loader/config-file.js'
import { writeFileAtomic } from '../../build/writer/atomic.js'
import { PACKAGE_NAME } from '../../build/writer/render.js'
import type { Command } from '../context.js'

const APP_NAME = /^[a-z][a-z0-9_]*$/

export function appFileSource(name: string): string {
  return `import { defineApp } from '${PACKAGE_NAME}'
// import { Example } from './tables'

export default defineApp({
  name: '${name}',
  // Register each table class of the app here, e.g. [Example].
  tables: [],
  migrationsDir: './migrations',
  // Apps whose migrations must run first, e.g. [auth] (import auth from '../auth/app').
  dependencies: [],
})
`
}

export function tablesFileSource(name: string): string {
  return `// The tables of app "${name}". Declare them here, register them in app.ts, then write the
// migration with: npx auto-migrations new ${name} --auto
//
// import { Table, Varchar, ForeignKey } from '${PACKAGE_NAME}'
//
// export class Example extends Table {
//   name = new Varchar({ length: 255 })
// }
//
// export class ExampleNote extends Table {
//   // onDelete and onUpdate default to 'cascade' (as in Piccolo): deleting an Example deletes its
//   // notes. Spell out what you mean: 'cascade', 'restrict', 'set null', 'set default', 'no action'.
//   example = new ForeignKey(() => Example, { onDelete: 'cascade' })
// }
export {}
`
}

export function configFileSource(appEntry: string): string {
  return `import { defineConfig } from '${PACKAGE_NAME}'

export default defineConfig({
  apps: ['${appEntry}'],
  // Without \`database\`, the project uses the embedded database (PGlite in .auto-migrations/db).
  // database: process.env.DATABASE_URL,
})
`
}

/** Index of the `]` that closes the `[` at `open`, skipping strings and comments. */
export function closingBracket(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    const c = text[i]!
    if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i)
      if (i < 0) return -1
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1
      if (i <= 0) return -1
    } else if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++
    } else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return i
  }
  return -1
}

/**
 * Adds `entry` to the `apps: [...]` list of a config's source, keeping its layout (one line or one
 * entry per line, trailing comma or not).
 * @throws USAGE when there is no literal `apps` list to edit; APP_EXISTS when the entry is listed.
 */
export function registerAppInConfig(text: string, entry: string, configFile: string): string {
  const match = /\bapps\s*:\s*\[/.exec(text)
  const open = match ? match.index + match[0].length - 1 : -1
  const close = open >= 0 ? closingBracket(text, open) : -1
  if (close < 0) {
    throw new AutoMigrationsError(
      'USAGE',
      `Could not find the "apps: [...]" list in ${configFile} to register the app. Add '${entry}' to "apps" yourself, then run the command again.`,
      { file: configFile },
    )
  }
  const inner = text.slice(open + 1, close)
  const bare = entry.replace(/\.ts$/, '')
  if (new RegExp(`['"\`]${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.[mc]?[jt]s)?['"\`]`).test(inner)) {
    throw new AutoMigrationsError('APP_EXISTS', `${configFile} already lists ${entry}.`, { file: configFile })
  }
  let replaced: string
  if (inner.trim() === '') replaced = `'${entry}'`
  else if (!inner.includes('\n')) replaced = `${inner.replace(/,?\s*$/, '')}, '${entry}'`
  else {
    const body = inner.replace(/\s*$/, '')
    const closing = inner.slice(body.length)
    const indent = /\n([ \t]*)\S/.exec(inner)?.[1] ?? '  '
    const trailingComma = body.endsWith(',')
    replaced = `${body}${trailingComma ? '' : ','}\n${indent}'${entry}'${trailingComma ? ',' : ''}${closing}`
  }
  return text.slice(0, open + 1) + replaced + text.slice(close)
}

/** `.gitignore` with the embedded database's folder in it (unchanged when it already is). */
export function ignoreEmbeddedDatabase(text: string | undefined): string | undefined {
  if (text !== undefined && /^\/?\.auto-migrations\/?\s*$/m.test(text)) return undefined
  const before = text === undefined || text === '' ? '' : text.endsWith('\n') ? text : `${text}\n`
  return `${before}.auto-migrations/\n`
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined
    throw error
  }
}

export const appNewCommand: Command = {
  words: ['app', 'new'],
  usage: 'app new <name>',
  summary: 'scaffold src/<name>/app.ts, tables.ts and migrations/, and register the app in the config',
  options: {},
  createsConfig: true,
  async run(ctx, args) {
    const [name, ...extra] = args.positionals
    if (!name) throw new AutoMigrationsError('USAGE', 'Which name? Usage: auto-migrations app new <name>')
    if (extra.length > 0)
      throw new AutoMigrationsError('USAGE', `Unexpected argument "${extra[0]}". Usage: auto-migrations app new <name>`)
    if (!APP_NAME.test(name)) {
      throw new AutoMigrationsError(
        'USAGE',
        `"${name}" is not a valid app name: use lowercase letters, digits and underscores, starting with a letter (it goes into file names and the history table).`,
      )
    }
    const dir = path.join(ctx.root, 'src', name)
    if (existsSync(dir))
      throw new AutoMigrationsError(
        'APP_EXISTS',
        `${ctx.show(dir)} already exists: choose another name, or register that app yourself.`,
        { app: name, file: dir },
      )

    let configFile: string | undefined
    try {
      configFile = await findConfigFile(ctx.root, ctx.config)
    } catch (error) {
      if (!isAutoMigrationsError(error, 'CONFIG_NOT_FOUND')) throw error
    }
    const configPath = configFile ?? path.resolve(ctx.root, ctx.config ?? 'migrations.config.ts')
    const appFile = path.join(dir, 'app.ts')
    let entry = path.relative(path.dirname(configPath), appFile).split(path.sep).join('/')
    if (!entry.startsWith('.')) entry = `./${entry}`
    const configText = configFile
      ? registerAppInConfig(await readFile(configFile, 'utf8'), entry, configFile)
      : configFileSource(entry)
    const gitignore = path.join(ctx.root, '.gitignore')
    const ignoreText = ignoreEmbeddedDatabase(await readIfExists(gitignore))

    const written: string[] = []
    const write = async (file: string, text: string) => {
      await writeFileAtomic(file, text)
      written.push(file)
    }
    await write(path.join(dir, 'tables.ts'), tablesFileSource(name))
    await write(appFile, appFileSource(name))
    // Git keeps no empty folders; the loader skips dot files, so this is not a migration.
    await write(path.join(dir, 'migrations', '.gitkeep'), '')
    await write(configPath, configText)
    if (ignoreText !== undefined) await write(gitignore, ignoreText)

    ctx.out(ctx.paint.out.green(`Created app "${name}":`))
    for (const file of written)
      ctx.out(`  ${file === configPath && configFile ? 'registered in' : 'wrote'} ${ctx.show(file)}`)
    ctx.out(
      `Next: declare tables in ${ctx.show(path.join(dir, 'tables.ts'))}, register them in app.ts, then run npx auto-migrations new ${name} --auto`,
    )
    return 0
  },
}
