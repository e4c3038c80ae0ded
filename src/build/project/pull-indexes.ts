/**
 * Indexes for `pull`: an index of the database as an `index(...)`/`unique(...)` declaration, or as
 * `index: true` on its column where that is what the model would build.
 */
import { expressionNamePart, generatedName } from '../../core/state/naming.js'
import { SqlExpression } from '../../core/state/sql.js'
import type { PhysicalIndexKey } from '../../runtime/introspect-keys.js'
import type { PhysicalExclusion, PhysicalIndex } from '../../runtime/introspect.js'
import type { ConstraintDeclaration } from '../writer/tables-source.js'
import { nameParts, unwrap } from './pull-names.js'

/** A column as pg_get_indexdef renders it (`"userId"`, `email`) → its name. */
export function columnName(rendered: string): string {
  return nameParts(rendered)[0] ?? rendered
}

const METHODS = new Set(['btree', 'hash', 'gin', 'gist', 'brin'])

/**
 * An index as a declaration, or undefined when it is a column's `index: true` (recorded in
 * `columnIndexes`; without that map, as for a materialized view, every index is a declaration).
 */
export function indexDeclaration(
  table: { name: string },
  index: PhysicalIndex,
  keys: PhysicalIndexKey[],
  prop: (column: string) => string,
  say: (what: string) => void,
  columnIndexes: Map<string, string> | undefined,
): ConstraintDeclaration | undefined {
  if (!METHODS.has(index.method))
    say(`index ${index.name} uses method ${index.method} (not supported by the model yet)`)
  if (!index.valid)
    say(`index ${index.name} is INVALID (a failed CREATE INDEX CONCURRENTLY): drop it or build it again first`)
  const plainKey = (k: PhysicalIndexKey) => k.column !== null && !k.descending && !k.nullsFirst && k.opclass === null
  const [first] = keys
  if (
    columnIndexes !== undefined &&
    !index.unique &&
    keys.length === 1 &&
    first &&
    plainKey(first) &&
    index.predicate === null &&
    index.include.length === 0 &&
    !columnIndexes.has(first.column!) &&
    index.name === generatedName(table.name, [first.column!], 'idx')
  ) {
    columnIndexes.set(first.column!, index.method)
    return undefined
  }
  const args = keys.map((k, at) => {
    const nulls = k.descending && !k.nullsFirst ? 'last' : !k.descending && k.nullsFirst ? 'first' : undefined
    // A unique index on plain columns would be read as a unique constraint: an explicit `asc` keeps it an index.
    const order = k.descending ? 'desc' : index.unique && at === 0 && keys.every(plainKey) ? 'asc' : undefined
    const target = k.column !== null ? { column: prop(k.column) } : { expression: new SqlExpression(k.expression) }
    if (!order && !nulls && !k.opclass) return k.column !== null ? prop(k.column) : target.expression
    return { ...target, order, nulls, opclass: k.opclass ?? undefined }
  })
  const parts = keys.map((k) => k.column ?? expressionNamePart(k.expression))
  const generated = generatedName(table.name, parts, index.unique ? 'key' : 'idx')
  return {
    kind: index.unique ? 'unique' : 'index',
    args,
    options: {
      name: index.name === generated ? undefined : index.name,
      method: index.method === 'btree' ? undefined : index.method,
      where: index.predicate === null ? undefined : new SqlExpression(unwrap(index.predicate)),
      nullsDistinct: index.unique && !index.nullsDistinct ? false : undefined,
      include: index.include.length > 0 ? index.include.map((c) => prop(columnName(c))) : undefined,
    },
  }
}

/** The options a key takes besides its column or expression: order, NULLS placement, operator class. */
function keyOptions(k: PhysicalIndexKey): { order?: 'desc'; nulls?: 'first' | 'last'; opclass?: string } {
  const nulls = k.descending && !k.nullsFirst ? 'last' : !k.descending && k.nullsFirst ? 'first' : undefined
  return { order: k.descending ? 'desc' : undefined, nulls, opclass: k.opclass ?? undefined }
}

/** An exclusion constraint as `exclude({ column, operator }, ..., options)`. */
export function exclusionDeclaration(
  table: { name: string },
  exclusion: PhysicalExclusion,
  keys: PhysicalIndexKey[],
  prop: (column: string) => string,
  say: (what: string) => void,
): ConstraintDeclaration | undefined {
  if (keys.length !== exclusion.operators.length) {
    say(`exclusion constraint ${exclusion.name}: its elements could not be read`)
    return undefined
  }
  if (!METHODS.has(exclusion.method))
    say(`exclusion constraint ${exclusion.name} uses method ${exclusion.method} (not supported by the model yet)`)
  const elements = keys.map((k, at) => ({
    ...(k.column !== null ? { column: prop(k.column) } : { expression: new SqlExpression(k.expression) }),
    operator: exclusion.operators[at],
    ...keyOptions(k),
  }))
  const parts = keys.map((k) => k.column ?? expressionNamePart(k.expression))
  return {
    kind: 'exclude',
    args: elements,
    options: {
      name: exclusion.name === generatedName(table.name, parts, 'excl') ? undefined : exclusion.name,
      method: exclusion.method === 'gist' ? undefined : exclusion.method,
      where: exclusion.predicate === null ? undefined : new SqlExpression(unwrap(exclusion.predicate)),
      include: exclusion.include.length > 0 ? exclusion.include.map((c) => prop(columnName(c))) : undefined,
      deferrable: exclusion.initiallyDeferred ? 'initiallyDeferred' : exclusion.deferrable ? true : undefined,
    },
  }
}
