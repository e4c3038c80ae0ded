/**
 * What the plugin says, as pure functions of the façade's results: the same text goes to a failing
 * build, a bundler warning, the terminal and Vite's error overlay, and tests can read it.
 */
import path from 'node:path'
import { AutoMigrationsError, isAutoMigrationsError } from '../errors.js'
import type { ChangeReport, WrittenMigration } from '../build/project/types.js'

function relative(root: string, file: string): string {
  const rel = path.relative(root, file)
  // A file outside the root reads better as the absolute path than as a climb of `../`.
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.replace(/\\/g, '/')
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

function changeLine(change: ChangeReport, root: string): string {
  const kind = change.kind === 'change' || change.description.startsWith(change.kind) ? '' : `${change.kind}: `
  const where = change.file === undefined ? '' : `  (${relative(root, change.file)})`
  return `  - ${kind}${change.description}${where}`
}

/**
 * Each change grouped by app, with the table's source file, and after each app the command(s) that
 * resolve its changes: the reader fixes one app at a time.
 */
export function describeChanges(changes: readonly ChangeReport[], root: string, heading: string): string {
  const byApp = new Map<string, ChangeReport[]>()
  for (const change of changes) {
    const list = byApp.get(change.app)
    if (list === undefined) byApp.set(change.app, [change])
    else list.push(change)
  }
  const lines = [heading]
  for (const [app, appChanges] of byApp) {
    lines.push('', `${app}:`)
    for (const change of appChanges) lines.push(changeLine(change, root))
    const fixes = [...new Set(appChanges.map((change) => change.fix))]
    for (const fix of fixes) lines.push(`  fix: ${fix}`)
  }
  return lines.join('\n')
}

/** The façade's warnings (`CheckResult.warnings`), one line each. */
export function describeWarnings(warnings: readonly string[]): string {
  return warnings.map((w) => `warning: ${w}`).join('\n')
}

export function unmigratedHeading(changes: readonly ChangeReport[]): string {
  const apps = new Set(changes.map((change) => change.app)).size
  return `${plural(changes.length, 'un-migrated change')} in ${plural(apps, 'app')}; the commands below write their migrations:`
}

export function heldHeading(changes: readonly ChangeReport[]): string {
  const why = changes.some((change) => change.kind === 'needs-value')
    ? 'ambiguous, destructive, or a new NOT NULL column that needs a value for existing rows'
    : 'ambiguous or destructive'
  return `${plural(changes.length, 'change')} not written automatically (${why}): run the command shown to resolve ${changes.length === 1 ? 'it' : 'them'}.`
}

function errorLine(error: AutoMigrationsError, root: string): string {
  const { details } = error
  const where = [
    details.app === undefined ? undefined : `app ${details.app}`,
    details.migrationId === undefined ? undefined : `migration ${details.migrationId}`,
    details.file === undefined ? undefined : relative(root, details.file),
  ].filter((part) => part !== undefined)
  return `  - [${error.code}] ${error.message}${where.length === 0 ? '' : `  (${where.join(', ')})`}`
}

export function describeErrors(errors: readonly AutoMigrationsError[], root: string): string {
  const lines = [`${plural(errors.length, 'problem')} in the migration history or the registry:`]
  for (const error of errors) lines.push(errorLine(error, root))
  return lines.join('\n')
}

/** Said once the changes and problems that were reported are all resolved. */
export const IN_SYNC = 'in sync: the migrations match the tables, nothing waits for an answer'

/** Where changes that wait for a person can be answered with a click. */
export function devPageLine(url: string): string {
  return `Answer them on the dev page: ${url}`
}

/** One line per operation written, as the dev server log shows it. */
export function describeWritten(written: readonly WrittenMigration[], root: string): string[] {
  const lines: string[] = []
  for (const migration of written) {
    const file = relative(root, migration.file)
    if (migration.amended) {
      const what = migration.lines.length > 0 ? ` (${migration.lines.join(', ')})` : ''
      lines.push(`${migration.app}: ${migration.amended === 'removed' ? 'removed' : 'amended'} ${file}${what}`)
      continue
    }
    if (migration.lines.length === 0) lines.push(`${migration.app}: wrote ${file}`)
    for (const line of migration.lines) lines.push(`${migration.app}: ${line}  (${file})`)
  }
  return lines
}

/**
 * The session promises AutoMigrationsErrors; anything else is a bug somewhere below the plugin and
 * keeps its stack as the cause so it can be reported.
 */
export function toAutoMigrationsError(error: unknown): AutoMigrationsError {
  if (isAutoMigrationsError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new AutoMigrationsError('LOAD_FAILED', `Could not load the project: ${message}`, {}, { cause: error })
}

/** How many differences the dev server's drift line names before it says how many more there are. */
const DRIFT_SHOWN = 5

/**
 * The dev server's one line at start when the dev database drifted from its applied migrations:
 * the first differences by name, and the command that lists them all.
 */
export function describeDrift(messages: readonly string[]): string {
  const shown = messages.slice(0, DRIFT_SHOWN).join('; ')
  const more = messages.length > DRIFT_SHOWN ? `; and ${messages.length - DRIFT_SHOWN} more` : ''
  return `The dev database differs from what its applied migrations describe (${plural(messages.length, 'difference')}): ${shown}${more}. Run npx auto-migrations drift for the list.`
}
