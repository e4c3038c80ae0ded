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
import { appNewCommand } from './commands/app-new.js'
import { checkCommand } from './commands/check.js'
import { newCommand } from './commands/new.js'
import { runCommands } from './commands/run.js'
import { sqlCommand } from './commands/sql.js'
import { type Command, createContext } from './context.js'
import { type CliIo, processIo } from './io.js'
import { packageVersion } from './package-version.js'
import { errorJson, formatError, jsonText, stackLines } from './report.js'

export type { CliIo } from './io.js'

/** Options every command takes. `--database` is read by the commands that open a database. */
const GLOBAL_OPTIONS: OptionSpecs = {
  config: 'string',
  database: 'string',
  trace: 'boolean',
  help: 'boolean',
  version: 'boolean',
}

export const COMMANDS: readonly Command[] = [appNewCommand, newCommand, ...runCommands, checkCommand, sqlCommand]

export function helpText(): string {
  return [
    'Usage: auto-migrations <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Options for every command:',
    '  --config FILE      the registry file (default: the first migrations.config.ts, .mts, .js or .mjs',
    '                     in the working directory or a folder above it); the project root is its folder',
    "  --database URL     the database to use instead of the config's (postgres://… or pglite:DIR)",
    '  --trace            print stack traces with errors',
    '  --help             this help',
    '  --version, -v      print the version',
    '',
  ].join('\n')
}

/** `--version` or `-v` among the options (before a `--`). */
function asksVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const options = end < 0 ? argv : argv.slice(0, end)
  return options.includes('--version') || options.includes('-v')
}

/** The command `argv` names: its words are the first positionals (global options may come before). */
function findCommand(argv: readonly string[]): Command | undefined {
  const words: string[] = []
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '').split('=')[0]!
      if (!arg.includes('=') && (GLOBAL_OPTIONS[name] === 'string' || GLOBAL_OPTIONS[name] === 'strings')) i++
      continue
    }
    words.push(arg)
  }
  return COMMANDS.find((c) => c.words.every((w, i) => words[i] === w))
}

/**
 * Runs the CLI. `io` defaults to the process (stdout, stderr, a terminal prompt when stdin is a TTY).
 * @example
 * process.exitCode = await main(process.argv.slice(2))
 */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = processIo(io)
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
      if (first === undefined || first === 'help') {
        const asked = argv.includes('--help') || argv.includes('-h') || first === 'help'
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
    const args = parseArgs(argv, { ...GLOBAL_OPTIONS, ...command.options })
    json = args.options.json === true
    // The command's own words are not its arguments.
    let skip = command.words.length
    args.positionals = args.positionals.filter(() => skip-- <= 0)
    if (args.options.help === true) {
      fullIo.stdout(
        `Usage: auto-migrations ${command.usage}\n\n${[command.summary, ...(command.help ?? [])].join('\n')}\n`,
      )
      return 0
    }
    const ctx = await createContext(fullIo, args, { createsConfig: command.createsConfig === true })
    return await command.run(ctx, args)
  } catch (error) {
    if (json) fullIo.stdout(jsonText({ error: errorJson(error) }))
    const known = asAutoMigrationsError(error)
    if (known) fullIo.stderr(`${formatError(known, trace)}\n`)
    else {
      // Not a user error: a bug or an environment failure. The stack is what a bug report needs.
      const message = error instanceof Error ? error.message : String(error)
      fullIo.stderr(
        `error: ${message}\n${trace ? `${stackLines(error).join('\n')}\n` : '(run again with --trace for the stack)\n'}`,
      )
    }
    return 1
  }
}
