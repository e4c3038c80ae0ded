/**
 * An app's extensions, functions, views and tables' triggers → snapshot objects, validated. Every
 * error names the app and the view, table or function, and what to do.
 */
import { AutoMigrationsError, type ErrorCode } from '../errors.js'
import type {
  IndexKey,
  IndexSnapshot,
  SchemaObjectSnapshot,
  TableSnapshot,
  TriggerEvent,
  TriggerSnapshot,
  ViewSnapshot,
} from '../core/state/snapshot.js'
import { MAX_IDENTIFIER_BYTES, byteLength, snakeCase } from '../core/state/naming.js'
import { isSqlExpression } from '../core/state/sql.js'
import type { TableClass } from './columns.js'
import type { IndexKeyInput } from './constraints.js'
import type { App } from './define.js'
import type { TriggerDeclaration } from './functions.js'
import type { Table } from './table.js'
import type { MaterializedView, ViewClass } from './views.js'

type Where = { app: string; table?: string; option?: string }

function fail(code: ErrorCode, message: string, where: Where): never {
  throw new AutoMigrationsError(code, message, where)
}

function checkName(name: unknown, what: string, code: ErrorCode, where: Where): string {
  if (typeof name !== 'string' || name === '') fail(code, `${what} must be a non-empty string.`, where)
  if (byteLength(name) > MAX_IDENTIFIER_BYTES)
    fail(
      'IDENTIFIER_TOO_LONG',
      `${what} "${name}" is ${byteLength(name)} bytes; Postgres allows ${MAX_IDENTIFIER_BYTES} and would silently truncate it. Choose a shorter name.`,
      where,
    )
  return name
}

function checkKeys(given: object, accepted: readonly string[], what: string, code: ErrorCode, where: Where): void {
  for (const option of Object.keys(given))
    if (!accepted.includes(option))
      fail(code, `${what} has option "${option}", which it does not take. It takes: ${accepted.join(', ')}.`, {
        ...where,
        option,
      })
}

const TIMINGS = ['before', 'after', 'instead of']
const EVENTS: TriggerEvent[] = ['insert', 'update', 'delete', 'truncate']
const TRIGGER_OPTIONS = ['timing', 'events', 'function', 'forEach', 'when']
const VIEW_INDEX_OPTIONS = ['name', 'method', 'where']

function readTrigger(declaration: TriggerDeclaration, table: TableSnapshot): TriggerSnapshot {
  const where = { app: table.app, table: table.className }
  const what = `trigger("${declaration.name}") on table ${table.className}`
  checkName(declaration.name, `The name of a trigger on table ${table.className}`, 'INVALID_TABLE', where)
  const o = declaration.options ?? {}
  checkKeys(o, TRIGGER_OPTIONS, what, 'INVALID_TABLE', where)
  if (!TIMINGS.includes(o.timing))
    fail('INVALID_TABLE', `${what} has timing ${JSON.stringify(o.timing)}; use ${TIMINGS.join(', ')}.`, where)
  if (!Array.isArray(o.events) || o.events.length === 0 || o.events.some((e) => !EVENTS.includes(e)))
    fail('INVALID_TABLE', `${what} needs events, each one of ${EVENTS.join(', ')}.`, where)
  checkName(o.function, `The function of ${what}`, 'INVALID_TABLE', where)
  if (o.forEach !== undefined && o.forEach !== 'row' && o.forEach !== 'statement')
    fail('INVALID_TABLE', `${what} has forEach ${JSON.stringify(o.forEach)}; use 'row' or 'statement'.`, where)
  if (o.when !== undefined && !isSqlExpression(o.when))
    fail('INVALID_TABLE', `${what}: when must be a sql\`...\` condition.`, where)
  return {
    kind: 'trigger',
    app: table.app,
    table: table.className,
    name: declaration.name,
    timing: o.timing,
    events: [...o.events],
    function: o.function,
    forEach: o.forEach ?? 'row',
    when: o.when ? o.when.text : null,
  }
}

function viewIndexKey(input: IndexKeyInput, what: string, where: Where): IndexKey {
  if (typeof input === 'string') return { column: input }
  if (isSqlExpression(input)) return { expression: input.text }
  checkKeys(
    input,
    [input.column !== undefined ? 'column' : 'expression', 'order', 'nulls', 'opclass'],
    what,
    'INVALID_VIEW',
    where,
  )
  const key: IndexKey = input.column !== undefined ? { column: input.column } : { expression: input.expression.text }
  if (input.order) key.order = input.order
  if (input.nulls) key.nulls = input.nulls
  if (input.opclass) key.opclass = input.opclass
  return key
}

function readViewIndexes(cls: typeof MaterializedView, name: string, where: Where): IndexSnapshot[] {
  return (cls.constraints ?? []).map((declaration) => {
    const what = `${declaration?.kind}() on materialized view ${name}`
    if (declaration?.kind !== 'index' && declaration?.kind !== 'unique')
      fail(
        'INVALID_VIEW',
        `A materialized view takes index() and unique() in its constraints; ${name} has ${what}.`,
        where,
      )
    checkKeys(declaration.options, VIEW_INDEX_OPTIONS, what, 'INVALID_VIEW', where)
    if (declaration.keys.length === 0) fail('INVALID_VIEW', `${what} names no column.`, where)
    const o = declaration.options
    return {
      name: o.name ?? null,
      keys: declaration.keys.map((k) => viewIndexKey(k, what, where)),
      unique: declaration.kind === 'unique',
      method: o.method ?? 'btree',
      where: o.where ? o.where.text : null,
      nullsDistinct: true,
      concurrently: false,
    }
  })
}

function readView(cls: ViewClass, app: string, materialized: boolean): ViewSnapshot {
  const className = cls.name
  const where = { app, table: className }
  if (!isSqlExpression(cls.query))
    fail('INVALID_VIEW', `View ${className} of app "${app}" has no static query = sql\`select ...\`. Add one.`, where)
  const viewname = Object.hasOwn(cls, 'tablename') && cls.tablename ? cls.tablename : snakeCase(className)
  checkName(viewname, `The name of view ${className}`, 'INVALID_VIEW', where)
  const schema = cls.schema ?? 'public'
  checkName(schema, `The schema of view ${className}`, 'INVALID_VIEW', where)
  const indexes = readViewIndexes(cls as typeof MaterializedView, className, where)
  if (!materialized && indexes.length > 0)
    fail(
      'INVALID_VIEW',
      `View ${className} of app "${app}" declares indexes, which only a materialized view can have. Extend MaterializedView, or remove them.`,
      where,
    )
  return { kind: 'view', app, className, viewname, schema, materialized, query: cls.query.text, indexes }
}

/** The objects of `app`; `tables` are its table snapshots, in the order of `classes`. */
export function readAppObjects(
  app: App,
  classes: readonly TableClass[],
  tables: readonly TableSnapshot[],
): SchemaObjectSnapshot[] {
  const where = { app: app.name }
  const out: SchemaObjectSnapshot[] = []
  const seen = new Set<string>()
  const once = (key: string, what: string, code: ErrorCode, at: Where) => {
    if (seen.has(key)) fail(code, `App "${app.name}" declares ${what} twice. Remove one.`, at)
    seen.add(key)
  }
  for (const name of app.extensions ?? []) {
    checkName(name, `An extension of app "${app.name}"`, 'INVALID_APP', where)
    once(`extension ${name}`, `extension "${name}"`, 'INVALID_APP', where)
    out.push({ kind: 'extension', app: app.name, name })
  }
  for (const fn of app.functions ?? []) {
    if (fn?.kind !== 'function' || !isSqlExpression(fn.sql))
      fail('INVALID_APP', `App "${app.name}" lists a function that is not sqlFunction(name, sql\`...\`).`, where)
    checkName(fn.name, `A function name of app "${app.name}"`, 'INVALID_APP', where)
    if (!/^\s*create\s+(or\s+replace\s+)?(function|procedure)\b/i.test(fn.sql.text))
      fail(
        'INVALID_APP',
        `sqlFunction("${fn.name}") of app "${app.name}" must be one CREATE [OR REPLACE] FUNCTION statement.`,
        where,
      )
    once(`function ${fn.name}`, `function "${fn.name}"`, 'INVALID_APP', where)
    out.push({ kind: 'function', app: app.name, name: fn.name, sql: fn.sql.text })
  }
  for (const cls of app.views ?? []) {
    const view = readView(cls, app.name, cls.materialized === true)
    once(`view ${view.className}`, `view ${view.className}`, 'INVALID_VIEW', { ...where, table: view.className })
    out.push(view)
  }
  classes.forEach((cls, at) => {
    const table = tables[at]!
    const triggers = (cls as unknown as typeof Table).triggers
    if (!Object.hasOwn(cls, 'triggers') || !triggers) return
    for (const declaration of triggers) {
      const t = readTrigger(declaration, table)
      once(`trigger ${t.table}.${t.name}`, `trigger "${t.name}" on ${t.table}`, 'INVALID_TABLE', {
        ...where,
        table: t.table,
      })
      out.push(t)
    }
  })
  return out
}
