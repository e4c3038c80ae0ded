/**
 * A small argument parser (no dependency): `--name value`, `--name=value`, boolean flags, options
 * that repeat (`--rename a --rename b`), and `--` to end options. Unknown options are errors, so a
 * typo never silently changes what a command does.
 */
import { AutoMigrationsError } from '../errors.js'

export type OptionType = 'boolean' | 'string' | 'strings'

export type OptionSpecs = Record<string, OptionType>

export interface ParsedArgs {
  positionals: string[]
  /** boolean → true when given; string → the last value; strings → every value in order. */
  options: Record<string, boolean | string | string[] | undefined>
}

export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const positionals: string[] = []
  const options: ParsedArgs['options'] = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const raw = eq >= 0 ? arg.slice(0, eq) : arg
    const name = raw === '-h' ? 'help' : raw === '-v' ? 'version' : raw.replace(/^--?/, '')
    const type = specs[name]
    if (type === undefined) throw new AutoMigrationsError('USAGE', `Unknown option ${raw}.`, { option: raw })
    if (type === 'boolean') {
      if (eq >= 0) throw new AutoMigrationsError('USAGE', `Option ${raw} takes no value.`, { option: raw })
      options[name] = true
      continue
    }
    let value: string | undefined
    if (eq >= 0) value = arg.slice(eq + 1)
    else {
      value = argv[i + 1]
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new AutoMigrationsError('USAGE', `Option ${raw} needs a value.`, { option: raw })
      }
      i++
    }
    if (type === 'strings') {
      const list = (options[name] as string[] | undefined) ?? []
      list.push(value)
      options[name] = list
    } else {
      options[name] = value
    }
  }
  return { positionals, options }
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
