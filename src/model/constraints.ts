/**
 * Table-level constraints and indexes, declared in `static constraints = [...]`.
 * Keys name columns by their property name; `sql\`...\`` gives an expression key.
 */
import type { Deferrable, IndexMethod } from '../core/state/snapshot.js'
import { type SqlExpression, isSqlExpression } from '../core/state/sql.js'

/** What one key of an index or unique constraint takes besides the column or expression. */
interface KeyOrder {
  order?: 'asc' | 'desc'
  nulls?: 'first' | 'last'
  opclass?: string
}
export interface KeyOptions extends KeyOrder {
  column: string
  expression?: never
}
export interface ExpressionKeyOptions extends KeyOrder {
  expression: SqlExpression
  column?: never
}
export type IndexKeyInput = string | SqlExpression | KeyOptions | ExpressionKeyOptions

export interface IndexOptions {
  name?: string
  method?: IndexMethod
  where?: SqlExpression
  concurrently?: boolean
  /** Columns stored in the index besides its keys (INCLUDE), by property name. */
  include?: string[]
}
export interface UniqueOptions extends IndexOptions {
  /** false: NULLS NOT DISTINCT (two NULLs conflict). Default true. */
  nullsDistinct?: boolean
  /** Checked at the end of the transaction: `true` (DEFERRABLE) or `'initiallyDeferred'`. */
  deferrable?: Deferrable
}

/** One element of an exclusion constraint: a key (column or expression) and its operator. */
export type ExcludeElementInput = (KeyOptions | ExpressionKeyOptions) & { operator: string }
export interface ExcludeOptions {
  name?: string
  /** The index method that enforces it; default gist. */
  method?: IndexMethod
  where?: SqlExpression
  include?: string[]
  deferrable?: Deferrable
}
export interface ExcludeDeclaration {
  kind: 'exclude'
  elements: ExcludeElementInput[]
  options: ExcludeOptions
}

export interface UniqueDeclaration {
  kind: 'unique'
  keys: IndexKeyInput[]
  options: UniqueOptions
}
export interface IndexDeclaration {
  kind: 'index'
  keys: IndexKeyInput[]
  options: IndexOptions
}
export interface CheckOptions {
  name?: string
}
export interface CheckDeclaration {
  kind: 'check'
  expression: string
  name?: string
  /** As given (validated when the table is read: an option it doesn't know is an error). */
  options?: CheckOptions
}
export type TableConstraint = UniqueDeclaration | IndexDeclaration | CheckDeclaration | ExcludeDeclaration

function splitArgs<O extends object, K = IndexKeyInput>(args: (K | O)[]): { keys: K[]; options: O } {
  const last = args[args.length - 1]
  const isOptions =
    last !== undefined &&
    last !== null &&
    typeof last === 'object' &&
    !isSqlExpression(last) &&
    !('column' in last) &&
    !('expression' in last)
  return isOptions ? { keys: args.slice(0, -1) as K[], options: last as O } : { keys: args as K[], options: {} as O }
}

/**
 * `unique('title', 'author')`, `unique('email', { nullsDistinct: false })`, `unique(sql\`lower(email)\`)`.
 * Options go last and are exact: per-key options (`order`, `nulls`, `opclass`) belong on a key object.
 */
export function unique(...keys: IndexKeyInput[]): UniqueDeclaration
export function unique(...args: [...keys: IndexKeyInput[], options: UniqueOptions]): UniqueDeclaration
export function unique(...args: (IndexKeyInput | UniqueOptions)[]): UniqueDeclaration {
  const { keys, options } = splitArgs<UniqueOptions>(args)
  return { kind: 'unique', keys, options }
}

/**
 * `index('author', 'createdAt')`, `index(sql\`lower(email)\`, { where: sql\`deleted_at is null\` })`,
 * `index({ column: 'createdAt', order: 'desc' })`. Options go last and are exact: per-key options
 * (`order`, `nulls`, `opclass`) belong on a key object.
 */
export function index(...keys: IndexKeyInput[]): IndexDeclaration
export function index(...args: [...keys: IndexKeyInput[], options: IndexOptions]): IndexDeclaration
export function index(...args: (IndexKeyInput | IndexOptions)[]): IndexDeclaration {
  const { keys, options } = splitArgs<IndexOptions>(args)
  return { kind: 'index', keys, options }
}

/** `check('views >= 0')` or `check(sql\`views >= 0\`, { name: 'views_positive' })`. */
export function check(expression: string | SqlExpression, options: CheckOptions = {}): CheckDeclaration {
  return {
    kind: 'check',
    expression: typeof expression === 'string' ? expression : expression.text,
    name: options.name,
    options,
  }
}

/**
 * An exclusion constraint: no two rows may match on every element's operator.
 * `exclude({ column: 'room', operator: '=' }, { expression: sql\`tsrange(starts_at, ends_at)\`, operator: '&&' },
 * { where: sql\`not cancelled\` })`. Elements take `opclass`, `order` and `nulls` as index keys do;
 * options go last: `method` (default gist), `name`, `where`, `include`, `deferrable`.
 */
export function exclude(...elements: ExcludeElementInput[]): ExcludeDeclaration
export function exclude(...args: [...elements: ExcludeElementInput[], options: ExcludeOptions]): ExcludeDeclaration
export function exclude(...args: (ExcludeElementInput | ExcludeOptions)[]): ExcludeDeclaration {
  const { keys, options } = splitArgs<ExcludeOptions, ExcludeElementInput>(args)
  return { kind: 'exclude', elements: keys, options }
}
