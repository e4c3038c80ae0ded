/**
 * `auto-migrations`: the command line (SPEC §8). `main` returns the exit code instead of exiting, so
 * the bin can set it and tests can run commands in-process. Errors print as `error [CODE]: message`,
 * with the stack only under --trace: a user error is not a crash.
 *
 * The CLI uses the project façade and the runtime; it never imports bundler code.
 */
import { AutoMigrationsError } from '../errors.js'
import { asAutoMigrationsError } from '../build/project/errors.js'
import { type OptionSpecs, parseArgs } from './args.js'
import { paintLabel, palette } from './colour.js'
import { appNewCommand } from './commands/app-new.js'
import { checkCommand } from './commands/check.js'
import { discardCommand } from './commands/discard.js'
import { driftCommand } from './commands/drift.js'
import { newCommand } from './commands/new.js'
import { pullCommand } from './commands/pull.js'
import { runCommands } from './commands/run.js'
import { sqlCommand } from './commands/sql.js'
import { type Command, type CommandOption, createContext } from './context.js'
import { type CliIo, type IoOptions, jsonIo, processIo } from './io.js'
import { packageVersion } from './package-version.js'
import { errorJson, formatError, jsonText, stackLines } from './report.js'

export type { CliIo, IoOptions } from './io.js'

/** Options every command takes. `--database` is read by the commands that open a database. */
const GLOBAL_OPTIONS: Record<string, CommandOption> = {
  config: {
    type: 'string',
    value: 'FILE',
    description:
      'the config file, or a folder to look in (default: the first migrations.config.ts, .mts, .js or .mjs from the working directory up); the project root is its folder',
  },
  database: {
    type: 'string',
    value: 'URL',
    description:
      "the database to use instead of the config's: postgres://… or pglite:DIR (forwards, backwards, status, discard, drift, pull)",
  },
  trace: { type: 'boolean', description: 'print stack traces with errors' },
  help: { type: 'boolean', description: 'describe the command and its options (also -h)' },
  version: { type: 'boolean', description: 'print the version (also -v)' },
}

export const COMMANDS: readonly Command[] = [
  appNewCommand,
  newCommand,
  ...runCommands,
  discardCommand,
  checkCommand,
  sqlCommand,
  driftCommand,
  pullCommand,
]

/** `--name VALUE  description`, one line per option, descriptions in one column. */
function optionLines(options: Record<string, CommandOption>): string[] {
  const names = Object.entries(options).map(([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ''}`, o] as const)
  const width = Math.max(0, ...names.map(([n]) => n.length))
  return names.map(([name, o]) => `  ${name.padEnd(width)}  ${o.description}`)
}

/** `auto-migrations --help`: the commands, then the options every command takes. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.words.join(' ').length))
  return [
    'Usage: auto-migrations <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run auto-migrations help <command> (or <command> --help) for its arguments and options.',
    '',
  ].join('\n')
}

/** `auto-migrations help <command>` and `<command> --help`: its usage, every option described, more notes. */
export function commandHelpText(command: Command): string {
  const own = Object.keys(command.options).length > 0
  return [
    `Usage: auto-migrations ${command.usage}`,
    '',
    command.summary,
    '',
    ...(own ? ['Options:', ...optionLines(command.options), ''] : []),
    'Options for every command:',
    ...optionLines(GLOBAL_OPTIONS),
    ...(command.help ?? []),
    '',
  ].join('\n')
}

const typesOf = (options: Record<string, CommandOption>): OptionSpecs =>
  Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.type]))

/** `--version` or `-v` among the options (before a `--`). */
function asksVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const options = end < 0 ? argv : argv.slice(0, end)
  return options.includes('--version') || options.includes('-v')
}

/** The command `argv` names: its words are the first positionals (global options may come before). */
function findCommand(argv: readonly string[]): Command | undefined {
  return commandNamed(commandWords(argv, 2))
}

const commandNamed = (words: readonly string[]): Command | undefined =>
  COMMANDS.find((c) => c.words.every((w, i) => words[i] === w))

/** The first `count` positionals of `argv` (global options may come before them). */
function commandWords(argv: readonly string[], count: number): string[] {
  const words: string[] = []
  for (let i = 0; i < argv.length && words.length < count; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '').split('=')[0]!
      if (!arg.includes('=') && (GLOBAL_OPTIONS[name]?.type === 'string' || GLOBAL_OPTIONS[name]?.type === 'strings'))
        i++
      continue
    }
    words.push(arg)
  }
  return words
}

/**
 * Runs the CLI. `io` defaults to the process (stdout, stderr, a terminal prompt when stdin is a TTY).
 * @example
 * process.exitCode = await main(process.argv.slice(2))
 */
export async function main(argv: string[], io: IoOptions = {}): Promise<number> {
  let fullIo: CliIo = processIo(io)
  const trace = argv.includes('--trace')
  // Known once the arguments parse: a command run with --json reports its failure on stdout too.
  let json = false
  try {
    const command = findCommand(argv)
    if (asksVersion(argv)) {
      fullIo.stdout(`${packageVersion()}\n`)
      return 0
    }
    if (!command) {
      const first = argv.find((a) => !a.startsWith('-'))
      if (first === 'help') {
        // `help <command>`: that command's help; `help` alone: the list of commands.
        const words = commandWords(argv, 3).slice(1)
        const named = commandNamed(words)
        if (words.length > 0 && !named)
          throw new AutoMigrationsError(
            'USAGE',
            `Unknown command "${words.slice(0, 2).join(' ')}". Run auto-migrations --help for the list.`,
          )
        fullIo.stdout(named ? commandHelpText(named) : helpText())
        return 0
      }
      if (first === undefined) {
        const asked = argv.includes('--help') || argv.includes('-h')
        ;(asked ? fullIo.stdout : fullIo.stderr)(helpText())
        return asked ? 0 : 1
      }
      throw new AutoMigrationsError(
        'USAGE',
        `Unknown command "${argv
          .filter((a) => !a.startsWith('-'))
          .slice(0, 2)
          .join(' ')}". Run auto-migrations --help for the list.`,
      )
    }
    const args = parseArgs(argv, typesOf({ ...GLOBAL_OPTIONS, ...command.options }))
    json = args.options.json === true
    if (json) fullIo = jsonIo(fullIo)
    // The command's own words are not its arguments.
    let skip = command.words.length
    args.positionals = args.positionals.filter(() => skip-- <= 0)
    if (args.options.help === true) {
      fullIo.stdout(commandHelpText(command))
      return 0
    }
    const ctx = await createContext(fullIo, args, { createsConfig: command.createsConfig === true })
    return await command.run(ctx, args)
  } catch (error) {
    if (json) fullIo.stdout(jsonText({ error: errorJson(error) }))
    const known = asAutoMigrationsError(error)
    const paint = palette(fullIo.colour.stderr)
    if (known) fullIo.stderr(`${paintLabel(paint, formatError(known, trace))}\n`)
    else {
      // Not a user error: a bug or an environment failure. The stack is what a bug report needs.
      const message = error instanceof Error ? error.message : String(error)
      fullIo.stderr(
        `${paint.red('error:')} ${message}\n${trace ? `${stackLines(error).join('\n')}\n` : '(run again with --trace for the stack)\n'}`,
      )
    }
    return 1
  }
}
