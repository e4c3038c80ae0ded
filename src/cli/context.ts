/** What every command gets: the IO, the project root and the global options. */
import path from 'node:path'
import type { ParsedArgs } from './args.js'
import type { CliIo } from './io.js'

export interface CommandContext {
  io: CliIo
  /** The project root (the working directory). */
  root: string
  /** `--config`, relative to the root. */
  config: string | undefined
  /**
   * `--database`: overrides the config's `database` for commands that open one (the runner
   * commands: forwards, backwards, status). Stored here so they all read it the same way.
   */
  database: string | undefined
  trace: boolean
  /** A path for messages: relative to the root when inside it. */
  show(file: string): string
  out(line?: string): void
  err(line?: string): void
}

export function createContext(io: CliIo, args: ParsedArgs): CommandContext {
  const root = path.resolve(io.cwd)
  return {
    io,
    root,
    config: typeof args.options.config === 'string' ? args.options.config : undefined,
    database: typeof args.options.database === 'string' ? args.options.database : undefined,
    trace: args.options.trace === true,
    show(file) {
      const rel = path.relative(root, file)
      return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/')
    },
    out: (line = '') => io.stdout(`${line}\n`),
    err: (line = '') => io.stderr(`${line}\n`),
  }
}

export interface Command {
  /** The words that select it: ['new'], ['app', 'new']. */
  words: string[]
  usage: string
  summary: string
  /** More lines for `<command> --help` (what an option prints, exit codes), after the summary. */
  help?: string[]
  options: Record<string, 'boolean' | 'string' | 'strings'>
  run(ctx: CommandContext, args: ParsedArgs): Promise<number>
}
