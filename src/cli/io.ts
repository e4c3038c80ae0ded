/**
 * Where the CLI reads and writes. `main` takes it as a parameter so tests drive commands in-process
 * (capturing output, answering prompts) exactly as a terminal would.
 */
import { AutoMigrationsError } from '../errors.js'
import { colourEnabled } from './colour.js'

export interface CliIo {
  /** The project root: the config is looked for here. */
  cwd: string
  stdout(text: string): void
  stderr(text: string): void
  /**
   * Asks a question and resolves to the answer. Undefined without a terminal (CI, a pipe): then
   * the CLI never asks, and takes renames only from hints.
   */
  prompt: ((question: string) => Promise<string>) | undefined
  /** The clock, for migration IDs. */
  now(): Date
  /** Whether each stream may get colour (escape codes): see colour.ts. */
  colour: { stdout: boolean; stderr: boolean }
  /**
   * Whether progress lines (a new embedded database being created) go to stderr: only when a person
   * watches it on a terminal. Logs and pipes get the results, not the waiting.
   */
  progress: boolean
}

/** What `processIo` takes besides the parts of `CliIo` (tests inject a terminal this way). */
export interface IoOptions extends Partial<CliIo> {
  /**
   * Whether stdout and stderr are terminals. Default: the process streams' own `isTTY`, and false
   * for a writer given in `stdout`/`stderr` (a capture is not a terminal). Ignored when `colour` is given.
   */
  isTTY?: { stdout?: boolean; stderr?: boolean }
  /** The environment read for NO_COLOR, FORCE_COLOR and TERM (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * The process's own IO, with `io`'s parts instead where given (tests). Whether there is a terminal
 * to ask is read on first use: touching `process.stdin` sets it up, a cost that a command which
 * never asks (a warm `check`) should not pay.
 */
export function processIo(io: IoOptions = {}): CliIo {
  const env = io.env ?? process.env
  const tty = (name: 'stdout' | 'stderr') =>
    io.isTTY?.[name] ?? (io[name] === undefined && process[name].isTTY === true)
  const out: CliIo = {
    cwd: io.cwd ?? process.cwd(),
    stdout: io.stdout ?? streamWriter(process.stdout),
    stderr: io.stderr ?? streamWriter(process.stderr),
    prompt: undefined,
    now: io.now ?? (() => new Date()),
    colour: io.colour ?? {
      stdout: colourEnabled(tty('stdout'), env),
      stderr: colourEnabled(tty('stderr'), env),
    },
    progress: io.progress ?? tty('stderr'),
  }
  if ('prompt' in io) out.prompt = io.prompt
  else {
    // Asking needs a person at the keyboard: input from a terminal, not a pipe.
    Object.defineProperty(out, 'prompt', {
      get: () => (process.stdin.isTTY ? terminalPrompt : undefined),
      enumerable: true,
    })
  }
  return out
}

/**
 * `io` for a command run with --json: its output is for programs, so no colour on either stream and
 * no progress lines. The prompt is carried over as it is, without asking the terminal yet.
 */
export function jsonIo(io: CliIo): CliIo {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(io)) as CliIo
  copy.colour = { stdout: false, stderr: false }
  copy.progress = false
  return copy
}

/** The process streams whose reader went away (EPIPE): what is written to them after that is dropped. */
const readerGone = new Set<NodeJS.WritableStream>()
const watched = new Set<NodeJS.WritableStream>()

/**
 * Writes to a process stream until its reader goes away (`auto-migrations status | head -1`), then
 * drops the rest quietly: with no listener, EPIPE is an uncaught exception that prints a stack. The
 * command itself goes on to its end, so the process still exits with its code: a closed pipe must
 * not stop `forwards` halfway (the migration running would be rolled back, and its steps outside a
 * transaction, such as CREATE INDEX CONCURRENTLY, left behind).
 */
export function streamWriter(stream: NodeJS.WritableStream): (text: string) => void {
  if (!watched.has(stream)) {
    watched.add(stream)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Writes made before the stream knew it was broken fail as destroyed: the same closed pipe.
      if (error.code === 'EPIPE' || (error.code === 'ERR_STREAM_DESTROYED' && readerGone.has(stream))) {
        readerGone.add(stream)
        return
      }
      // Anything else is a real failure: uncaught, as it would be without this listener.
      throw error
    })
  }
  return (text) => {
    if (!readerGone.has(stream)) stream.write(text)
  }
}

/** One question on the terminal. Ctrl+C cancels the command; end of input answers "no". */
export function terminalPrompt(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<string> {
  // Loaded here: most commands never ask, and readline costs a few milliseconds to load.
  return import('node:readline').then(
    ({ createInterface }) =>
      new Promise((resolve, reject) => {
        const rl = createInterface({ input, output })
        let settled = false
        rl.on('SIGINT', () => {
          settled = true
          rl.close()
          output.write('\n')
          reject(new AutoMigrationsError('CANCELLED', 'Cancelled: nothing was written.'))
        })
        rl.on('close', () => {
          if (!settled) {
            settled = true
            resolve('')
          }
        })
        rl.question(`${question} `, (answer) => {
          settled = true
          rl.close()
          resolve(answer)
        })
      }),
  )
}

export const isYes = (answer: string): boolean => /^\s*y(es)?\s*$/i.test(answer)
