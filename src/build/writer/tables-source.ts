/**
 * Renders an app's `tables.ts` from table declarations (what `pull` reads from a database). Pure and
 * deterministic: values are written as migration files write them (`formatValue`), so strings,
 * numbers and `sql` expressions look the same everywhere the tool writes code.
 */
import { formatValue } from '../../core/operations/source.js'
import { isSqlExpression, type SqlExpression } from '../../core/state/sql.js'
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

/** A table-level declaration: `unique(...)`, `index(...)`, `check(...)` or `exclude(...)`. */
export interface ConstraintDeclaration {
  kind: 'unique' | 'index' | 'check' | 'exclude'
  /** unique/index: keys (a property name, a `sql` expression, or a key object); check: its expression; exclude: its elements. */
  args: unknown[]
  options: Record<string, unknown>
}

/** `trigger(name, options)` in a table's `static triggers`. */
export interface TriggerSource {
  name: string
  options: Record<string, unknown>
}

export interface TableDeclaration {
  className: string
  tablename?: string
  schema?: string
  /** A composite key, or null: the table has no primary key. */
  primaryKey?: string[] | null
  comment?: string
  columns: ColumnDeclaration[]
  constraints: ConstraintDeclaration[]
  triggers?: TriggerSource[]
}

/** A View or MaterializedView class. */
export interface ViewDeclaration {
  className: string
  materialized: boolean
  /** The view's name when the model would not derive it from the class name. */
  viewname?: string
  schema?: string
  query: SqlExpression
  /** A materialized view's indexes. */
  constraints: ConstraintDeclaration[]
}

/** `sqlFunction(name, sql\`...\`)` in an app's `functions`. */
export interface FunctionDeclaration {
  name: string
  sql: SqlExpression
}

/** What an app.ts registers besides its tables. */
export interface AppObjects {
  views: string[]
  extensions: string[]
  functions: FunctionDeclaration[]
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
function importsOf(tables: readonly TableDeclaration[], views: readonly ViewDeclaration[]): string[] {
  const names = new Set<string>(tables.length > 0 ? ['Table'] : [])
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
    if (table.triggers?.length) names.add('trigger')
    if (table.triggers?.some((t) => usesSql(t.options))) names.add('sql')
  }
  for (const view of views) {
    names.add(view.materialized ? 'MaterializedView' : 'View')
    names.add('sql')
    for (const constraint of view.constraints) names.add(constraint.kind)
  }
  return [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0))
}

function constraintLines(constraints: readonly ConstraintDeclaration[]): string[] {
  if (constraints.length === 0) return []
  return ['  static constraints = [', ...constraints.map((c) => `    ${constraintSource(c, '    ')},`), '  ]']
}

function tableLines(table: TableDeclaration): string[] {
  const lines = [`export class ${table.className} extends Table {`]
  if (table.tablename !== undefined) lines.push(`  static tablename = ${formatValue(table.tablename)}`)
  if (table.schema !== undefined) lines.push(`  static schema = ${formatValue(table.schema)}`)
  if (table.primaryKey !== undefined) lines.push(`  static primaryKey = ${formatValue(table.primaryKey, '  ')}`)
  if (table.comment !== undefined) lines.push(`  static comment = ${formatValue(table.comment)}`)
  for (const column of table.columns) lines.push(`  ${column.property} = ${columnSource(column, '  ')}`)
  lines.push(...constraintLines(table.constraints))
  if (table.triggers?.length) {
    lines.push('  static triggers = [')
    for (const t of table.triggers)
      lines.push(`    trigger(${formatValue(t.name)}, ${formatValue(defined(t.options), '    ')}),`)
    lines.push('  ]')
  }
  lines.push('}')
  return lines
}

function viewLines(view: ViewDeclaration): string[] {
  const lines = [`export class ${view.className} extends ${view.materialized ? 'MaterializedView' : 'View'} {`]
  if (view.viewname !== undefined) lines.push(`  static tablename = ${formatValue(view.viewname)}`)
  if (view.schema !== undefined) lines.push(`  static schema = ${formatValue(view.schema)}`)
  lines.push(`  static query = ${formatValue(view.query, '  ')}`, ...constraintLines(view.constraints), '}')
  return lines
}

/** `tables.ts` of `app`: one exported class per table, then per view, in the order given. */
export function renderTablesFile(
  app: string,
  tables: readonly TableDeclaration[],
  origin: string,
  views: readonly ViewDeclaration[] = [],
): string {
  const lines = [
    `// The tables of app "${app}", pulled from ${origin}.`,
    `// Edit them as any tables; npx auto-migrations new ${app} --auto writes the changes.`,
    `import { ${importsOf(tables, views).join(', ')} } from '${PACKAGE_NAME}'`,
  ]
  for (const table of tables) lines.push('', ...tableLines(table))
  for (const view of views) lines.push('', ...viewLines(view))
  return `${lines.join('\n')}\n`
}

/** The entries of app.ts beyond `tables` (`views`, `extensions`, `functions`), each on its lines. */
export function appObjectsSource(objects: AppObjects, indent = '  '): string[] {
  const lines: string[] = []
  if (objects.views.length > 0) lines.push(`${indent}views: [${objects.views.join(', ')}],`)
  if (objects.extensions.length > 0) lines.push(`${indent}extensions: ${formatValue(objects.extensions, indent)},`)
  if (objects.functions.length > 0) {
    lines.push(`${indent}functions: [`)
    for (const fn of objects.functions)
      lines.push(`${indent}  sqlFunction(${formatValue(fn.name)}, ${formatValue(fn.sql, `${indent}  `)}),`)
    lines.push(`${indent}],`)
  }
  return lines
}

/** `app.ts` registering the pulled tables (and views, extensions and functions). */
export function renderPulledAppFile(
  app: string,
  classNames: readonly string[],
  objects: AppObjects = { views: [], extensions: [], functions: [] },
): string {
  const imports = objects.functions.length > 0 ? 'defineApp, sql, sqlFunction' : 'defineApp'
  return `import { ${imports} } from '${PACKAGE_NAME}'
import { ${[...classNames, ...objects.views].join(', ')} } from './tables'

export default defineApp({
  name: ${formatValue(app)},
  tables: ${formatValue([...classNames], '  ').replace(/'/g, '')},
${appObjectsSource(objects)
  .map((line) => `${line}\n`)
  .join('')}  migrationsDir: './migrations',
  dependencies: [],
})
`
}
