/**
 * Formats values as TypeScript source for migration files: stable (same value, same bytes), readable,
 * single-quoted, with `sql\`…\`` for SQL expressions. Objects print their keys in insertion order, so
 * each operation decides the order of its own fields.
 */
import { isSqlExpression } from '../state/sql.js'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

function quote(text: string): string {
  return `'${text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')}'`
}

function templateLiteral(text: string): string {
  return `sql\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``
}

/** One-line form when it fits in `width`, otherwise one entry per line. */
export function formatValue(value: unknown, indent = '', width = 100): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (isSqlExpression(value)) return templateLiteral(value.text)
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value)
  if (typeof value === 'boolean') return String(value)
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    const flat = `[${value.map((v) => formatValue(v, inner, Number.POSITIVE_INFINITY)).join(', ')}]`
    if (flat.length + indent.length <= width && !flat.includes('\n')) return flat
    return `[\n${value.map((v) => `${inner}${formatValue(v, inner, width)},`).join('\n')}\n${indent}]`
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return '{}'
    const key = (k: string) => (IDENTIFIER.test(k) ? k : quote(k))
    const flat = `{ ${entries.map(([k, v]) => `${key(k)}: ${formatValue(v, inner, Number.POSITIVE_INFINITY)}`).join(', ')} }`
    if (flat.length + indent.length <= width && !flat.includes('\n')) return flat
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${formatValue(v, inner, width)},`).join('\n')}\n${indent}}`
  }
  throw new TypeError(`Cannot write a ${typeof value} into a migration file.`)
}
