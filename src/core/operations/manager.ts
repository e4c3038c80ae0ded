/**
 * MigrationManager: what a migration file's `forwards()` returns. It only records operations, in order;
 * replay, forwards, backwards and the writer all work from that one record.
 */
import { createHash } from 'node:crypto'
import { stableStringify } from '../state/snapshot.js'
import {
  AddColumn,
  AddExtension,
  AddFunction,
  AddTrigger,
  AddView,
  ChangeFunction,
  type ChangeFunctionParams,
  ChangeTrigger,
  type ChangeTriggerParams,
  ChangeView,
  type ChangeViewParams,
  DropExtension,
  DropFunction,
  DropTrigger,
  DropView,
  type ExtensionParams,
  type FunctionParams,
  type TriggerParams,
  type ViewParams,
  AddConstraint,
  AddEnum,
  AddIndex,
  AddTable,
  AlterColumn,
  type AlterColumnParams,
  AlterEnum,
  type AlterEnumParams,
  AlterTable,
  type AlterTableParams,
  ChangeTableSchema,
  type ChangeTableSchemaParams,
  type AddColumnParams,
  type ColumnDefinitionParams,
  type ConstraintParams,
  DropColumn,
  DropConstraint,
  DropEnum,
  DropIndex,
  DropTable,
  type EnumParams,
  type IndexParams,
  type Operation,
  type RawFunction,
  RawOperation,
  RenameColumn,
  type RenameColumnParams,
  RenameTable,
  type RenameTableParams,
  SqlOperation,
  type TableDefinitionParams,
} from './index.js'

/**
 * The operations a migration file records with plain data, by manager method (each takes one
 * params object). The loader reads files that use only these and `sql` as data, without running them.
 */
const DATA_OPERATIONS = {
  addTable: AddTable,
  dropTable: DropTable,
  renameTable: RenameTable,
  changeTableSchema: ChangeTableSchema,
  alterTable: AlterTable,
  addColumn: AddColumn,
  dropColumn: DropColumn,
  renameColumn: RenameColumn,
  alterColumn: AlterColumn,
  addConstraint: AddConstraint,
  dropConstraint: DropConstraint,
  addIndex: AddIndex,
  dropIndex: DropIndex,
  addEnum: AddEnum,
  alterEnum: AlterEnum,
  dropEnum: DropEnum,
  addExtension: AddExtension,
  dropExtension: DropExtension,
  addView: AddView,
  dropView: DropView,
  changeView: ChangeView,
  addFunction: AddFunction,
  dropFunction: DropFunction,
  changeFunction: ChangeFunction,
  addTrigger: AddTrigger,
  dropTrigger: DropTrigger,
  changeTrigger: ChangeTrigger,
} as const

/** Manager methods whose arguments are data (not functions), and how many arguments they take. */
export const DATA_METHODS: ReadonlyMap<string, { min: number; max: number }> = new Map([
  ...Object.keys(DATA_OPERATIONS).map((name): [string, { min: number; max: number }] => [name, { min: 1, max: 1 }]),
  ['sql', { min: 1, max: 2 }],
])

export interface MigrationInfo {
  migrationId: string
  appName: string
  description?: string
}

export class MigrationManager {
  readonly migrationId: string
  readonly appName: string
  readonly description: string
  readonly operations: Operation[] = []

  constructor(info: MigrationInfo) {
    this.migrationId = info.migrationId
    this.appName = info.appName
    this.description = info.description ?? ''
  }

  private record(operation: Operation): this {
    this.operations.push(operation)
    return this
  }

  addTable(params: TableDefinitionParams): this {
    return this.record(new DATA_OPERATIONS.addTable(this.appName, params))
  }
  dropTable(params: TableDefinitionParams): this {
    return this.record(new DATA_OPERATIONS.dropTable(this.appName, params))
  }
  renameTable(params: RenameTableParams): this {
    return this.record(new DATA_OPERATIONS.renameTable(this.appName, params))
  }
  changeTableSchema(params: ChangeTableSchemaParams): this {
    return this.record(new DATA_OPERATIONS.changeTableSchema(this.appName, params))
  }
  alterTable(params: AlterTableParams): this {
    return this.record(new DATA_OPERATIONS.alterTable(this.appName, params))
  }
  addColumn(params: AddColumnParams): this {
    return this.record(new DATA_OPERATIONS.addColumn(this.appName, params))
  }
  dropColumn(params: ColumnDefinitionParams): this {
    return this.record(new DATA_OPERATIONS.dropColumn(this.appName, params))
  }
  renameColumn(params: RenameColumnParams): this {
    return this.record(new DATA_OPERATIONS.renameColumn(this.appName, params))
  }
  alterColumn(params: AlterColumnParams): this {
    return this.record(new DATA_OPERATIONS.alterColumn(this.appName, params))
  }
  addConstraint(params: ConstraintParams): this {
    return this.record(new DATA_OPERATIONS.addConstraint(this.appName, params))
  }
  dropConstraint(params: ConstraintParams): this {
    return this.record(new DATA_OPERATIONS.dropConstraint(this.appName, params))
  }
  addIndex(params: IndexParams): this {
    return this.record(new DATA_OPERATIONS.addIndex(this.appName, params))
  }
  dropIndex(params: IndexParams): this {
    return this.record(new DATA_OPERATIONS.dropIndex(this.appName, params))
  }
  addEnum(params: EnumParams): this {
    return this.record(new DATA_OPERATIONS.addEnum(this.appName, params))
  }
  alterEnum(params: AlterEnumParams): this {
    return this.record(new DATA_OPERATIONS.alterEnum(this.appName, params))
  }
  dropEnum(params: EnumParams): this {
    return this.record(new DATA_OPERATIONS.dropEnum(this.appName, params))
  }
  addExtension(params: ExtensionParams): this {
    return this.record(new DATA_OPERATIONS.addExtension(this.appName, params))
  }
  dropExtension(params: ExtensionParams): this {
    return this.record(new DATA_OPERATIONS.dropExtension(this.appName, params))
  }
  addView(params: ViewParams): this {
    return this.record(new DATA_OPERATIONS.addView(this.appName, params))
  }
  dropView(params: ViewParams): this {
    return this.record(new DATA_OPERATIONS.dropView(this.appName, params))
  }
  changeView(params: ChangeViewParams): this {
    return this.record(new DATA_OPERATIONS.changeView(this.appName, params))
  }
  addFunction(params: FunctionParams): this {
    return this.record(new DATA_OPERATIONS.addFunction(this.appName, params))
  }
  dropFunction(params: FunctionParams): this {
    return this.record(new DATA_OPERATIONS.dropFunction(this.appName, params))
  }
  changeFunction(params: ChangeFunctionParams): this {
    return this.record(new DATA_OPERATIONS.changeFunction(this.appName, params))
  }
  addTrigger(params: TriggerParams): this {
    return this.record(new DATA_OPERATIONS.addTrigger(this.appName, params))
  }
  dropTrigger(params: TriggerParams): this {
    return this.record(new DATA_OPERATIONS.dropTrigger(this.appName, params))
  }
  changeTrigger(params: ChangeTriggerParams): this {
    return this.record(new DATA_OPERATIONS.changeTrigger(this.appName, params))
  }
  /** Raw SQL; `backwardsSql` is what backwards runs (nothing when omitted). */
  sql(forwardsSql: string, backwardsSql?: string): this {
    return this.record(new SqlOperation(this.appName, { forwards: forwardsSql, backwards: backwardsSql }))
  }
  /** A function run forwards with the migration's transaction as `db`. */
  addRaw(fn: RawFunction): this {
    return this.record(new RawOperation(this.appName, { forwards: fn }))
  }
  /** A function run backwards only. */
  addRawBackwards(fn: RawFunction): this {
    return this.record(new RawOperation(this.appName, { backwards: fn }))
  }

  /** Checksum of the recorded operations: an edit of a migration that already ran changes it. */
  checksum(): string {
    return checksumOf(this.operations)
  }
}

export function checksumOf(operations: readonly Operation[]): string {
  return createHash('sha256')
    .update(stableStringify(operations.map((o) => o.fingerprint())))
    .digest('hex')
    .slice(0, 32)
}
