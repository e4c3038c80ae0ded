/**
 * Colour on a terminal only. A stream gets escape codes when it is a TTY (and TERM is not `dumb`),
 * unless NO_COLOR is set; FORCE_COLOR forces them (FORCE_COLOR=0 or false turns them off, as in
 * Node). Pipes, files and CI logs get plain text, so what scripts and tests read never changes.
 *
 * The decision is ours, not picocolors' (which turns colour on whenever CI is set), and picocolors
 * is loaded only when a stream gets colour: a command whose output is piped never pays for it.
 */
import { createRequire } from 'node:module'

/** What the CLI colours: errors red, warnings yellow, what went well green. */
export interface Palette {
  readonly enabled: boolean
  red(text: string): string
  yellow(text: string): string
  green(text: string): string
}

type Env = Readonly<Record<string, string | undefined>>

/** Whether a stream gets colour (see the top of this file). */
export function colourEnabled(isTTY: boolean, env: Env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force !== 'false'
  return isTTY && env.TERM !== 'dumb'
}

const same = (text: string) => text

export const plain: Palette = { enabled: false, red: same, yellow: same, green: same }

let coloured: Palette | undefined

export function palette(enabled: boolean): Palette {
  if (!enabled) return plain
  if (!coloured) {
    const pc = (createRequire(import.meta.url)('picocolors') as typeof import('picocolors')).createColors(true)
    coloured = { enabled: true, red: pc.red, yellow: pc.yellow, green: pc.green }
  }
  return coloured
}

/** `error [CODE]: …` and `warning: …` lines as printed: their label coloured. */
export const paintLabel = (paint: Palette, line: string): string =>
  line.replace(/^(error(?: \[[A-Z0-9_]+\])?:|warning:)/, (label) =>
    label.startsWith('error') ? paint.red(label) : paint.yellow(label),
  )
