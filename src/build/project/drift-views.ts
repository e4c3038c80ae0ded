/**
 * View queries in drift, rendered by the live server. Both sides are compared as `pg_get_viewdef`
 * renders them, and that rendering changes between Postgres versions (16 stopped qualifying the
 * columns of a one-table query): when the expected side was built elsewhere (an embedded scratch
 * database beside a Postgres 15 server that refused CREATE DATABASE, or a kept one), a view that
 * is the same would read as changed. A view whose two texts differ has its expected query rendered
 * again by the live server, through a temporary view that the transaction drops and rolls back.
 */
import { quoteIdent } from '../../core/postgres/quote.js'
import type { Engine } from '../../runtime/engines/engine.js'
import type { PhysicalSchema, PhysicalView } from '../../runtime/introspect.js'

const TEMP_VIEW = quoteIdent('auto_migrations_drift_view')

/** A rollback on purpose: the transaction only served to render. */
class RenderedOnly extends Error {}

/**
 * `expected` with the query of each view that differs from `actual`'s rendered by `live`. One that
 * the live server cannot render (a read-only standby, no TEMP right, a query it refuses) is left
 * as it was, and reported as it reads.
 */
export async function renderedByLive(
  live: Engine,
  actual: PhysicalSchema,
  expected: PhysicalSchema,
): Promise<PhysicalSchema> {
  const has = new Map(actual.views.map((v) => [`${v.schema}.${v.name}`, v]))
  const differing = expected.views.filter((v) => {
    const other = has.get(`${v.schema}.${v.name}`)
    return other !== undefined && other.definition !== v.definition
  })
  if (differing.length === 0) return expected
  const rendered = new Map<PhysicalView, string>()
  for (const view of differing) {
    try {
      await live.transaction(async (tx) => {
        await tx.query(`CREATE TEMP VIEW ${TEMP_VIEW} AS ${view.definition.trim().replace(/;$/, '')}`)
        const { rows } = await tx.query<{ definition: string }>(
          `select pg_get_viewdef('pg_temp.${TEMP_VIEW}'::regclass, true) as definition`,
        )
        if (rows[0]) rendered.set(view, rows[0].definition)
        throw new RenderedOnly()
      })
    } catch (error) {
      if (!(error instanceof RenderedOnly)) continue
    }
  }
  return { ...expected, views: expected.views.map((v) => ({ ...v, definition: rendered.get(v) ?? v.definition })) }
}
