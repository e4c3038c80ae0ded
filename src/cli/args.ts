/**
 * Arguments through Node's own parser (`util.parseArgs`, strict): `--name value`, `--name=value`,
 * boolean flags, options that repeat (`--rename a --rename b`), and `--` to end options. Unknown
 * options are errors, so a typo never silently changes what a command does.
 */
import { parseArgs as parseNodeArgs } from 'node:util'
import { AutoMigrationsError } from '../errors.js'

export type OptionType = 'boolean' | 'string' | 'strings'

export type OptionSpecs = Record<string, OptionType>

export interface ParsedArgs {
  positionals: string[]
  /** boolean → true when given; string → the last value; strings → every value in order. */
  options: Record<string, boolean | string | string[] | undefined>
}

const SHORT: Record<string, string> = { help: 'h', version: 'v' }

export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, type]) => [
      name,
      {
        type: type === 'boolean' ? ('boolean' as const) : ('string' as const),
        ...(type === 'strings' ? { multiple: true } : {}),
        ...(SHORT[name] ? { short: SHORT[name] } : {}),
      },
    ]),
  )
  try {
    const parsed = parseNodeArgs({ args: [...argv], options, strict: true, allowPositionals: true })
    // A string option given twice keeps the last value; a repeated one collects every value.
    return { positionals: parsed.positionals, options: { ...parsed.values } as ParsedArgs['options'] }
  } catch (error) {
    const option = /'(-[^']*)'/.exec(error instanceof Error ? error.message : '')?.[1]
    throw new AutoMigrationsError('USAGE', usageMessage(error, option), option ? { option } : {})
  }
}

/** Node's message, made short: which option, and what is wrong with it. */
function usageMessage(error: unknown, option: string | undefined): string {
  const code = (error as { code?: string }).code
  const name = option?.replace(/^--?/, '').split(/[ =]/)[0]
  const raw = name === undefined ? option : name.length === 1 ? `-${name}` : `--${name}`
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `Unknown option ${raw}.`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return /does not take an argument/.test(String((error as Error).message))
      ? `Option ${raw} takes no value.`
      : `Option ${raw} needs a value.`
  return error instanceof Error ? error.message : String(error)
}

export const stringOption = (args: ParsedArgs, name: string): string | undefined => {
  const value = args.options[name]
  return typeof value === 'string' ? value : undefined
}

export const stringsOption = (args: ParsedArgs, name: string): string[] => {
  const value = args.options[name]
  return Array.isArray(value) ? value : []
}

export const flag = (args: ParsedArgs, name: string): boolean => args.options[name] === true
