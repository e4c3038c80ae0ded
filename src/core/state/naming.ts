/**
 * Names: property → column name, class → table name, and the deterministic names of generated
 * constraints and indexes. Postgres silently truncates identifiers over 63 bytes, which would make
 * two long names collide; generated names are shortened with a hash instead.
 */
import { createHash } from 'node:crypto'
import { AutoMigrationsError } from '../../errors.js'
import type { ColumnSnapshot, ConstraintSnapshot, IndexKey, IndexSnapshot, TableSnapshot } from './snapshot.js'

export const MAX_IDENTIFIER_BYTES = 63

const snakeCases = new Map<string, string>()

/** 'createdAt' → 'created_at', 'HTTPRequestLog' → 'http_request_log', 'Post' → 'post'. */
export function snakeCase(name: string): string {
  // Memoised: reading a large model converts the same few thousand names on every check.
  let out = snakeCases.get(name)
  if (out === undefined) {
    out = name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
      .toLowerCase()
    if (snakeCases.size > 100_000) snakeCases.clear()
    snakeCases.set(name, out)
  }
  return out
}

export function byteLength(name: string): number {
  return Buffer.byteLength(name, 'utf8')
}

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 8)
}

/** Cut a string to at most `bytes` UTF-8 bytes without splitting a character. */
function truncateBytes(text: string, bytes: number): string {
  let out = ''
  for (const ch of text) {
    if (byteLength(out + ch) > bytes) break
    out += ch
  }
  return out
}

/**
 * A generated object name: `<table>_<parts>_<suffix>` (Postgres' own convention: post_title_key),
 * shortened to `<prefix>_<hash>_<suffix>` when it would exceed 63 bytes.
 */
export function generatedName(tablename: string, parts: string[], suffix: string): string {
  const full = [tablename, ...parts, suffix].filter(Boolean).join('_')
  if (byteLength(full) <= MAX_IDENTIFIER_BYTES) return full
  const tail = `_${shortHash(full)}_${suffix}`
  return truncateBytes(full, MAX_IDENTIFIER_BYTES - byteLength(tail)) + tail
}

/** A name part for an expression key: its identifiers joined, e.g. lower(email) → lower_email. */
export function expressionNamePart(expression: string): string {
  const words = expression.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []
  return words.join('_').toLowerCase() || 'expr'
}

/** Names of the objects a table's declarations generate; stable, ≤ 63 bytes, derived from current names. */
export const derivedName = {
  primaryKey: (table: TableSnapshot) => generatedName(table.tablename, [], 'pkey'),
  columnUnique: (table: TableSnapshot, column: ColumnSnapshot) =>
    generatedName(table.tablename, [column.dbColumnName], 'key'),
  columnIndex: (table: TableSnapshot, column: ColumnSnapshot) =>
    generatedName(table.tablename, [column.dbColumnName], 'idx'),
  foreignKey: (table: TableSnapshot, column: ColumnSnapshot) =>
    column.params.constraintName ?? generatedName(table.tablename, [column.dbColumnName], 'fkey'),
  constraint(table: TableSnapshot, constraint: ConstraintSnapshot): string {
    if (constraint.name) return constraint.name
    switch (constraint.kind) {
      case 'primaryKey':
        return generatedName(table.tablename, [], 'pkey')
      case 'unique':
        return generatedName(
          table.tablename,
          constraint.columns.map((c) => dbName(table, c)),
          'key',
        )
      case 'check':
        return generatedName(table.tablename, [expressionNamePart(constraint.expression)], 'check')
      case 'exclude':
        return generatedName(table.tablename, keyNameParts(table, constraint.elements), 'excl')
    }
  },
  index(table: TableSnapshot, index: IndexSnapshot): string {
    if (index.name) return index.name
    return generatedName(table.tablename, keyNameParts(table, index.keys), index.unique ? 'key' : 'idx')
  },
}

/** The name parts of keys: a column's database name, or the identifiers of an expression. */
function keyNameParts(table: TableSnapshot, keys: IndexKey[]): string[] {
  return keys.map((k) => (k.column !== undefined ? dbName(table, k.column) : expressionNamePart(k.expression ?? '')))
}

/** The database name of a column given by property name. */
export function dbName(table: TableSnapshot, property: string): string {
  const column = table.columns.find((c) => c.name === property)
  if (!column) {
    throw new AutoMigrationsError('UNKNOWN_COLUMN', `Table ${table.className} has no column "${property}".`, {
      table: table.className,
      column: property,
    })
  }
  return column.dbColumnName
}
