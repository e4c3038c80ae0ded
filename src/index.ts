/**
 * unplugin-auto-migrations: the table model, apps, config and MigrationManager (what users import
 * in tables, app files, the config and migration files).
 */
export {
  Column,
  Varchar,
  Char,
  Text,
  SmallInt,
  Integer,
  BigIntColumn as BigInt,
  Serial,
  BigSerial,
  BooleanColumn as Boolean,
  Real,
  DoublePrecision,
  Numeric,
  UUID,
  DateColumn as Date,
  Time,
  Timestamp,
  Timestamptz,
  Interval,
  JSONColumn as JSON,
  JSONB,
  Bytea,
  ArrayColumn as Array,
  Enum,
  ForeignKey,
  Inet,
  Cidr,
  MacAddr,
  Citext,
  TsVector,
  Hstore,
  Ltree,
  Vector,
  Custom,
} from './model/columns.js'
export type {
  ColumnOptions,
  CollatableOptions,
  ForeignKeyOptions,
  IntegerOptions,
  TableClass,
} from './model/columns.js'
export { Table } from './model/table.js'
export type { Row } from './model/row.js'
export { sql, SqlExpression } from './core/state/sql.js'
export { unique, index, check, exclude } from './model/constraints.js'
export type {
  IndexOptions,
  UniqueOptions,
  IndexKeyInput,
  TableConstraint,
  ExcludeOptions,
  ExcludeElementInput,
} from './model/constraints.js'
export { View, MaterializedView } from './model/views.js'
export type { ViewClass } from './model/views.js'
export { sqlFunction, trigger } from './model/functions.js'
export type { SqlFunction, TriggerDeclaration, TriggerOptions } from './model/functions.js'
export { defineApp, defineConfig } from './model/define.js'
export type { App, AppDefinition, Config, ConfigDefinition } from './model/define.js'
export { MigrationManager } from './core/operations/manager.js'
export type { MigrationInfo } from './core/operations/manager.js'
export { AutoMigrationsError, isAutoMigrationsError, type ErrorCode } from './errors.js'
export type * from './core/state/snapshot.js'
