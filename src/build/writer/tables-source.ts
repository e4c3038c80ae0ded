/**
 * Renders an app's `tables.ts` from table declarations (what `pull` reads from a database). Pure and
 * deterministic: values are written as migration files write them (`formatValue`), so strings,
 * numbers and `sql` expressions look the same everywhere the tool writes code.
 */
import { formatValue } from '../../core/operations/source.js'
import { isSqlExpression } from '../../core/state/sql.js'
import { PACKAGE_NAME } from './render.js'

/** One column: `property = new Class(args..., options)`. */
export interface ColumnDeclaration {
  property: string
  /** The column class as the package exports it: Varchar, ForeignKey, Enum, Array... */
  columnClass: string
  /** Enum: its name, values and schema (when not public). */
  enum?: { name: string; values: string[]; schema?: string }
  /** Array: the element's column. */
  base?: Omit<ColumnDeclaration, 'property'>
  /** ForeignKey: the class name of the target table. */
  target?: string
  /** Options in the order they are written; undefined values are left out. */
  options: Record<string, unknown>
}

/** A table-level declaration: `unique(...)`, `index(...)` or `check(...)`. */
export interface ConstraintDeclaration {
  kind: 'unique' | 'index' | 'check'
  /** unique/index: keys (a property name, a `sql` expression, or a key object); check: its expression. */
  args: unknown[]
  options: Record<string, unknown>
}

export interface TableDeclaration {
  className: string
  tablename?: string
  schema?: string
  primaryKey?: string[]
  columns: ColumnDeclaration[]
  constraints: ConstraintDeclaration[]
}

/** An option written as `undefined` (where leaving it out means something else, as Varchar's length). */
export const UNDEFINED: unique symbol = Symbol('undefined')

const defined = (options: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))

/** `{ a: 1, b: undefined }`: as formatValue writes an object, with UNDEFINED written as `undefined`. */
function optionsSource(options: Record<string, unknown>, indent: string): string {
  const marked = Object.entries(options).filter(([, v]) => v === UNDEFINED)
  if (marked.length === 0) return formatValue(options, indent)
  const rest = Object.entries(options).filter(([, v]) => v !== UNDEFINED)
  const parts = [...marked.map(([k]) => `${k}: undefined`), ...rest.map(([k, v]) => `${k}: ${formatValue(v, indent)}`)]
  return `{ ${parts.join(', ')} }`
}

function columnSource(column: Omit<ColumnDeclaration, 'property'>, indent: string): string {
  const args: string[] = []
  if (column.enum) args.push(formatValue(column.enum.name), formatValue(column.enum.values, indent))
  if (column.base) args.push(columnSource(column.base, indent))
  if (column.target) args.push(`() => ${column.target}`)
  const options = defined(column.options)
  if (Object.keys(options).length > 0) args.push(optionsSource(options, indent))
  return `new ${column.columnClass}(${args.join(', ')})`
}

function constraintSource(constraint: ConstraintDeclaration, indent: string): string {
  const options = defined(constraint.options)
  const args = constraint.args.map((a) => formatValue(a, indent))
  if (Object.keys(options).length > 0) args.push(formatValue(options, indent))
  return `${constraint.kind}(${args.join(', ')})`
}

/** The names a file of these tables imports from the package, sorted. */
function importsOf(tables: readonly TableDeclaration[]): string[] {
  const names = new Set<string>(['Table'])
  const addColumn = (column: Omit<ColumnDeclaration, 'property'>) => {
    names.add(column.columnClass)
    if (column.base) addColumn(column.base)
  }
  const usesSql = (value: unknown): boolean =>
    isSqlExpression(value) ||
    (typeof value === 'object' && value !== null && Object.values(value).some((v: unknown) => usesSql(v)))
  for (const table of tables) {
    for (const column of table.columns) {
      addColumn(column)
      if (usesSql(column.options)) names.add('sql')
    }
    for (const constraint of table.constraints) {
      names.add(constraint.kind)
      if (usesSql(constraint.args) || usesSql(constraint.options)) names.add('sql')
    }
  }
  return [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0))
}

/** `tables.ts` of `app`: one exported class per table, in the order given. */
export function renderTablesFile(app: string, tables: readonly TableDeclaration[], origin: string): string {
  const lines = [
    `// The tables of app "${app}", pulled from ${origin}.`,
    `// Edit them as any tables; npx auto-migrations new ${app} --auto writes the changes.`,
    `import { ${importsOf(tables).join(', ')} } from '${PACKAGE_NAME}'`,
  ]
  for (const table of tables) {
    lines.push('', `export class ${table.className} extends Table {`)
    if (table.tablename !== undefined) lines.push(`  static tablename = ${formatValue(table.tablename)}`)
    if (table.schema !== undefined) lines.push(`  static schema = ${formatValue(table.schema)}`)
    if (table.primaryKey) lines.push(`  static primaryKey = ${formatValue(table.primaryKey, '  ')}`)
    for (const column of table.columns) lines.push(`  ${column.property} = ${columnSource(column, '  ')}`)
    if (table.constraints.length > 0) {
      lines.push('  static constraints = [')
      for (const constraint of table.constraints) lines.push(`    ${constraintSource(constraint, '    ')},`)
      lines.push('  ]')
    }
    lines.push('}')
  }
  return `${lines.join('\n')}\n`
}

/** `app.ts` registering the pulled tables. */
export function renderPulledAppFile(app: string, classNames: readonly string[]): string {
  return `import { defineApp } from '${PACKAGE_NAME}'
import { ${classNames.join(', ')} } from './tables'

export default defineApp({
  name: ${formatValue(app)},
  tables: ${formatValue([...classNames], '  ').replace(/'/g, '')},
  migrationsDir: './migrations',
  dependencies: [],
})
`
}
