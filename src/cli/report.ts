/** How the CLI prints errors and change lists. */
import type { AutoMigrationsError } from '../errors.js'
import type { ChangeReport } from '../project/types.js'
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
      const kind = change.kind === 'change' ? '' : `${change.kind}: `
      lines.push(`  - ${kind}${change.description}${change.file ? `  (${ctx.show(change.file)})` : ''}`)
    }
    for (const fix of new Set(list.map((c) => c.fix))) lines.push(`  fix: ${fix}`)
  }
  return lines
}
