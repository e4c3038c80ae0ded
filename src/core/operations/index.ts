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
export type { ExtensionParams } from './extensions.js'
export { AddExtension, DropExtension, extensionsAdded } from './extensions.js'
export type { ChangeFunctionParams, FunctionParams } from './functions.js'
export { AddFunction, ChangeFunction, DropFunction } from './functions.js'
export type { SqlText } from './schema-objects.js'
export type { ChangeTriggerParams, TriggerDefinition, TriggerParams } from './triggers.js'
export { AddTrigger, ChangeTrigger, DropTrigger, triggerSnapshotOf } from './triggers.js'
export type { ChangeViewParams, ViewParams } from './views.js'
export { AddView, ChangeView, DropView, viewSnapshotOf } from './views.js'
export { Operation, type OperationKind, type Step, sqlStep } from './operation.js'
export type { RawFunction, RawParams, SqlParams } from './raw.js'
export { RawOperation, SqlOperation } from './raw.js'
export type {
  AlterTableParams,
  ChangeTableSchemaParams,
  RenameTableParams,
  TableChange,
  TableDefinitionParams,
} from './tables.js'
export { AddTable, AlterTable, ChangeTableSchema, createTableSql, DropTable, RenameTable } from './tables.js'
