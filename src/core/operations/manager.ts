/**
 * MigrationManager: what a migration file's `forwards()` returns. It only records operations, in order;
 * replay, forwards, backwards and the writer all work from that one record.
 */
import { createHash } from 'node:crypto'
import {
  AddColumn,
  AddConstraint,
  AddEnum,
  AddIndex,
  AddTable,
  AlterColumn,
  type AlterColumnParams,
  type AlterEnumParams,
  AlterEnum,
  ChangeTableSchema,
  type ChangeTableSchemaParams,
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
  RawOperation,
  type RawFunction,
  RenameColumn,
  type RenameColumnParams,
  RenameTable,
  type RenameTableParams,
  SqlOperation,
  type TableDefinitionParams,
} from './index.js'
import { stableStringify } from '../state/snapshot.js'

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
    return this.record(new AddTable(this.appName, params))
  }
  dropTable(params: TableDefinitionParams): this {
    return this.record(new DropTable(this.appName, params))
  }
  renameTable(params: RenameTableParams): this {
    return this.record(new RenameTable(this.appName, params))
  }
  changeTableSchema(params: ChangeTableSchemaParams): this {
    return this.record(new ChangeTableSchema(this.appName, params))
  }
  addColumn(params: ColumnDefinitionParams): this {
    return this.record(new AddColumn(this.appName, params))
  }
  dropColumn(params: ColumnDefinitionParams): this {
    return this.record(new DropColumn(this.appName, params))
  }
  renameColumn(params: RenameColumnParams): this {
    return this.record(new RenameColumn(this.appName, params))
  }
  alterColumn(params: AlterColumnParams): this {
    return this.record(new AlterColumn(this.appName, params))
  }
  addConstraint(params: ConstraintParams): this {
    return this.record(new AddConstraint(this.appName, params))
  }
  dropConstraint(params: ConstraintParams): this {
    return this.record(new DropConstraint(this.appName, params))
  }
  addIndex(params: IndexParams): this {
    return this.record(new AddIndex(this.appName, params))
  }
  dropIndex(params: IndexParams): this {
    return this.record(new DropIndex(this.appName, params))
  }
  addEnum(params: EnumParams): this {
    return this.record(new AddEnum(this.appName, params))
  }
  alterEnum(params: AlterEnumParams): this {
    return this.record(new AlterEnum(this.appName, params))
  }
  dropEnum(params: EnumParams): this {
    return this.record(new DropEnum(this.appName, params))
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
