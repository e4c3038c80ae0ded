/**
 * Drift: the live database against the schema its applied migrations describe, both read by
 * introspection (../introspect.ts), so that both sides are Postgres' own renderings and compare as
 * text. Each kind of object is compared by its comparer (./comparers.ts).
 */
import type { PhysicalSchema } from '../introspect.js'
import {
  type Comparer,
  indexComparer,
  SCHEMA_COMPARERS,
  type TableComparer,
  tableComparer,
  tableComparers,
  tableLabel,
} from './comparers.js'
import type { Difference } from './difference.js'

function keyed<T>(comparer: Comparer<T>, items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [comparer.key(item), item]))
}

function described<T>(comparer: Comparer<T>, item: T): string {
  const words = comparer.describe(item)
  return words === '' ? '' : ` (${words})`
}

/** The differences of one kind: extra and missing objects first (in key order), then changed ones. */
function compareItems<T>(
  comparer: Comparer<T>,
  actual: readonly T[],
  expected: readonly T[],
  table: string | undefined,
): Difference[] {
  const has = keyed(comparer, actual)
  const wants = keyed(comparer, expected)
  const keys = [...new Set([...has.keys(), ...wants.keys()])].sort()
  const out: Difference[] = []
  const where = table === undefined ? {} : { table }
  for (const key of keys) {
    const a = has.get(key)
    const e = wants.get(key)
    if (a !== undefined && e === undefined) {
      const name = comparer.name(a)
      out.push({
        kind: 'extra',
        object: comparer.object,
        name,
        ...where,
        ...(comparer.describe(a) === '' ? {} : { actual: comparer.describe(a) }),
        message: `extra ${comparer.object} ${name}${described(comparer, a)}`,
      })
    } else if (a === undefined && e !== undefined) {
      const name = comparer.name(e)
      out.push({
        kind: 'missing',
        object: comparer.object,
        name,
        ...where,
        ...(comparer.describe(e) === '' ? {} : { expected: comparer.describe(e) }),
        message: `missing ${comparer.object} ${name}${described(comparer, e)}`,
      })
    } else if (a !== undefined && e !== undefined) {
      const wanted = comparer.attributes(e)
      for (const [at, attribute] of comparer.attributes(a).entries()) {
        const other = wanted[at]!
        if (attribute.value === other.value) continue
        const name = comparer.name(a)
        const actualText = attribute.value ?? `no ${attribute.label}`
        const expectedText = other.value ?? `no ${attribute.label}`
        // `null` is its own value: "column post.body: null, migrations say not null".
        const label = attribute.label === 'null' ? '' : `${attribute.label} `
        const says = attribute.long
          ? `${attribute.label} differs`
          : `${attribute.value === null ? actualText : `${label}${actualText}`}, migrations say ${expectedText}`
        out.push({
          kind: 'changed',
          object: comparer.object,
          name,
          ...where,
          attribute: attribute.label,
          actual: actualText,
          expected: expectedText,
          message: `${comparer.object} ${name}: ${says}`,
        })
      }
    }
  }
  return out
}

/**
 * Every difference between `actual` (the live database) and `expected` (what migrations built),
 * in a stable order: what a schema holds (extensions, enums, tables, views, functions), then each
 * table present on both sides, object by object, then the indexes of materialized views. An extra
 * or missing table is one difference, not one per column.
 */
export function compareSchemas(actual: PhysicalSchema, expected: PhysicalSchema): Difference[] {
  const out: Difference[] = []
  for (const comparer of SCHEMA_COMPARERS)
    out.push(...compareItems(comparer, comparer.list(actual), comparer.list(expected), undefined))
  const wanted = keyed(tableComparer, expected.tables)
  for (const table of actual.tables) {
    const other = wanted.get(tableComparer.key(table))
    if (!other) continue
    const label = tableLabel(table)
    const comparers: TableComparer<unknown>[] = tableComparers(table)
    for (const comparer of comparers)
      out.push(...compareItems(comparer, comparer.list(table), comparer.list(other), label))
  }
  // A materialized view's indexes, as a table's: one that is missing or extra, not the whole view.
  const views = new Map(expected.views.map((v) => [`${v.schema}.${v.name}`, v]))
  for (const view of actual.views) {
    const other = views.get(`${view.schema}.${view.name}`)
    if (!other?.materialized || !view.materialized) continue
    const label = tableLabel(view)
    const comparer = indexComparer(label, view.schema)
    out.push(...compareItems(comparer, view.indexes, other.indexes, label))
  }
  return out
}
