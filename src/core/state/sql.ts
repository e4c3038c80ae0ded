/**
 * A raw SQL expression, written with the `sql` tag: `sql\`now()\``. Used for defaults, checks,
 * partial-index predicates and expression keys. It is a value (not a string) so that a text default
 * `'now()'` and the expression `now()` can never be confused.
 */
export class SqlExpression {
  readonly kind = 'sql' as const
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

export function sql(strings: TemplateStringsArray | string, ...values: unknown[]): SqlExpression {
  if (typeof strings === 'string') return new SqlExpression(strings)
  let text = strings[0] ?? ''
  values.forEach((value, i) => {
    text += String(value) + (strings[i + 1] ?? '')
  })
  return new SqlExpression(text)
}

export function isSqlExpression(value: unknown): value is SqlExpression {
  return (
    value instanceof SqlExpression ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { kind?: unknown }).kind === 'sql' &&
      typeof (value as { text?: unknown }).text === 'string')
  )
}
