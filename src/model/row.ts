/**
 * The row type of a table class, apart from `Table` so that the column classes (which name the table
 * classes a foreign key references) and the table (whose rows are made of columns) don't import each other.
 */
import type { Column } from './columns.js'
import type { Table } from './table.js'

type ColumnKeys<T> = { [K in keyof T]: T[K] extends Column<unknown, boolean> ? K : never }[keyof T]
type ColumnValue<C> = C extends { _value: infer V } ? V : never

/** Whether the table declares its own key (`static primaryKey = [...]` or `null`): then no implicit `id`. */
type DeclaresKey<T> = T extends { primaryKey: readonly string[] | null } ? true : false

/**
 * The row type a query on the table returns: `Row<typeof Post>`. Adds the implicit `id` when absent
 * (not when `static primaryKey` names the key or is `null`).
 */
export type Row<T extends abstract new () => Table> = {
  [K in ColumnKeys<InstanceType<T>>]: ColumnValue<InstanceType<T>[K]>
} & ('id' extends keyof InstanceType<T> ? unknown : DeclaresKey<T> extends true ? unknown : { id: number })
