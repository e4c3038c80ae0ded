/**
 * Where the CLI reads and writes. `main` takes it as a parameter so tests drive commands in-process
 * (capturing output, answering prompts) exactly as a terminal would.
 */
import { createInterface } from 'node:readline'
import { AutoMigrationsError } from '../errors.js'

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
}

export function processIo(): CliIo {
  return {
    cwd: process.cwd(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    // Asking needs a person at the keyboard: input from a terminal, not a pipe.
    prompt: process.stdin.isTTY ? terminalPrompt : undefined,
    now: () => new Date(),
  }
}

/** One question on the terminal. Ctrl+C cancels the command; end of input answers "no". */
export function terminalPrompt(question: string, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<string> {
  return new Promise((resolve, reject) => {
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
  })
}

export const isYes = (answer: string): boolean => /^\s*y(es)?\s*$/i.test(answer)
