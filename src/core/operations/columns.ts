/** Column operations: add, drop, rename, alter. */
import { AutoMigrationsError } from '../../errors.js'
import { alterColumnSql, narrowsType } from '../postgres/alter-column.js'
import {
  columnCommentSql,
  columnDefinitionSql,
  columnIndexSql,
  renameGeneratedObjectsSql,
  tableName,
} from '../postgres/ddl.js'
import { quoteIdent } from '../postgres/quote.js'
import type {
  ColumnClassName,
  ColumnParams,
  ColumnSnapshot,
  DefaultValue,
  SchemaState,
  TableSnapshot,
} from '../state/snapshot.js'
import { cloneData, renameDeclaredColumns } from '../state/snapshot.js'
import { Operation, requireColumn, requireTable, type Step, sqlStep } from './operation.js'

export interface ColumnDefinitionParams {
  tableClassName: string
  tablename: string
  columnName: string
  dbColumnName: string
  columnClass: ColumnClassName
  params: ColumnParams
}

/** An addColumn's: a one-off value for the rows a table already has (Django's one-off default). */
export interface AddColumnParams extends ColumnDefinitionParams {
  /** Fills existing rows of a NOT NULL column without a default; the column keeps no default. */
  fill?: DefaultValue
}

function columnOf(p: ColumnDefinitionParams): ColumnSnapshot {
  return cloneData({ name: p.columnName, dbColumnName: p.dbColumnName, columnClass: p.columnClass, params: p.params })
}

export class AddColumn extends Operation<AddColumnParams> {
  readonly kind = 'addColumn' as const
  apply(state: SchemaState): void {
    const table = requireTable(state, this.app, this.params.tableClassName, 'addColumn')
    if (table.columns.some((c) => c.name === this.params.columnName)) {
      throw new AutoMigrationsError(
        'REPLAY_FAILED',
        `addColumn: table ${table.className} of app "${this.app}" already has a column "${this.params.columnName}".`,
        { app: this.app, table: table.className, column: this.params.columnName },
      )
    }
    table.columns.push(columnOf(this.params))
  }
  toSql(state: SchemaState): Step[] {
    const before = requireTable(state, this.app, this.params.tableClassName, 'addColumn')
    const column = columnOf(this.params)
    const table = { ...before, columns: [...before.columns, column] }
    const fill = this.params.fill
    // The value fills existing rows as a default would, then the default goes: it was for them only.
    const added = fill === undefined ? column : { ...column, params: { ...column.params, default: fill } }
    const steps = [sqlStep(`ALTER TABLE ${tableName(table)} ADD COLUMN ${columnDefinitionSql(table, added, state)}`)]
    if (fill !== undefined)
      steps.push(
        sqlStep(`ALTER TABLE ${tableName(table)} ALTER COLUMN ${quoteIdent(column.dbColumnName)} DROP DEFAULT`),
      )
    if (column.params.index) steps.push(sqlStep(columnIndexSql(table, column)))
    if (column.params.comment !== undefined) steps.push(sqlStep(columnCommentSql(table, column, column.params.comment)))
    return steps
  }
  reverse(): Operation {
    const { fill: _fill, ...definition } = this.params
    return new DropColumn(this.app, definition)
  }
  describe(): string {
    return `add column ${this.params.tableClassName}.${this.params.columnName}`
  }
}

export class DropColumn extends Operation<ColumnDefinitionParams> {
  readonly kind = 'dropColumn' as const
  apply(state: SchemaState): void {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropColumn')
    requireColumn(table, this.params.columnName, 'dropColumn')
    table.columns = table.columns.filter((c) => c.name !== this.params.columnName)
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropColumn')
    const column = requireColumn(table, this.params.columnName, 'dropColumn')
    return [sqlStep(`ALTER TABLE ${tableName(table)} DROP COLUMN ${quoteIdent(column.dbColumnName)}`)]
  }
  reverse(): Operation {
    return new AddColumn(this.app, this.params)
  }
  describe(): string {
    return `drop column ${this.params.tableClassName}.${this.params.columnName}`
  }
  override get destructive(): boolean {
    return true
  }
}

export interface RenameColumnParams {
  tableClassName: string
  tablename: string
  oldColumnName: string
  newColumnName: string
  oldDbColumnName: string
  newDbColumnName: string
}

export class RenameColumn extends Operation<RenameColumnParams> {
  readonly kind = 'renameColumn' as const
  apply(state: SchemaState): void {
    const p = this.params
    const table = requireTable(state, this.app, p.tableClassName, 'renameColumn')
    const column = requireColumn(table, p.oldColumnName, 'renameColumn')
    column.name = p.newColumnName
    column.dbColumnName = p.newDbColumnName
    // Table-level declarations and foreign keys name columns by property: follow the rename.
    const rename = (name: string) => (name === p.oldColumnName ? p.newColumnName : name)
    table.constraints = table.constraints.map((c) => renameDeclaredColumns(c, rename))
    table.indexes = table.indexes.map((i) => renameDeclaredColumns(i, rename))
    for (const other of state.tables.values()) {
      for (const c of other.columns) {
        const ref = c.params.references
        if (ref && ref.app === this.app && ref.table === p.tableClassName && ref.column === p.oldColumnName)
          ref.column = p.newColumnName
      }
    }
  }
  toSql(state: SchemaState): Step[] {
    const p = this.params
    const before = requireTable(state, this.app, p.tableClassName, 'renameColumn')
    const column = requireColumn(before, p.oldColumnName, 'renameColumn')
    if (column.dbColumnName === p.newDbColumnName) return []
    const rename = (name: string) => (name === p.oldColumnName ? p.newColumnName : name)
    const after = {
      ...before,
      columns: before.columns.map((c) =>
        c === column ? { ...c, name: p.newColumnName, dbColumnName: p.newDbColumnName } : c,
      ),
      constraints: before.constraints.map((c) => renameDeclaredColumns(c, rename)),
      indexes: before.indexes.map((i) => renameDeclaredColumns(i, rename)),
    }
    return [
      sqlStep(
        `ALTER TABLE ${tableName(before)} RENAME COLUMN ${quoteIdent(column.dbColumnName)} TO ${quoteIdent(p.newDbColumnName)}`,
      ),
      ...renameGeneratedObjectsSql(before, after).map((s) => sqlStep(s)),
    ]
  }
  reverse(): Operation {
    const p = this.params
    return new RenameColumn(this.app, {
      tableClassName: p.tableClassName,
      tablename: p.tablename,
      oldColumnName: p.newColumnName,
      newColumnName: p.oldColumnName,
      oldDbColumnName: p.newDbColumnName,
      newDbColumnName: p.oldDbColumnName,
    })
  }
  describe(): string {
    return `rename column ${this.params.tableClassName}.${this.params.oldColumnName} to ${this.params.newColumnName}`
  }
}

/** The changed fields of a column: its class and/or params (null: a param the column no longer has). */
export type ColumnChange = { [K in keyof ColumnParams]?: ColumnParams[K] | null } & { columnClass?: ColumnClassName }

export interface AlterColumnParams {
  tableClassName: string
  tablename: string
  columnName: string
  dbColumnName: string
  /** The new values of what changed. */
  params: ColumnChange
  /** The old values of the same keys (what backwards restores). */
  oldParams: ColumnChange
}

const TYPE_KEYS = ['columnClass', 'length', 'digits', 'enum', 'base', 'references', 'dimensions', 'type'] as const

export class AlterColumn extends Operation<AlterColumnParams> {
  readonly kind = 'alterColumn' as const
  apply(state: SchemaState): void {
    const table = requireTable(state, this.app, this.params.tableClassName, 'alterColumn')
    const column = requireColumn(table, this.params.columnName, 'alterColumn')
    applyChange(column, this.params.params)
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'alterColumn')
    const before = requireColumn(table, this.params.columnName, 'alterColumn')
    const after = cloneData(before)
    applyChange(after, this.params.params)
    const afterTable: TableSnapshot = { ...table, columns: table.columns.map((c) => (c === before ? after : c)) }
    return alterColumnSql(table, before, afterTable, after, state).map((s) => sqlStep(s))
  }
  reverse(): Operation {
    const p = this.params
    return new AlterColumn(this.app, { ...p, params: p.oldParams, oldParams: p.params })
  }
  describe(): string {
    const keys = Object.keys(this.params.params).join(', ')
    return `alter column ${this.params.tableClassName}.${this.params.columnName} (${keys})`
  }
  override get destructive(): boolean {
    const before: ColumnSnapshot = {
      name: '',
      dbColumnName: '',
      columnClass: 'Text',
      params: { null: true, default: null, primaryKey: false, unique: false, index: false },
    }
    const after = cloneData(before)
    applyChange(before, this.params.oldParams)
    applyChange(after, this.params.params)
    // A column that becomes generated is dropped and added again: its values are lost.
    if (after.params.generated !== undefined && before.params.generated === undefined) return true
    const typeChanged = TYPE_KEYS.some((k) => k in this.params.params && k !== 'references')
    return typeChanged && narrowsType(before, after)
  }
}

/** Params every column has; any other key is type-specific, and null in a change removes it. */
const REQUIRED_PARAMS = new Set(['null', 'default', 'primaryKey', 'unique', 'index'])

function applyChange(column: ColumnSnapshot, change: ColumnChange): void {
  for (const [key, value] of Object.entries(change)) {
    if (key === 'columnClass') column.columnClass = value as ColumnClassName
    else if (value === undefined || (value === null && !REQUIRED_PARAMS.has(key)))
      delete (column.params as unknown as Record<string, unknown>)[key]
    else (column.params as unknown as Record<string, unknown>)[key] = cloneData(value)
  }
}
