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
} from './schema/columns.js'
export type { ColumnOptions, ForeignKeyOptions, TableClass } from './schema/columns.js'
export { Table, type Row } from './schema/table.js'
export { sql, SqlExpression } from './schema/sql.js'
export { unique, index, check } from './schema/constraints.js'
export type { IndexOptions, UniqueOptions, IndexKeyInput, TableConstraint } from './schema/constraints.js'
export { defineApp, defineConfig } from './app/define.js'
export type { App, AppDefinition, Config, ConfigDefinition } from './app/define.js'
export { MigrationManager } from './migration/manager.js'
export type { MigrationInfo } from './migration/manager.js'
export { AutoMigrationsError, isAutoMigrationsError, type ErrorCode } from './errors.js'
export type * from './migration/snapshot.js'
