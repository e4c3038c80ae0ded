/**
 * The base class of every table. Columns are instance properties (in declaration order); table-level
 * settings are static properties, as in Piccolo.
 */
import type { TableConstraint } from './constraints.js'
import type { TriggerDeclaration } from './functions.js'

export abstract class Table {
  /** Database table name; default: the class name in snake_case. */
  static tablename?: string
  /** Postgres schema; default 'public'. */
  static schema?: string
  /** Composite unique constraints, indexes and checks. */
  static constraints?: TableConstraint[]
  /** A composite primary key, by property names (then no implicit `id`); `null`: no primary key at all. */
  static primaryKey?: string[] | null
  /** COMMENT ON TABLE. */
  static comment?: string
  /** Triggers on the table: `[trigger('touch', { timing: 'before', events: ['update'], function: 'fn' })]`. */
  static triggers?: TriggerDeclaration[]
  /** The class name this table had before: a rename hint for the differ. */
  static renamedFrom?: string
}
