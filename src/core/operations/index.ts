export { castsImplicitly, narrowsType } from '../postgres/alter-column.js'
export type {
  AddColumnParams,
  AlterColumnParams,
  ColumnChange,
  ColumnDefinitionParams,
  RenameColumnParams,
} from './columns.js'
export { AddColumn, AlterColumn, DropColumn, RenameColumn } from './columns.js'
export type { ConstraintParams, IndexParams } from './constraints.js'
export { AddConstraint, AddIndex, DropConstraint, DropIndex } from './constraints.js'
export type { AlterEnumParams, EnumParams } from './enums.js'
export { AddEnum, AlterEnum, DropEnum } from './enums.js'
export { Operation, type OperationKind, type Step, sqlStep } from './operation.js'
export type { RawFunction, RawParams, SqlParams } from './raw.js'
export { RawOperation, SqlOperation } from './raw.js'
export type { ChangeTableSchemaParams, RenameTableParams, TableDefinitionParams } from './tables.js'
export { AddTable, ChangeTableSchema, createTableSql, DropTable, RenameTable } from './tables.js'
