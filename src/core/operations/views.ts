/** Views and materialized views: created, dropped, and changed in place where Postgres allows it. */
import { AutoMigrationsError } from '../../errors.js'
import { createViewSql, dropViewSql, reindexViewSql, replaceViewSql } from '../postgres/objects.js'
import { quoteIdent } from '../postgres/quote.js'
import type { IndexSnapshot, SchemaState, ViewSnapshot } from '../state/snapshot.js'
import { sameSql } from '../state/sql-text.js'
import { Operation, type Step, sqlStep } from './operation.js'
import { addObject, removeObject, replaceObject, type SqlText, textOf } from './schema-objects.js'

export interface ViewParams {
  className: string
  viewname: string
  /** Omitted: 'public'. */
  schema?: string
  /** Omitted: a plain view. */
  materialized?: boolean
  query: SqlText
  /** Materialized views only. */
  indexes?: IndexSnapshot[]
}

export interface ChangeViewParams extends ViewParams {
  oldQuery: SqlText
  oldIndexes?: IndexSnapshot[]
}

export function viewSnapshotOf(app: string, params: ViewParams): ViewSnapshot {
  return {
    kind: 'view',
    app,
    className: params.className,
    viewname: params.viewname,
    schema: params.schema ?? 'public',
    materialized: params.materialized ?? false,
    query: textOf(params.query),
    indexes: params.indexes ?? [],
  }
}

const schemaSql = (view: ViewSnapshot) =>
  view.schema === 'public' ? [] : [sqlStep(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(view.schema)}`)]

export class AddView extends Operation<ViewParams> {
  readonly kind = 'addView' as const
  apply(state: SchemaState): void {
    addObject(state, viewSnapshotOf(this.app, this.params), 'addView')
  }
  toSql(): Step[] {
    const view = viewSnapshotOf(this.app, this.params)
    return [...schemaSql(view), ...createViewSql(view).map((s) => sqlStep(s))]
  }
  reverse(): Operation {
    return new DropView(this.app, this.params)
  }
  describe(): string {
    return `add ${this.params.materialized ? 'materialized view' : 'view'} ${this.params.className}`
  }
}

export class DropView extends Operation<ViewParams> {
  readonly kind = 'dropView' as const
  apply(state: SchemaState): void {
    removeObject(state, viewSnapshotOf(this.app, this.params), 'dropView')
  }
  toSql(): Step[] {
    return [sqlStep(dropViewSql(viewSnapshotOf(this.app, this.params)))]
  }
  reverse(): Operation {
    return new AddView(this.app, this.params)
  }
  describe(): string {
    return `drop ${this.params.materialized ? 'materialized view' : 'view'} ${this.params.className}`
  }
}

/**
 * A new query or new indexes for a view of the same kind. A plain view is replaced (or dropped and
 * created again when Postgres refuses the replacement); a materialized view cannot be replaced, so
 * a new query rebuilds it, and new indexes alone are dropped and created on it.
 */
export class ChangeView extends Operation<ChangeViewParams> {
  readonly kind = 'changeView' as const
  apply(state: SchemaState): void {
    replaceObject(state, viewSnapshotOf(this.app, this.params), 'changeView')
  }
  toSql(): Step[] {
    const after = viewSnapshotOf(this.app, this.params)
    const before = viewSnapshotOf(this.app, {
      ...this.params,
      query: this.params.oldQuery,
      indexes: this.params.oldIndexes,
    })
    if (!after.materialized) {
      if (after.indexes.length > 0)
        throw new AutoMigrationsError(
          'REPLAY_FAILED',
          `changeView: view ${after.className} of app "${this.app}" has indexes, which only a materialized view can have.`,
          { app: this.app, operation: 'changeView' },
        )
      return [sqlStep(replaceViewSql(after))]
    }
    if (sameSql(before.query, after.query)) return reindexViewSql(before, after).map((s) => sqlStep(s))
    return [sqlStep(dropViewSql(before)), ...createViewSql(after).map((s) => sqlStep(s))]
  }
  reverse(): Operation {
    return new ChangeView(this.app, {
      ...this.params,
      query: this.params.oldQuery,
      indexes: this.params.oldIndexes,
      oldQuery: this.params.query,
      oldIndexes: this.params.indexes,
    })
  }
  describe(): string {
    return `change ${this.params.materialized ? 'materialized view' : 'view'} ${this.params.className}`
  }
}
