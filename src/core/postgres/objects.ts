/** SQL of the schema objects beyond tables: extensions, views, materialized views, functions, triggers. */
import type {
  ColumnSnapshot,
  FunctionSnapshot,
  TableSnapshot,
  TriggerSnapshot,
  ViewSnapshot,
} from '../state/snapshot.js'
import { createIndexSql, derivedName, dropIndexSql, tableName } from './ddl.js'
import { qualifiedName, quoteIdent } from './quote.js'

export const createExtensionSql = (name: string): string => `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)}`
export const dropExtensionSql = (name: string): string => `DROP EXTENSION IF EXISTS ${quoteIdent(name)}`

/** A name as the user wrote it (`fn` or `schema.fn`), quoted part by part. */
export function quotedPath(name: string): string {
  return name.split('.').map(quoteIdent).join('.')
}

const viewKind = (view: ViewSnapshot) => (view.materialized ? 'MATERIALIZED VIEW' : 'VIEW')
const queryOf = (view: ViewSnapshot) => view.query.trim().replace(/;\s*$/, '')

export const viewName = (view: ViewSnapshot): string => qualifiedName(view.schema, view.viewname)

/** A materialized view as the table its indexes are named after and built on (keys name output columns). */
export function viewAsTable(view: ViewSnapshot): TableSnapshot {
  const names = new Set(view.indexes.flatMap((i) => i.keys.flatMap((k) => (k.column !== undefined ? [k.column] : []))))
  const columns = [...names].map((name) => ({ name, dbColumnName: name }) as ColumnSnapshot)
  return {
    app: view.app,
    className: view.className,
    tablename: view.viewname,
    schema: view.schema,
    columns,
    constraints: [],
    indexes: view.indexes,
  }
}

export function createViewSql(view: ViewSnapshot): string[] {
  const table = viewAsTable(view)
  return [
    `CREATE ${viewKind(view)} ${viewName(view)} AS ${queryOf(view)}`,
    ...view.indexes.map((index) => createIndexSql(table, { ...index, concurrently: false })),
  ]
}

export const dropViewSql = (view: ViewSnapshot): string => `DROP ${viewKind(view)} ${viewName(view)}`

/** The indexes of a materialized view that `after` drops and creates, when its query stays. */
export function reindexViewSql(before: ViewSnapshot, after: ViewSnapshot): string[] {
  const was = viewAsTable(before)
  const now = viewAsTable(after)
  const names = (table: TableSnapshot) => new Map(table.indexes.map((i) => [derivedName.index(table, i), i]))
  const old = names(was)
  const next = names(now)
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  return [
    ...[...old].filter(([name, i]) => !same(next.get(name), i)).map(([name]) => dropIndexSql(was, name)),
    ...[...next]
      .filter(([name, i]) => !same(old.get(name), i))
      .map(([, i]) => createIndexSql(now, { ...i, concurrently: false })),
  ]
}

/** A dollar-quote tag that the text does not contain. */
function dollarTag(text: string): string {
  for (let n = 0; ; n++) {
    const tag = `$auto_migrations${n || ''}$`
    if (!text.includes(tag)) return tag
  }
}

/**
 * A plain view's new query: CREATE OR REPLACE VIEW where Postgres allows it (the same columns, with
 * their types, and maybe more at the end); otherwise (42P16: a column dropped, renamed or of
 * another type) the view is dropped and created again. Which case applies is known only to the
 * database, so one block tries the first and falls back to the second.
 */
export function replaceViewSql(view: ViewSnapshot): string {
  const create = `CREATE VIEW ${viewName(view)} AS ${queryOf(view)}`
  const body =
    `BEGIN\n  CREATE OR REPLACE VIEW ${viewName(view)} AS ${queryOf(view)};\n` +
    `EXCEPTION WHEN invalid_table_definition THEN\n  DROP VIEW ${viewName(view)};\n  ${create};\nEND`
  const tag = dollarTag(body)
  return `DO ${tag}\n${body}\n${tag}`
}

/** `create function` made `create or replace function`, so a changed body replaces the old one. */
export function replaceFunctionSql(fn: FunctionSnapshot): string {
  return fn.sql.replace(/^(\s*create)\s+(function|procedure)\b/i, '$1 OR REPLACE $2')
}

export const dropFunctionSql = (fn: FunctionSnapshot): string => `DROP FUNCTION ${quotedPath(fn.name)}`

export function createTriggerSql(trigger: TriggerSnapshot, table: TableSnapshot, replace = false): string {
  return [
    `CREATE ${replace ? 'OR REPLACE ' : ''}TRIGGER ${quoteIdent(trigger.name)}`,
    `${trigger.timing.toUpperCase()} ${trigger.events.map((e) => e.toUpperCase()).join(' OR ')}`,
    `ON ${tableName(table)} FOR EACH ${trigger.forEach.toUpperCase()}`,
    ...(trigger.when ? [`WHEN (${trigger.when})`] : []),
    `EXECUTE FUNCTION ${quotedPath(trigger.function)}()`,
  ].join(' ')
}

export const dropTriggerSql = (trigger: TriggerSnapshot, table: TableSnapshot): string =>
  `DROP TRIGGER ${quoteIdent(trigger.name)} ON ${tableName(table)}`
