/** How the CLI prints errors and change lists, as text or (--json) as JSON. */
import type { AutoMigrationsError } from '../errors.js'
import { asAutoMigrationsError } from '../build/project/errors.js'
import type { ChangeReport } from '../build/project/types.js'
import type { CommandContext } from './context.js'

/** `error [CODE]: message`, and with --trace the stack and its causes. */
export function formatError(error: AutoMigrationsError, trace: boolean): string {
  const lines = [`error [${error.code}]: ${error.message}`]
  if (trace) lines.push(...stackLines(error))
  return lines.join('\n')
}

export function stackLines(error: unknown): string[] {
  const lines: string[] = []
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    lines.push(depth === 0 ? (current.stack ?? String(current)) : `caused by: ${current.stack ?? String(current)}`)
    current = current.cause
  }
  return lines
}

/** An error as --json prints it. An error that is not ours (a bug) has no code: null. */
export interface ErrorJson {
  code: string | null
  message: string
  details: Record<string, unknown>
}

export function errorJson(error: unknown): ErrorJson {
  const known = asAutoMigrationsError(error)
  if (known) return { code: known.code, message: known.message, details: known.details }
  return { code: null, message: error instanceof Error ? error.message : String(error), details: {} }
}

/**
 * One JSON document (indented, then a newline). Details come from drivers and user code: a bigint
 * would make JSON.stringify throw, and then the document would be lost with the error it reports.
 */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.io.stdout(jsonText(value))
}

export function printErrors(ctx: CommandContext, errors: readonly AutoMigrationsError[]): void {
  for (const error of errors) ctx.err(formatError(error, ctx.trace))
}

/** Changes grouped by app, each with the table's file, and per app the command that fixes them. */
export function formatChanges(ctx: CommandContext, changes: readonly ChangeReport[]): string[] {
  const byApp = new Map<string, ChangeReport[]>()
  for (const change of changes) byApp.set(change.app, [...(byApp.get(change.app) ?? []), change])
  const lines: string[] = []
  for (const [app, list] of byApp) {
    lines.push(`${app}: ${list.length} un-migrated change${list.length === 1 ? '' : 's'}`)
    for (const change of list) {
      // Ambiguous and destructive changes wait for a decision: their kind is a warning.
      const kind = change.kind === 'change' ? '' : `${ctx.paint.out.yellow(change.kind)}: `
      lines.push(`  - ${kind}${change.description}${change.file ? `  (${ctx.show(change.file)})` : ''}`)
    }
    for (const fix of new Set(list.map((c) => c.fix))) lines.push(`  fix: ${fix}`)
  }
  return lines
}
