/** Functions and triggers: `sqlFunction(name, sql)` in an app's `functions`, `trigger(...)` in a table's `static triggers`. */
import type { TriggerEvent } from '../core/state/snapshot.js'
import type { SqlExpression } from '../core/state/sql.js'

export interface SqlFunction {
  readonly kind: 'function'
  /** The function's name (`fn`, or `schema.fn`), as the statement creates it. */
  readonly name: string
  /** The whole `create [or replace] function ...` statement. */
  readonly sql: SqlExpression
}

/** `sqlFunction('touch_updated_at', sql\`create or replace function touch_updated_at() returns trigger ...\`)`. */
export function sqlFunction(name: string, sql: SqlExpression): SqlFunction {
  return { kind: 'function', name, sql }
}

export interface TriggerOptions {
  timing: 'before' | 'after' | 'instead of'
  events: TriggerEvent[]
  /** The function it executes (it takes no arguments and returns trigger). */
  function: string
  /** Default 'row'. */
  forEach?: 'row' | 'statement'
  /** Fires only when this condition holds (`sql\`new.email is distinct from old.email\``). */
  when?: SqlExpression
}

export interface TriggerDeclaration {
  readonly kind: 'trigger'
  readonly name: string
  /** As given (validated when the table is read: an option it doesn't know is an error). */
  readonly options: TriggerOptions
}

/** `trigger('account_touch', { timing: 'before', events: ['update'], function: 'touch_updated_at' })`. */
export function trigger(name: string, options: TriggerOptions): TriggerDeclaration {
  return { kind: 'trigger', name, options }
}
