/**
 * A difference between the live database and what its applied migrations describe, in the words of
 * the model: what kind of object, its name, and what the database has against what migrations say.
 */

/** The kinds of object drift compares; a new kind of schema object adds its name here. */
export type DriftObject =
  | 'schema'
  | 'enum'
  | 'table'
  | 'column'
  | 'primary key'
  | 'unique constraint'
  | 'check constraint'
  | 'foreign key'
  | 'exclusion constraint'
  | 'index'
  | 'trigger'
  | 'extension'
  | 'view'
  | 'materialized view'
  | 'function'

export interface Difference {
  /** `extra`: only in the database; `missing`: only in what migrations say; `changed`: in both, unlike. */
  kind: 'extra' | 'missing' | 'changed'
  object: DriftObject
  /** The object's name as a user reads it: `post`, `post.views`, `post_title_idx`, `blog.post` outside public. */
  name: string
  /** The table it belongs to (`blog.post` outside public); absent for schemas, enums and tables. */
  table?: string
  /** `changed`: which attribute (type, null, default, definition, query...). */
  attribute?: string
  /** What the database has (`changed`), or a short description of an extra object. */
  actual?: string
  /** What migrations say (`changed`), or a short description of a missing object. */
  expected?: string
  /** One line: `extra column account.hack (integer, null)`, `column post.views: type bigint, migrations say integer`. */
  message: string
}
