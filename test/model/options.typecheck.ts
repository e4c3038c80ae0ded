/**
 * Type tests, checked by `tsc --noEmit` (tsconfig includes test/), never run: options the model does
 * not know are rejected by TypeScript, not silently ignored. Each `@ts-expect-error` fails the type
 * check if the line below it compiles.
 */
import type { Row } from '../../src/index.js'
import {
  BigInt as BigIntColumn,
  Citext,
  Hstore,
  Ltree,
  Custom,
  ForeignKey,
  Integer,
  Table,
  Text,
  TsVector,
  Varchar,
  Vector,
} from '../../src/index.js'
import { check, exclude, index, sql, unique } from '../../src/index.js'

export class Post extends Table {
  title = new Varchar({ length: 200 })
  body = new Text({ null: true })
  views = new Integer({ default: 0 })
  createdAt = new Text({ default: sql`now()::text` })
}

export const accepted = [
  index('createdAt'),
  index({ column: 'createdAt', order: 'desc', nulls: 'last' }, 'title'),
  index({ expression: sql`lower(title)`, opclass: 'text_pattern_ops' }, { method: 'btree', name: 'post_lower' }),
  index('title', { where: sql`views > 0`, concurrently: true }),
  unique('title', 'views', { nullsDistinct: false, name: 'post_title_views' }),
  unique({ column: 'title', order: 'desc' }),
  check('views >= 0', { name: 'views_positive' }),
  index('title', { include: ['body'] }),
  unique('title', { deferrable: 'initiallyDeferred', include: ['views'] }),
  exclude({ column: 'views', operator: '=' }, { expression: sql`int4range(views, views + 1)`, operator: '&&' }),
  exclude({ column: 'title', operator: '=' }, { method: 'gist', where: sql`views > 0`, deferrable: true }),
  new BigIntColumn({ primaryKey: true, identity: 'always' }),
  new Integer({ identity: 'byDefault' }),
  new Text({ collation: 'C', comment: 'shown in psql' }),
  new Citext({ unique: true, deferrable: true }),
  new TsVector({ generated: sql`to_tsvector('simple', title)` }),
  new Vector({ dimensions: 3 }),
  new Custom({ type: 'int4range' }),
  new ForeignKey(() => Post, { name: 'fk_post', deferrable: 'initiallyDeferred' }),
]

export const rejected = [
  // @ts-expect-error order belongs on a key: index({ column: 'createdAt', order: 'desc' })
  index('createdAt', { order: 'desc' }),
  // @ts-expect-error beside a known option too (a union of keys and options let it through before)
  index('createdAt', { name: 'post_recent', order: 'desc' }),
  // @ts-expect-error nulls belongs on a key, beside a known option
  unique('title', { name: 'post_title', nulls: 'last' }),
  // @ts-expect-error opclass belongs on a key
  index('title', { opclass: 'text_pattern_ops' }),
  // @ts-expect-error nulls belongs on a key; unique takes nullsDistinct
  unique('title', { nulls: 'not distinct' }),
  // @ts-expect-error include belongs to a whole index, not to a key
  index({ column: 'title', include: ['body'] }),
  // @ts-expect-error a misspelt key option
  index({ column: 'createdAt', ordre: 'desc' }),
  // @ts-expect-error a key is a column or an expression, not both
  index({ column: 'title', expression: sql`lower(title)` }),
  // @ts-expect-error deferrable is for unique constraints: an index is never deferred
  index('title', { deferrable: true }),
  // @ts-expect-error check takes a name only
  check('views >= 0', { deferrable: true }),
  // @ts-expect-error a misspelt column param
  new Varchar({ lenght: 10 }),
  // @ts-expect-error identity is for integer columns
  new Text({ identity: 'always' }),
  // @ts-expect-error collation is for text columns
  new Integer({ collation: 'C' }),
  // @ts-expect-error only a ForeignKey names its constraint
  new Integer({ name: 'x' }),
  // @ts-expect-error an exclusion element needs its operator
  exclude({ column: 'title' }),
  // @ts-expect-error Vector needs its dimensions
  new Vector({}),
  // @ts-expect-error Custom needs its SQL type
  new Custom({}),
  // @ts-expect-error length is a Varchar/Char param
  new Text({ length: 10 }),
  // @ts-expect-error deferrable is true or 'initiallyDeferred'
  new ForeignKey(() => Post, { onDelete: 'cascade', deferrable: 'initially' }),
]

/** Row types of the column classes of SPEC §2b. */
export class Doc extends Table {
  static override primaryKey = null
  email = new Citext()
  search = new TsVector({ generated: sql`to_tsvector(email)` })
  attrs = new Hstore({ null: true })
  path = new Ltree()
  embedding = new Vector({ dimensions: 3 })
  during = new Custom<{ lower: number }>({ type: 'int4range' })
}
export const doc: Row<typeof Doc> = {
  email: 'a@b.c',
  search: "'a':1",
  attrs: null,
  path: 'top.news',
  embedding: '[1,2,3]',
  during: { lower: 1 },
}
// @ts-expect-error a Citext value is a string
export const wrongEmail: Row<typeof Doc>['email'] = 1
// @ts-expect-error a NOT NULL Ltree is never null
export const wrongPath: Row<typeof Doc>['path'] = null
// @ts-expect-error static primaryKey = null: no implicit id
export const noId: Row<typeof Doc>['id'] = 1
export const postId: Row<typeof Post>['id'] = 1
