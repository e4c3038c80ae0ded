/**
 * Column classes: what users write in `tables.ts`. A column only holds its declared options; the
 * conversion to a snapshot (`to-snapshot.ts`) normalises them, fills defaults and validates.
 * The type parameter is the value a query returns, used by `Row<typeof Table>`.
 */
import type { Table } from './table.js'
import type { SqlExpression } from '../core/state/sql.js'
import type {
  ColumnClassName,
  Deferrable,
  IdentityGeneration,
  IndexMethod,
  JsonValue,
  ReferentialAction,
} from '../core/state/snapshot.js'

export interface ColumnOptions<T, N extends boolean = boolean> {
  /** Allow NULL. Default false (ForeignKey: true). */
  null?: N
  /** A literal of the column's type, or a `sql` expression. */
  default?: T | SqlExpression | null
  primaryKey?: boolean
  unique?: boolean
  index?: boolean
  indexMethod?: IndexMethod
  /** The column's name in the database; default: the property name in snake_case. */
  dbColumnName?: string
  /** The property name this column had before: a rename hint for the differ. */
  renamedFrom?: string
  /** GENERATED ALWAYS AS (expression) STORED: the column is computed from others; no `default`. */
  generated?: SqlExpression
  /** COMMENT ON COLUMN. */
  comment?: string
  /**
   * The column's unique constraint (with `unique: true`), or a ForeignKey's foreign key, is
   * checked at the end of the transaction: `true` (DEFERRABLE) or `'initiallyDeferred'`.
   */
  deferrable?: Deferrable
}

/** Options of the types that sort text: the column's collation (`'C'`, `'en_US'`...). */
export interface CollatableOptions {
  collation?: string
}

/** Options of the integer types: an identity column (GENERATED ALWAYS / BY DEFAULT AS IDENTITY). */
export interface IntegerOptions {
  identity?: IdentityGeneration
}

/** The options every column keeps after construction, whatever its class. */
export type AnyColumnOptions = ColumnOptions<unknown> &
  CollatableOptions &
  IntegerOptions & {
    length?: number
    digits?: [number, number] | null
    dimensions?: number
    type?: string
    name?: string
  }

export abstract class Column<T = unknown, N extends boolean = false> {
  abstract readonly columnClass: ColumnClassName
  /** Phantom: the row value type. Never set at run time. */
  declare readonly _value: N extends true ? T | null : T
  readonly options: AnyColumnOptions
  constructor(options: AnyColumnOptions = {}) {
    this.options = { ...options }
  }
}

type Opts<T, N extends boolean> = ColumnOptions<T, N>

export class Varchar<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Varchar' as const
  constructor(options: Opts<string, N> & CollatableOptions & { length?: number } = {}) {
    super({ length: 255, ...options })
  }
}
export class Char<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Char' as const
  constructor(options: Opts<string, N> & CollatableOptions & { length?: number } = {}) {
    super({ length: 1, ...options })
  }
}
export class Text<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Text' as const
  constructor(options: Opts<string, N> & CollatableOptions = {}) {
    super(options)
  }
}
export class SmallInt<N extends boolean = false> extends Column<number, N> {
  readonly columnClass = 'SmallInt' as const
  constructor(options: Opts<number, N> & IntegerOptions = {}) {
    super(options)
  }
}
export class Integer<N extends boolean = false> extends Column<number, N> {
  readonly columnClass = 'Integer' as const
  constructor(options: Opts<number, N> & IntegerOptions = {}) {
    super(options)
  }
}
/** Postgres bigint; `pg` returns it as a string to keep precision. */
export class BigIntColumn<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'BigInt' as const
  constructor(options: Opts<number | string, N> & IntegerOptions = {}) {
    super(options)
  }
}
export class Serial<N extends boolean = false> extends Column<number, N> {
  readonly columnClass = 'Serial' as const
  constructor(options: Opts<number, N> = {}) {
    super(options)
  }
}
export class BigSerial<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'BigSerial' as const
  constructor(options: Opts<number | string, N> = {}) {
    super(options)
  }
}
export class BooleanColumn<N extends boolean = false> extends Column<boolean, N> {
  readonly columnClass = 'Boolean' as const
  constructor(options: Opts<boolean, N> = {}) {
    super(options)
  }
}
export class Real<N extends boolean = false> extends Column<number, N> {
  readonly columnClass = 'Real' as const
  constructor(options: Opts<number, N> = {}) {
    super(options)
  }
}
export class DoublePrecision<N extends boolean = false> extends Column<number, N> {
  readonly columnClass = 'DoublePrecision' as const
  constructor(options: Opts<number, N> = {}) {
    super(options)
  }
}
/** Postgres numeric; returned as a string to keep precision. `digits: [precision, scale]`. */
export class Numeric<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Numeric' as const
  constructor(options: Opts<number | string, N> & { digits?: [number, number] | null } = {}) {
    super(options)
  }
}
export class UUID<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'UUID' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class DateColumn<N extends boolean = false> extends Column<Date, N> {
  readonly columnClass = 'Date' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class Time<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Time' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class Timestamp<N extends boolean = false> extends Column<Date, N> {
  readonly columnClass = 'Timestamp' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class Timestamptz<N extends boolean = false> extends Column<Date, N> {
  readonly columnClass = 'Timestamptz' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class Interval<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Interval' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class JSONColumn<T extends JsonValue = JsonValue, N extends boolean = false> extends Column<T, N> {
  readonly columnClass = 'JSON' as const
  constructor(options: Opts<JsonValue, N> = {}) {
    super(options)
  }
}
export class JSONB<T extends JsonValue = JsonValue, N extends boolean = false> extends Column<T, N> {
  readonly columnClass = 'JSONB' as const
  constructor(options: Opts<JsonValue, N> = {}) {
    super(options)
  }
}
export class Bytea<N extends boolean = false> extends Column<Uint8Array, N> {
  readonly columnClass = 'Bytea' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class Inet<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Inet' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class Cidr<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Cidr' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
export class MacAddr<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'MacAddr' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}

/** Case-insensitive text (the `citext` extension). */
export class Citext<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Citext' as const
  constructor(options: Opts<string, N> & CollatableOptions = {}) {
    super(options)
  }
}
/** A full-text search document (`tsvector`), often `generated` from other columns. */
export class TsVector<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'TsVector' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
/** Key/value pairs (the `hstore` extension); drivers return its text form. */
export class Hstore<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Hstore' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
/** A label path such as `top.science.physics` (the `ltree` extension). */
export class Ltree<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Ltree' as const
  constructor(options: Opts<string, N> = {}) {
    super(options)
  }
}
/** An embedding (pgvector's `vector(dimensions)`); drivers return its text form `[1,2,3]`. */
export class Vector<N extends boolean = false> extends Column<string, N> {
  readonly columnClass = 'Vector' as const
  constructor(options: Opts<string, N> & { dimensions: number }) {
    super(options)
  }
}
/**
 * Any other type, by its SQL name: `new Custom({ type: 'int4range' })`. `T` is the value a query
 * returns (a string unless the driver parses the type).
 */
export class Custom<T = string, N extends boolean = false> extends Column<T, N> {
  readonly columnClass = 'Custom' as const
  constructor(options: Opts<T | string | number | boolean, N> & CollatableOptions & { type: string }) {
    super(options)
  }
}

type ValueOf<C> = C extends Column<infer T, infer _N> ? T : never

/** `new Array(new Integer())`: a Postgres array of the base column's type. */
export class ArrayColumn<B extends Column<unknown, boolean> = Column, N extends boolean = false> extends Column<
  ValueOf<B>[],
  N
> {
  readonly columnClass = 'Array' as const
  constructor(
    readonly baseColumn: B,
    options: Opts<unknown[], N> = {},
  ) {
    super(options)
  }
}

/** A Postgres enum type, created and altered by migrations: `new Enum('mood', ['sad', 'ok'])`. */
export class Enum<V extends string = string, N extends boolean = false> extends Column<V, N> {
  readonly columnClass = 'Enum' as const
  constructor(
    readonly enumName: string,
    readonly values: readonly V[],
    options: Opts<V, N> & { enumSchema?: string } = {},
  ) {
    super(options)
    this.enumSchema = options.enumSchema
  }
  readonly enumSchema: string | undefined
}

export type TableClass = abstract new () => Table

export interface ForeignKeyOptions<N extends boolean> extends Opts<number | string, N> {
  onDelete?: ReferentialAction
  onUpdate?: ReferentialAction
  /** The foreign key constraint's name; default `<table>_<column>_fkey`. */
  name?: string
  /** Property name of the target column; default: the target's primary key. */
  targetColumn?: string
}

/** A reference to another table's row. Nullable by default, as in Piccolo. */
export class ForeignKey<N extends boolean = true> extends Column<number, N> {
  readonly columnClass = 'ForeignKey' as const
  readonly onDelete: ReferentialAction
  readonly onUpdate: ReferentialAction
  readonly targetColumn: string | undefined
  constructor(
    readonly target: () => TableClass,
    options: ForeignKeyOptions<N> = {},
  ) {
    super({ null: true, ...options })
    this.onDelete = options.onDelete ?? 'cascade'
    this.onUpdate = options.onUpdate ?? 'cascade'
    this.targetColumn = options.targetColumn
  }
}

/**
 * Duck-typed on purpose: user files are bundled and imported by the loader, and their copy of this
 * module may not be the one the tool runs from (dist vs. the user's node_modules).
 */
export function isColumn(value: unknown): value is Column<unknown, boolean> {
  return (
    value instanceof Column ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { columnClass?: unknown }).columnClass === 'string' &&
      typeof (value as { options?: unknown }).options === 'object')
  )
}
