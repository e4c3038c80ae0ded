/**
 * `pull` beyond tables: a database's extensions, views and materialized views, functions and
 * triggers as the model declares them. Each keeps Postgres' own rendering of its SQL
 * (pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef), so a database built from the pulled
 * declarations holds the same objects. What the model cannot say is returned as a reason.
 */
import { snakeCase } from '../../core/state/naming.js'
import { SqlExpression } from '../../core/state/sql.js'
import type { PhysicalIndexKey } from '../../runtime/introspect-keys.js'
import type { PhysicalSchema, PhysicalTrigger, PhysicalView } from '../../runtime/introspect.js'
import type { FunctionDeclaration, TriggerSource, ViewDeclaration } from '../writer/tables-source.js'
import { indexDeclaration } from './pull-indexes.js'
import { classNameOf, nameParts, unwrap } from './pull-names.js'

const EVENTS = '(?:INSERT|UPDATE|DELETE|TRUNCATE)'
const NAME = '(?:"(?:[^"]|"")+"|[^\\s"]+)'
/** pg_get_triggerdef of a trigger the model can declare (no `UPDATE OF`, no arguments, no REFERENCING). */
const TRIGGER = new RegExp(
  `^CREATE TRIGGER ${NAME} (BEFORE|AFTER|INSTEAD OF) (${EVENTS}(?: OR ${EVENTS})*) ON .+? FOR EACH (ROW|STATEMENT)(?: WHEN \\((.*)\\))? EXECUTE FUNCTION (${NAME}(?:\\.${NAME})?)\\(\\)$`,
  's',
)

/** A trigger as `trigger(name, options)`, or why the model cannot declare it. */
export function triggerDeclaration(trigger: PhysicalTrigger): TriggerSource | string {
  const match = TRIGGER.exec(trigger.definition)
  if (!match)
    return `is ${trigger.definition.startsWith('CREATE CONSTRAINT') ? 'a constraint trigger' : 'not one the model declares'} (${trigger.definition}): it takes no arguments, no UPDATE OF, no REFERENCING`
  const [, timing, events, forEach, when, fn] = match
  return {
    name: trigger.name,
    options: {
      timing: timing!.toLowerCase(),
      events: events!.split(' OR ').map((e) => e.toLowerCase()),
      function: nameParts(fn!).join('.'),
      forEach: forEach === 'STATEMENT' ? 'statement' : undefined,
      when: when === undefined ? undefined : new SqlExpression(unwrap(when)),
    },
  }
}

export interface PulledObjects {
  views: ViewDeclaration[]
  functions: FunctionDeclaration[]
  extensions: string[]
}

/** The query as pg_get_viewdef renders it, without its outer spaces and final semicolon. */
const queryText = (definition: string) => definition.trim().replace(/;$/, '')

function viewDeclaration(
  view: PhysicalView,
  className: string,
  indexKeys: ReadonlyMap<string, PhysicalIndexKey[]>,
  say: (what: string) => void,
): ViewDeclaration {
  const constraints = view.indexes.flatMap((index) => {
    if (index.include.length > 0 || !index.nullsDistinct)
      say(`index ${index.name} has INCLUDE or NULLS NOT DISTINCT, which a materialized view's index does not take`)
    const declared = indexDeclaration(
      view,
      index,
      indexKeys.get(`${view.schema}.${index.name}`) ?? [],
      (column) => column,
      say,
      undefined,
    )
    return declared ? [declared] : []
  })
  return {
    className,
    materialized: view.materialized,
    ...(snakeCase(className) === view.name ? {} : { viewname: view.name }),
    ...(view.schema === 'public' ? {} : { schema: view.schema }),
    query: new SqlExpression(queryText(view.definition)),
    constraints,
  }
}

/**
 * The views, functions and extensions of `schema`. View classes take names that `classNames` (the
 * tables' classes) leaves free; what the model cannot declare is added to `unsupported`. An
 * extension outside public (as hosted Postgres installs its own) is left out, in `skipped`: the
 * model creates extensions in the default schema.
 */
export function pullObjects(
  schema: PhysicalSchema,
  indexKeys: ReadonlyMap<string, PhysicalIndexKey[]>,
  classNames: Set<string>,
  unsupported: string[],
  skipped: string[],
): PulledObjects {
  const views = schema.views.map((view) => {
    const label = view.schema === 'public' ? view.name : `${view.schema}.${view.name}`
    const say = (what: string) =>
      unsupported.push(`${view.materialized ? 'materialized view' : 'view'} ${label}: ${what}`)
    return viewDeclaration(view, classNameOf(view.name, classNames), indexKeys, say)
  })
  const functions: FunctionDeclaration[] = []
  const names = new Set<string>()
  for (const fn of schema.functions) {
    const name = fn.schema === 'public' ? fn.name : `${fn.schema}.${fn.name}`
    if (names.has(name)) {
      unsupported.push(`function ${name}: overloaded (the model declares one function per name)`)
      continue
    }
    names.add(name)
    functions.push({ name, sql: new SqlExpression(fn.definition.trimEnd()) })
  }
  for (const e of schema.extensions)
    if (e.schema !== 'public')
      skipped.push(`extension ${e.name}: it lives in schema ${e.schema} (the model creates extensions in public)`)
  const extensions = schema.extensions.filter((e) => e.schema === 'public').map((e) => e.name)
  return { views, functions, extensions }
}
