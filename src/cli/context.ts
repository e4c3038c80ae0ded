/**
 * What every command gets: the IO, the project root and the global options.
 *
 * The project is the config file's: `--config` (a file, or a folder to look in), else the first
 * folder from the working directory up that has one of the config names, as Vite and ESLint find
 * theirs. The project root is the config's folder, whatever the working directory: app files are
 * scaffolded there and the embedded database lives there (`<config dir>/.auto-migrations/db`).
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { findConfigFile, findConfigFileUp } from '../build/loader/config-file.js'
import { isAutoMigrationsError } from '../errors.js'
import { type Palette, paintLabel, palette } from './colour.js'
import type { OptionType, ParsedArgs } from './args.js'
import type { CliIo } from './io.js'

export interface CommandContext {
  io: CliIo
  /** The project root: the config file's folder (the working directory when there is no config yet). */
  root: string
  /**
   * `--config`, resolved (absolute): the config file. Undefined for the config found walking up,
   * which is the first of the default names in `root` (so that caches keyed by the config as asked
   * for are shared with the plugin's default), and for `app new` when there is none yet.
   */
  config: string | undefined
  /**
   * `--database`: overrides the config's `database` for commands that open one (the runner
   * commands: forwards, backwards, status). Stored here so they all read it the same way.
   */
  database: string | undefined
  trace: boolean
  /** Colours for each stream: plain (no escape codes) unless that stream may have them (see io.ts). */
  paint: { out: Palette; err: Palette }
  /** A path for messages: relative to the root when inside it. */
  show(file: string): string
  out(line?: string): void
  err(line?: string): void
  /** Prints a progress line to stderr; undefined when progress is not shown (see CliIo.progress). */
  progress: ((line: string) => void) | undefined
}

export interface ContextOptions {
  /** The command writes the config when there is none (`app new`): a missing one is not an error. */
  createsConfig?: boolean
}

/**
 * The context of one command run: finds the project (see the top of this file).
 * @throws `CONFIG_NOT_FOUND` when there is no config (unless the command creates it), naming where
 *   the search started and what to create.
 */
export async function createContext(
  io: CliIo,
  args: ParsedArgs,
  options: ContextOptions = {},
): Promise<CommandContext> {
  const cwd = path.resolve(io.cwd)
  const explicit = typeof args.options.config === 'string' ? args.options.config : undefined
  const { root, config } = await locateProject(cwd, explicit, options.createsConfig === true)
  const paint = { out: palette(io.colour.stdout), err: palette(io.colour.stderr) }
  return {
    io,
    root,
    config,
    database: databaseFromCwd(typeof args.options.database === 'string' ? args.options.database : undefined, cwd),
    trace: args.options.trace === true,
    paint,
    show(file) {
      const rel = path.relative(root, file)
      return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/')
    },
    out: (line = '') => io.stdout(`${line}\n`),
    // `error [CODE]:` and `warning:` at the start of a line get their colour here, for every command.
    err: (line = '') => io.stderr(`${paintLabel(paint.err, line)}\n`),
    progress: io.progress ? (line) => io.stderr(`${line}\n`) : undefined,
  }
}

export interface Command {
  /** The words that select it: ['new'], ['app', 'new']. */
  words: string[]
  usage: string
  summary: string
  /** More lines for `<command> --help` (what an option prints, exit codes), after the summary. */
  help?: string[]
  /** Its own options (the global ones are in main.ts), each described in one line for its help. */
  options: Record<string, CommandOption>
  /** Writes the config when there is none (`app new`); every other command needs one. */
  createsConfig?: boolean
  run(ctx: CommandContext, args: ParsedArgs): Promise<number>
}

/** An option as `<command> --help` shows it: `--name VALUE  description`. */
export interface CommandOption {
  type: OptionType
  /** What a string option takes, shown after its name: ID, TEXT, N. */
  value?: string
  /** One line; a repeatable option (`strings`) says so by itself. */
  description: string
}

async function locateProject(
  cwd: string,
  explicit: string | undefined,
  createsConfig: boolean,
): Promise<{ root: string; config: string | undefined }> {
  try {
    if (explicit === undefined) return { root: path.dirname(await findConfigFileUp(cwd)), config: undefined }
    const file = await findConfigFile(cwd, explicit)
    return { root: path.dirname(file), config: file }
  } catch (error) {
    if (!createsConfig || !isAutoMigrationsError(error, 'CONFIG_NOT_FOUND')) throw error
  }
  // No config yet, and the command writes one: where `--config` says, else in the working directory.
  if (explicit === undefined) return { root: cwd, config: undefined }
  const given = path.resolve(cwd, explicit)
  const isFolder = await stat(given).then(
    (info) => info.isDirectory(),
    () => false,
  )
  return isFolder ? { root: given, config: undefined } : { root: path.dirname(given), config: given }
}

/**
 * `--database pglite:DIR` as typed on the command line: a relative DIR is the working directory's,
 * as any path given on a command line is (the config's `database` is relative to the config's folder).
 */
function databaseFromCwd(database: string | undefined, cwd: string): string | undefined {
  if (database === undefined || !database.startsWith('pglite:')) return database
  const dir = database.slice('pglite:'.length)
  return dir === '' || path.isAbsolute(dir) ? database : `pglite:${path.resolve(cwd, dir)}`
}
