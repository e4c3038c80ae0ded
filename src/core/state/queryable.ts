/**
 * What code that runs SQL needs of a database: the engines implement it (runtime), and the operations
 * that run user functions (`addRaw`) take it. It lives at the bottom so the pure operations need not
 * import the runtime.
 */

export interface QueryResult<R> {
  rows: R[]
}

export interface Queryable {
  /** One statement, with `$1` parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>
  /** Several statements in one round trip (simple query protocol, no parameters). */
  exec(sql: string): Promise<void>
}
