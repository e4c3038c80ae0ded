/**
 * Renders a migration file (SPEC §4). Pure and deterministic: the same app, ID, description and
 * operations give the same bytes, so regenerating a file never shows up as a change. The file is
 * self-contained: it imports only the MigrationManager (and `sql` when a value is a SQL expression),
 * never the app's tables, so history does not change when the tables do.
 */
import type { RecordedMigration } from '../../core/operations/migration.js'
import { formatValue } from '../../core/operations/source.js'
import { isSqlExpression } from '../../core/state/sql.js'

/** What a file is rendered from: a recorded migration, whose `DEPENDS_ON` is written even when empty. */
export type MigrationFileInput = Omit<RecordedMigration, 'file' | 'dependsOn'> & {
  readonly dependsOn: Readonly<Record<string, string>>
}

export const PACKAGE_NAME = 'unplugin-auto-migrations'

/** True when a SQL expression appears anywhere in `value`: the file then needs the `sql` tag. */
function usesSqlExpression(value: unknown, seen = new Set<unknown>()): boolean {
  if (isSqlExpression(value)) return true
  if (value === null || typeof value !== 'object' || seen.has(value)) return false
  seen.add(value)
  return Object.values(value as Record<string, unknown>).some((v) => usesSqlExpression(v, seen))
}

export function renderMigration(input: MigrationFileInput): string {
  const imports = ['MigrationManager']
  if (input.operations.some((o) => usesSqlExpression(o.params))) imports.push('sql')
  const body = input.operations.map((o) => `  ${o.toSource('  ')}`)
  return [
    `import { ${imports.join(', ')} } from '${PACKAGE_NAME}'`,
    '',
    `export const ID = ${formatValue(input.id)}`,
    `export const DESCRIPTION = ${formatValue(input.description)}`,
    `export const DEPENDS_ON = ${formatValue(input.dependsOn)}`,
    ...(input.replaces?.length ? [`export const REPLACES = ${formatValue(input.replaces)}`] : []),
    '',
    'export async function forwards() {',
    `  const manager = new MigrationManager({ migrationId: ID, appName: ${formatValue(input.app)}, description: DESCRIPTION })`,
    ...body,
    '  return manager',
    '}',
    '',
  ].join('\n')
}
