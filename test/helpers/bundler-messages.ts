/**
 * What bundlers report, collected and reduced to the plugin's own text, for the builds of
 * test/helpers/bundlers.ts (the plugin from the sources) and test/plugin/e2e-harness.ts (from dist).
 */
import { stripVTControlCharacters } from 'node:util'
import type { Logger } from 'vite'

/**
 * Messages as the plugin wrote them: without colours, and without each bundler's frame: rspack's
 * `× `, `⚠ ` and `│ ` before lines, Rolldown's (and so Vite's) `Build failed with 1 error:` and
 * `RolldownError: `, the `[plugin name]` tag of Rollup and Rolldown.
 */
export function cleanMessages(messages: readonly string[]): string[] {
  return messages
    .map((message) =>
      stripVTControlCharacters(message)
        .replace(/^\s*[×⚠] /, '')
        .replace(/^ {2}│ ?/gm, '')
        .replace(/^Build failed with \d+ errors?:\s*/, '')
        .replace(/^\[plugin [^\]]+\]\s*/, '')
        .replace(/^RolldownError: /, '')
        .trim(),
    )
    .filter((message) => message !== '')
}

export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message)
  return String(error)
}

/** Vite's logger, keeping warnings and errors (Vite reports plugin warnings and build errors there). */
export function recordingLogger(errors: string[], warnings: string[], infos: string[] = []): Logger {
  return {
    info: (message) => infos.push(message),
    warn: (message) => warnings.push(message),
    warnOnce: (message) => warnings.push(message),
    error: (message) => errors.push(message),
    clearScreen() {},
    hasErrorLogged: () => false,
    hasWarned: false,
  }
}

/** What webpack's and rspack's `Stats` give for one run (webpack's and rspack's own types differ). */
interface StatsLike {
  toJson(options: { all: false; errors: true; warnings: true }): {
    errors?: { message: string }[]
    warnings?: { message: string }[]
  }
}

/** What webpack's and rspack's compilers have in common, for a single run. */
interface CompilerLike {
  run(callback: (error: Error | null, stats?: StatsLike) => void): void
  close(callback: () => void): void
}

/** Runs a webpack or rspack compiler once and closes it, keeping its errors and warnings. */
export function runCompiler(compiler: CompilerLike, errors: string[], warnings: string[]): Promise<void> {
  return new Promise((resolve) => {
    compiler.run((error, stats) => {
      collectStats(error, stats, errors, warnings)
      compiler.close(() => resolve())
    })
  })
}

/** The errors and warnings of one webpack or rspack run (or watch round), from its callback's arguments. */
export function collectStats(
  error: Error | null,
  stats: StatsLike | undefined,
  errors: string[],
  warnings: string[],
): void {
  if (error) errors.push(messageOf(error))
  const json = stats?.toJson({ all: false, errors: true, warnings: true })
  errors.push(...(json?.errors ?? []).map((problem) => problem.message))
  warnings.push(...(json?.warnings ?? []).map((problem) => problem.message))
}
