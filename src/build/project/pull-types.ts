/**
 * Column types and defaults for `pull`: a type as Postgres renders it (`format_type`) as the model's
 * column class and options, and a default as a literal of that class where Postgres renders the
 * literal back the same, else as `sql`.
 */
import { COLUMN_CLASSES } from '../../core/state/snapshot.js'
import { SqlExpression } from '../../core/state/sql.js'
import { type ColumnDeclaration, UNDEFINED } from '../writer/tables-source.js'

/** What a column type is in the model: its class and the options its type needs. */
export interface ColumnType {
  columnClass: string
  options: Record<string, unknown>
  enum?: ColumnDeclaration['enum']
  base?: Omit<ColumnDeclaration, 'property'>
}

const SIMPLE_TYPES: Record<string, string> = {
  text: 'Text',
  smallint: 'SmallInt',
  integer: 'Integer',
  bigint: 'BigInt',
  boolean: 'Boolean',
  real: 'Real',
  'double precision': 'DoublePrecision',
  numeric: 'Numeric',
  uuid: 'UUID',
  date: 'Date',
  'time without time zone': 'Time',
  'timestamp without time zone': 'Timestamp',
  'timestamp with time zone': 'Timestamptz',
  interval: 'Interval',
  json: 'JSON',
  jsonb: 'JSONB',
  bytea: 'Bytea',
  inet: 'Inet',
  cidr: 'Cidr',
  macaddr: 'MacAddr',
  'character varying': 'Varchar',
}

/** Types of contrib extensions that have their own class (when the extension lives on the search path). */
const EXTENSION_TYPES: Record<string, string> = {
  citext: 'Citext',
  tsvector: 'TsVector',
  hstore: 'Hstore',
  ltree: 'Ltree',
}

/**
 * Built-in types without a class of their own, written as `Custom({ type })` in Postgres' own
 * spelling. Only Postgres' own types: a type made in the database (a domain, a composite type) is
 * not created by migrations, so a baseline using it could not build a new database.
 */
const CUSTOM_TYPES: ReadonlySet<string> = new Set([
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'int4multirange',
  'int8multirange',
  'nummultirange',
  'tsmultirange',
  'tstzmultirange',
  'datemultirange',
  'money',
  'xml',
  'tsquery',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'macaddr8',
  'oid',
  'pg_lsn',
  'bit',
  'bit varying',
  'time with time zone',
])
const CUSTOM_PATTERNS: readonly RegExp[] = [
  /^(timestamp|time)\(\d\) with(out)? time zone$/,
  /^interval( (year|month|day|hour|minute|second)( to (month|hour|minute|second))?)?(\(\d\))?$/,
  /^bit( varying)?\(\d+\)$/,
]

/** A built-in type (not an array, not an enum) as a column class, or undefined when the model has none. */
export function builtInType(type: string): ColumnType | undefined {
  const extension = EXTENSION_TYPES[type]
  if (extension) return { columnClass: extension, options: {} }
  const vector = /^vector\((\d+)\)$/.exec(type)
  if (vector) return { columnClass: 'Vector', options: { dimensions: Number(vector[1]) } }
  if (CUSTOM_TYPES.has(type) || CUSTOM_PATTERNS.some((pattern) => pattern.test(type)))
    return { columnClass: 'Custom', options: { type } }
  const simple = SIMPLE_TYPES[type]
  // An unbounded varchar: `length: undefined` (without it, Varchar means varchar(255)).
  if (simple) return { columnClass: simple, options: simple === 'Varchar' ? { length: UNDEFINED } : {} }
  let match = /^character varying\((\d+)\)$/.exec(type)
  if (match)
    return { columnClass: 'Varchar', options: { length: Number(match[1]) === 255 ? undefined : Number(match[1]) } }
  match = /^character\((\d+)\)$/.exec(type)
  if (match) return { columnClass: 'Char', options: { length: Number(match[1]) === 1 ? undefined : Number(match[1]) } }
  match = /^numeric\((\d+),(\d+)\)$/.exec(type)
  if (match) return { columnClass: 'Numeric', options: { digits: [Number(match[1]), Number(match[2])] } }
  return undefined
}

const LITERAL = /^'((?:[^']|'')*)'::(.+)$/
/** Classes whose default may be a string literal that Postgres renders back as `'...'::type`. */
const STRING_CLASSES: ReadonlySet<string> = new Set(
  COLUMN_CLASSES.filter(
    (c) =>
      ![
        'Serial',
        'BigSerial',
        'Boolean',
        'Real',
        'DoublePrecision',
        'JSON',
        'JSONB',
        'Bytea',
        'Array',
        'ForeignKey',
      ].includes(c),
  ),
)
const NUMBER_CLASSES = new Set(['SmallInt', 'Integer', 'BigInt', 'Numeric', 'Real', 'DoublePrecision'])
/** Classes whose NOT NULL columns get a default in the model unless told `default: null`. */
export const IMPLICIT_DEFAULT: ReadonlySet<string> = new Set([
  'Varchar',
  'Char',
  'Text',
  'Citext',
  ...NUMBER_CLASSES,
  'Boolean',
])

/** A default as Postgres renders it, as the model's literal where one gives the same rendering, else `sql`. */
export function defaultValue(columnClass: string, type: string, rendered: string): unknown {
  const literal = LITERAL.exec(rendered)
  if (literal && STRING_CLASSES.has(columnClass)) {
    const cast = literal[2]!
    if (cast === type || type.startsWith(`${cast}(`)) return literal[1]!.replace(/''/g, "'")
  }
  if (NUMBER_CLASSES.has(columnClass) && /^\d+(\.\d+)?$/.test(rendered)) {
    const value = Number(rendered)
    // Only where the number is written back the same (`100.00` stays SQL: numeric keeps its scale).
    if (String(value) === rendered && Number.isSafeInteger(Math.trunc(value))) return value
  }
  if (columnClass === 'Boolean' && (rendered === 'true' || rendered === 'false')) return rendered === 'true'
  return new SqlExpression(rendered)
}
