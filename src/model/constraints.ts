/**
 * Table-level constraints and indexes, declared in `static constraints = [...]`.
 * Keys name columns by their property name; `sql\`...\`` gives an expression key.
 */
import type { IndexMethod } from '../core/state/snapshot.js'
import { type SqlExpression, isSqlExpression } from '../core/state/sql.js'

export interface KeyOptions {
  column: string
  order?: 'asc' | 'desc'
  nulls?: 'first' | 'last'
  opclass?: string
}
export type IndexKeyInput =
  | string
  | SqlExpression
  | KeyOptions
  | { expression: SqlExpression; order?: 'asc' | 'desc'; nulls?: 'first' | 'last'; opclass?: string }

export interface IndexOptions {
  name?: string
  method?: IndexMethod
  where?: SqlExpression
  concurrently?: boolean
}
export interface UniqueOptions extends IndexOptions {
  /** false: NULLS NOT DISTINCT (two NULLs conflict). Default true. */
  nullsDistinct?: boolean
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
export interface CheckDeclaration {
  kind: 'check'
  expression: string
  name?: string
}
export type TableConstraint = UniqueDeclaration | IndexDeclaration | CheckDeclaration

function splitArgs<O extends object>(args: (IndexKeyInput | O)[]): { keys: IndexKeyInput[]; options: O } {
  const last = args[args.length - 1]
  const isOptions =
    last !== undefined &&
    typeof last === 'object' &&
    !isSqlExpression(last) &&
    !('column' in last) &&
    !('expression' in last)
  return isOptions
    ? { keys: args.slice(0, -1) as IndexKeyInput[], options: last as O }
    : { keys: args as IndexKeyInput[], options: {} as O }
}

/** `unique('title', 'author')`, `unique('email', { nullsDistinct: false })`, `unique(sql\`lower(email)\`)`. */
export function unique(...args: (IndexKeyInput | UniqueOptions)[]): UniqueDeclaration {
  const { keys, options } = splitArgs<UniqueOptions>(args)
  return { kind: 'unique', keys, options }
}

/** `index('author', 'createdAt')`, `index(sql\`lower(email)\`, { where: sql\`deleted_at is null\` })`. */
export function index(...args: (IndexKeyInput | IndexOptions)[]): IndexDeclaration {
  const { keys, options } = splitArgs<IndexOptions>(args)
  return { kind: 'index', keys, options }
}

/** `check('views >= 0')` or `check(sql\`views >= 0\`, { name: 'views_positive' })`. */
export function check(expression: string | SqlExpression, options: { name?: string } = {}): CheckDeclaration {
  return {
    kind: 'check',
    expression: typeof expression === 'string' ? expression : expression.text,
    name: options.name,
  }
}
