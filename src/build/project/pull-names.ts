/**
 * Names for `pull`: a table's class name, a column's property name, and the parts of a name as
 * Postgres renders it. A name the model would derive back is used as is; any other gets a name that
 * JavaScript and the package's imports leave free, and the declaration spells the real one out.
 */
import { COLUMN_CLASSES } from '../../core/state/snapshot.js'

/** Names a pulled class may not take: what tables.ts imports, globals it would hide, and reserved words. */
const TAKEN_NAMES: ReadonlySet<string> = new Set([
  ...COLUMN_CLASSES,
  'Table',
  'Object',
  'Function',
  'Promise',
  'Map',
  'Set',
  'Error',
])

const JS_RESERVED: ReadonlySet<string> = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await constructor'.split(
    ' ',
  ),
)

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The first of `name`, `name2`, `name3`... not in `used`, which it is added to. */
function claim(name: string, used: Set<string>): string {
  let unique = name
  for (let n = 2; used.has(unique); n++) unique = `${name}${n}`
  used.add(unique)
  return unique
}

/** Splits a `format_type` name into its unquoted parts: `"Sales".status` → ['Sales', 'status']. */
export function nameParts(text: string): string[] {
  const parts: string[] = []
  let at = 0
  while (at < text.length) {
    if (text[at] === '"') {
      let part = ''
      for (at++; at < text.length; at++) {
        if (text[at] === '"' && text[at + 1] === '"') {
          part += '"'
          at++
        } else if (text[at] === '"') break
        else part += text[at]
      }
      parts.push(part)
      at++
    } else {
      const end = text.indexOf('.', at)
      parts.push(text.slice(at, end < 0 ? text.length : end))
      at = end < 0 ? text.length : end
    }
    if (text[at] === '.') at++
  }
  return parts
}

/** 'blog_post' → 'BlogPost'; a name JavaScript or the imports take gets a suffix. */
export function classNameOf(tablename: string, used: Set<string>): string {
  const words = tablename.split(/[^A-Za-z0-9]+/).filter(Boolean)
  let name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') || 'Table'
  if (!/^[A-Za-z_$]/.test(name)) name = `T${name}`
  if (TAKEN_NAMES.has(name) || JS_RESERVED.has(name)) name = `${name}Table`
  return claim(name, used)
}

/** 'created_at' → 'createdAt'; anything else keeps its letters (the column name is then spelled out). */
export function propertyOf(column: string, used: Set<string>): string {
  let name = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(column)
    ? column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
    : column.replace(/[^A-Za-z0-9_$]/g, '_').replace(/^[A-Z]/, (c) => c.toLowerCase())
  if (!IDENTIFIER.test(name)) name = `column${name}`
  // A class may not have a field named constructor.
  if (name === 'constructor') name = 'constructorColumn'
  return claim(name, used)
}

/** Strips one pair of parentheses around the whole of `text`: `(a > 0)` → `a > 0`, not `(a) or (b)`. */
export function unwrap(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++
    else if (text[i] === ')') depth--
    else if (text[i] === "'") i = text.indexOf("'", i + 1)
    if (depth === 0 && i < text.length - 1) return text
  }
  return text.slice(1, -1)
}
