/** Quoting for identifiers and literals. Everything that reaches SQL text goes through here. */

/** Always quotes: names are kept exactly (case, reserved words, spaces, quotes). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** `"schema"."name"`; the schema is left out when it is 'public'? No: always written, for clarity. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`
}

/** A string literal; E'' form when it contains a backslash, so standard_conforming_strings doesn't matter. */
export function quoteLiteral(value: string): string {
  const escaped = value.replace(/'/g, "''")
  return value.includes('\\') ? `E'${escaped.replace(/\\/g, '\\\\')}'` : `'${escaped}'`
}

/** Whether SQL text names a column: quoted, or as a bare identifier. */
export function sqlMentions(sql: string, dbName: string): boolean {
  if (sql.includes(quoteIdent(dbName))) return true
  return /^[a-z_][a-z0-9_]*$/.test(dbName) && new RegExp(`(^|[^a-zA-Z0-9_$"])${dbName}($|[^a-zA-Z0-9_$"])`).test(sql)
}
