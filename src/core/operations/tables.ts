/** Table operations: add, drop, rename, move to another schema. */

import { AutoMigrationsError } from '../../errors.js'
import {
  addConstraintSql,
  columnCommentSql,
  columnDefinitionSql,
  columnIndexSql,
  constraintBodySql,
  derivedName,
  renameGeneratedObjectsSql,
  tableCommentSql,
  tableName,
} from '../postgres/ddl.js'
import { quoteIdent, quoteLiteral } from '../postgres/quote.js'
import { generatedName } from '../state/naming.js'
import {
  type ColumnSnapshot,
  type ConstraintSnapshot,
  cloneData,
  type IndexSnapshot,
  type SchemaState,
  type TableSnapshot,
  tableKey,
} from '../state/snapshot.js'
import { createIndexStep } from './constraints.js'
import { followTriggers } from './triggers.js'
import { Operation, requireTable, type Step, sqlStep } from './operation.js'

export interface TableDefinitionParams {
  className: string
  tablename: string
  /** Omitted: 'public'. */
  schema?: string
  /** Present when the table is added with its definition (the reverse of a drop). */
  columns?: ColumnSnapshot[]
  constraints?: ConstraintSnapshot[]
  indexes?: IndexSnapshot[]
  /** COMMENT ON TABLE; omitted when none. */
  comment?: string
}

function definitionOf(app: string, p: TableDefinitionParams): TableSnapshot {
  return cloneData({
    app,
    className: p.className,
    tablename: p.tablename,
    schema: p.schema ?? 'public',
    columns: p.columns ?? [],
    constraints: p.constraints ?? [],
    indexes: p.indexes ?? [],
    ...(p.comment !== undefined ? { comment: p.comment } : {}),
  })
}

/** CREATE TABLE with its columns, constraints and indexes (the reverse of a drop restores it whole). */
export function createTableSql(table: TableSnapshot, state: SchemaState): Step[] {
  const key = tableKey(table.app, table.className)
  const had = state.tables.get(key)
  // A self-referencing foreign key needs the table itself to be visible while its SQL is generated.
  state.tables.set(key, table)
  try {
    // CREATE TABLE silently merges a unique constraint into the primary key (or an earlier unique
    // constraint) on the same columns; ADD CONSTRAINT doesn't. Such a one is added after the table,
    // so the table is the same however it was built.
    const keys = new Set<string>()
    const keyOf = (columns: string[], nullsDistinct: boolean) => JSON.stringify([columns, nullsDistinct])
    for (const c of table.columns) {
      if (c.params.primaryKey || c.params.unique) keys.add(keyOf([c.name], true))
    }
    const primary = table.constraints.find((c) => c.kind === 'primaryKey')
    if (primary) keys.add(keyOf(primary.columns, true))
    const later = table.constraints.filter((c) => {
      if (c.kind !== 'unique') return false
      const key = keyOf(c.columns, c.nullsDistinct)
      if (keys.has(key)) return true
      keys.add(key)
      return false
    })
    const body = [
      ...table.columns.map((c) => columnDefinitionSql(table, c, state)),
      ...table.constraints
        .filter((c) => !later.includes(c))
        .map((c) => `CONSTRAINT ${quoteIdent(derivedName.constraint(table, c))} ${constraintBodySql(table, c)}`),
    ]
    const steps: Step[] =
      table.schema === 'public' ? [] : [sqlStep(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`)]
    steps.push(sqlStep(`CREATE TABLE ${tableName(table)} (${body.length ? `\n  ${body.join(',\n  ')}\n` : ''})`))
    for (const c of later) steps.push(sqlStep(addConstraintSql(table, c)))
    if (table.comment !== undefined) steps.push(sqlStep(tableCommentSql(table, table.comment)))
    for (const c of table.columns)
      if (c.params.comment !== undefined) steps.push(sqlStep(columnCommentSql(table, c, c.params.comment)))
    for (const c of table.columns) if (c.params.index) steps.push(sqlStep(columnIndexSql(table, c)))
    for (const i of table.indexes) steps.push(createIndexStep(table, i))
    return steps
  } finally {
    if (had) state.tables.set(key, had)
    else state.tables.delete(key)
  }
}

export class AddTable extends Operation<TableDefinitionParams> {
  readonly kind = 'addTable' as const
  apply(state: SchemaState): void {
    const key = tableKey(this.app, this.params.className)
    if (state.tables.has(key)) {
      throw new AutoMigrationsError(
        'REPLAY_FAILED',
        `addTable: table ${this.params.className} of app "${this.app}" already exists.`,
        {
          app: this.app,
          table: this.params.className,
        },
      )
    }
    state.tables.set(key, definitionOf(this.app, this.params))
  }
  toSql(state: SchemaState): Step[] {
    return createTableSql(definitionOf(this.app, this.params), state)
  }
  reverse(): Operation {
    return new DropTable(this.app, this.params)
  }
  describe(): string {
    return `add table ${this.params.className}`
  }
}

export class DropTable extends Operation<TableDefinitionParams> {
  readonly kind = 'dropTable' as const
  apply(state: SchemaState): void {
    requireTable(state, this.app, this.params.className, 'dropTable')
    state.tables.delete(tableKey(this.app, this.params.className))
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.className, 'dropTable')
    return [sqlStep(`DROP TABLE ${tableName(table)}`)]
  }
  reverse(): Operation {
    return new AddTable(this.app, this.params)
  }
  describe(): string {
    return `drop table ${this.params.className}`
  }
  override get destructive(): boolean {
    return true
  }
}

export interface RenameTableParams {
  oldClassName: string
  newClassName: string
  oldTablename: string
  newTablename: string
  schema?: string
}

export class RenameTable extends Operation<RenameTableParams> {
  readonly kind = 'renameTable' as const
  apply(state: SchemaState): void {
    const p = this.params
    const table = requireTable(state, this.app, p.oldClassName, 'renameTable')
    state.tables.delete(tableKey(this.app, p.oldClassName))
    table.className = p.newClassName
    table.tablename = p.newTablename
    state.tables.set(tableKey(this.app, p.newClassName), table)
    // Triggers belong to a table by class name, and Postgres keeps them through a rename.
    if (p.oldClassName !== p.newClassName) followTriggers(state, this.app, p.oldClassName, p.newClassName)
    // Foreign keys point at tables by class name: follow the rename everywhere.
    for (const other of state.tables.values()) {
      for (const column of other.columns) {
        const ref = column.params.references
        if (ref && ref.app === this.app && ref.table === p.oldClassName) ref.table = p.newClassName
      }
    }
  }
  toSql(state: SchemaState): Step[] {
    const before = requireTable(state, this.app, this.params.oldClassName, 'renameTable')
    if (before.tablename === this.params.newTablename) return []
    const after = { ...before, tablename: this.params.newTablename }
    return [
      sqlStep(`ALTER TABLE ${tableName(before)} RENAME TO ${quoteIdent(this.params.newTablename)}`),
      ...renameGeneratedObjectsSql(before, after).map((s) => sqlStep(s)),
    ]
  }
  reverse(): Operation {
    const p = this.params
    return new RenameTable(this.app, {
      oldClassName: p.newClassName,
      newClassName: p.oldClassName,
      oldTablename: p.newTablename,
      newTablename: p.oldTablename,
      schema: p.schema,
    })
  }
  describe(): string {
    const p = this.params
    return p.oldClassName === p.newClassName
      ? `rename table ${p.oldTablename} to ${p.newTablename}`
      : `rename table ${p.oldClassName} to ${p.newClassName}`
  }
}

export interface ChangeTableSchemaParams {
  className: string
  tablename: string
  oldSchema: string
  newSchema: string
}

/**
 * A serial column's sequence moves with its table. Its name is Postgres' choice, made when it was
 * created and kept through renames (e.g. `post_id_seq` of a table renamed since, while a new `post`
 * got `post_id_seq1`), so the target schema may already hold that name: the sequence then first
 * takes the first of a few deterministic names that is free in both schemas.
 */
function freeSequenceNameSql(table: TableSnapshot, column: ColumnSnapshot, newSchema: string): string {
  const candidates = [
    generatedName(table.tablename, [column.dbColumnName], 'seq'),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => generatedName(table.tablename, [column.dbColumnName, String(n)], 'seq')),
  ]
  return [
    'DO $am$ DECLARE',
    `  seq regclass := pg_get_serial_sequence(${quoteLiteral(tableName(table))}, ${quoteLiteral(column.dbColumnName)})::regclass;`,
    `  target oid := ${quoteLiteral(quoteIdent(newSchema))}::regnamespace;`,
    '  here oid;',
    '  candidate text;',
    'BEGIN',
    '  IF seq IS NULL THEN RETURN; END IF;',
    '  SELECT relnamespace INTO here FROM pg_class WHERE oid = seq;',
    '  IF NOT EXISTS (SELECT FROM pg_class WHERE relnamespace = target AND relname = (SELECT relname FROM pg_class WHERE oid = seq)) THEN RETURN; END IF;',
    `  FOREACH candidate IN ARRAY ARRAY[${candidates.map(quoteLiteral).join(', ')}]::text[] LOOP`,
    '    IF NOT EXISTS (SELECT FROM pg_class WHERE relname = candidate AND relnamespace IN (target, here)) THEN',
    "      EXECUTE format('ALTER SEQUENCE %s RENAME TO %I', seq, candidate);",
    '      RETURN;',
    '    END IF;',
    '  END LOOP;',
    'END $am$',
  ].join('\n')
}

export class ChangeTableSchema extends Operation<ChangeTableSchemaParams> {
  readonly kind = 'changeTableSchema' as const
  apply(state: SchemaState): void {
    requireTable(state, this.app, this.params.className, 'changeTableSchema').schema = this.params.newSchema
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.className, 'changeTableSchema')
    return [
      sqlStep(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.params.newSchema)}`),
      ...table.columns
        .filter((c) => c.columnClass === 'Serial' || c.columnClass === 'BigSerial')
        .map((c) => sqlStep(freeSequenceNameSql(table, c, this.params.newSchema))),
      sqlStep(`ALTER TABLE ${tableName(table)} SET SCHEMA ${quoteIdent(this.params.newSchema)}`),
    ]
  }
  reverse(): Operation {
    const p = this.params
    return new ChangeTableSchema(this.app, { ...p, oldSchema: p.newSchema, newSchema: p.oldSchema })
  }
  describe(): string {
    return `move table ${this.params.className} from schema ${this.params.oldSchema} to ${this.params.newSchema}`
  }
}

/** What a table has besides its columns and declarations that can change in place. */
export interface TableChange {
  /** null: no comment. */
  comment?: string | null
}

export interface AlterTableParams {
  className: string
  tablename: string
  /** The new values of what changed. */
  params: TableChange
  /** The old values of the same keys (what backwards restores). */
  oldParams: TableChange
}

/** A change of a table's own settings (its comment), as alterColumn is of a column's. */
export class AlterTable extends Operation<AlterTableParams> {
  readonly kind = 'alterTable' as const
  apply(state: SchemaState): void {
    const table = requireTable(state, this.app, this.params.className, 'alterTable')
    const { comment } = this.params.params
    if (comment === null) delete table.comment
    else if (comment !== undefined) table.comment = comment
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.className, 'alterTable')
    const { comment } = this.params.params
    return comment === undefined ? [] : [sqlStep(tableCommentSql(table, comment ?? undefined))]
  }
  reverse(): Operation {
    const p = this.params
    return new AlterTable(this.app, { ...p, params: p.oldParams, oldParams: p.params })
  }
  describe(): string {
    return `alter table ${this.params.className} (${Object.keys(this.params.params).join(', ')})`
  }
}
