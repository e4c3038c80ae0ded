/**
 * The keys of every index one by one, as a declaration needs them: the column (or expression), its
 * order, NULLS placement and operator class when not the default. ./introspect.ts keeps an index's
 * keys as text; `pull` needs them taken apart to write `index({ column, order, opclass })`.
 */
import type { Queryable } from './engines/engine.js'

export interface PhysicalIndexKey {
  /** The column's name, or null for an expression key. */
  column: string | null
  /** The key as Postgres renders it: the column (quoted when needed) or the expression. */
  expression: string
  descending: boolean
  nullsFirst: boolean
  /** The operator class when it is not the default one for the key's type. */
  opclass: string | null
}

const KEYS_SQL = `
select n.nspname::text as schema, ic.relname::text as index, k.ord::int as ord,
       case when i.indkey[k.ord - 1] <> 0 then a.attname::text end as column,
       pg_get_indexdef(i.indexrelid, k.ord::int, true) as expression,
       i.indoption[k.ord - 1]::int as option,
       case when not opc.opcdefault then opc.opcname::text end as opclass
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_namespace n on n.oid = ic.relnamespace
  cross join lateral generate_series(1, i.indnkeyatts::int) k(ord)
  left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[k.ord - 1]
  left join pg_opclass opc on opc.oid = i.indclass[k.ord - 1]
 where n.nspname = any($1::text[])
 order by 1, 2, 3`

interface KeyRow {
  schema: string
  index: string
  ord: number
  column: string | null
  expression: string
  option: number
  opclass: string | null
}

/** `schema.index` → its keys in order, for every index in `schemas`. */
export async function introspectIndexKeys(q: Queryable, schemas: string[]): Promise<Map<string, PhysicalIndexKey[]>> {
  const { rows } = await q.query<KeyRow>(KEYS_SQL, [schemas])
  const out = new Map<string, PhysicalIndexKey[]>()
  for (const row of rows) {
    const key = `${row.schema}.${row.index}`
    const list = out.get(key) ?? []
    // indoption bits: 1 = DESC, 2 = NULLS FIRST (pg_index.h).
    list.push({
      column: row.column,
      expression: row.expression,
      descending: (row.option & 1) !== 0,
      nullsFirst: (row.option & 2) !== 0,
      opclass: row.opclass,
    })
    out.set(key, list)
  }
  return out
}
