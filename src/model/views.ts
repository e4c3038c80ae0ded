/**
 * Views, declared as classes with static settings (as tables are) and registered in an app's
 * `views: [...]`. The query is SQL that names tables and columns by their database names.
 */
import type { SqlExpression } from '../core/state/sql.js'
import type { IndexDeclaration, UniqueDeclaration } from './constraints.js'

export abstract class View {
  /** The SELECT that defines the view: `sql\`select ...\``. */
  static query: SqlExpression
  /** Database name; default: the class name in snake_case. */
  static tablename?: string
  /** Postgres schema; default 'public'. */
  static schema?: string
  /**
   * Whether rows are stored. A static flag rather than `instanceof`: the app's classes may extend
   * another copy of this module than the one that reads them.
   */
  static readonly materialized: boolean = false
}

/** A view whose rows are stored (refreshed with REFRESH MATERIALIZED VIEW); it may have indexes. */
export abstract class MaterializedView extends View {
  static override readonly materialized: boolean = true
  /** Indexes on the query's output columns (by their names): `index('n')`, `unique('id')`. */
  static constraints?: (IndexDeclaration | UniqueDeclaration)[]
}

/** A view or materialized view class. */
export type ViewClass = typeof View
