/** Table-level constraints (composite primary key, unique, check) and indexes. */
import { AutoMigrationsError } from '../../errors.js'
import {
  addConstraintSql,
  createIndexSql,
  derivedName,
  dropConstraintSql,
  dropIndexSql,
  indexValidSql,
  tableName,
} from '../postgres/ddl.js'
import {
  type ConstraintSnapshot,
  cloneData,
  type IndexSnapshot,
  type SchemaState,
  sameValue,
  type TableSnapshot,
} from '../state/snapshot.js'
import { Operation, requireTable, type Step, sqlStep } from './operation.js'

export interface ConstraintParams {
  tableClassName: string
  tablename: string
  constraint: ConstraintSnapshot
}

const sameDeclaration = sameValue

function describeConstraint(c: ConstraintSnapshot): string {
  switch (c.kind) {
    case 'check':
      return `check (${c.expression})`
    case 'exclude':
      return `exclusion (${c.elements.map((e) => `${e.column ?? e.expression} with ${e.operator}`).join(', ')})`
    default:
      return `${c.kind === 'primaryKey' ? 'primary key' : 'unique'} (${c.columns.join(', ')})`
  }
}

export class AddConstraint extends Operation<ConstraintParams> {
  readonly kind = 'addConstraint' as const
  apply(state: SchemaState): void {
    requireTable(state, this.app, this.params.tableClassName, 'addConstraint').constraints.push(
      cloneData(this.params.constraint),
    )
  }
  toSql(state: SchemaState): Step[] {
    return [
      sqlStep(
        addConstraintSql(
          requireTable(state, this.app, this.params.tableClassName, 'addConstraint'),
          this.params.constraint,
        ),
      ),
    ]
  }
  reverse(): Operation {
    return new DropConstraint(this.app, this.params)
  }
  describe(): string {
    return `add ${describeConstraint(this.params.constraint)} on ${this.params.tableClassName}`
  }
}

export class DropConstraint extends Operation<ConstraintParams> {
  readonly kind = 'dropConstraint' as const
  apply(state: SchemaState): void {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropConstraint')
    const at = table.constraints.findIndex((c) => sameDeclaration(c, this.params.constraint))
    if (at < 0) {
      throw new AutoMigrationsError(
        'REPLAY_FAILED',
        `dropConstraint: table ${table.className} of app "${this.app}" has no ${describeConstraint(this.params.constraint)}.`,
        { app: this.app, table: table.className },
      )
    }
    table.constraints.splice(at, 1)
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropConstraint')
    return [sqlStep(dropConstraintSql(table, derivedName.constraint(table, this.params.constraint)))]
  }
  reverse(): Operation {
    return new AddConstraint(this.app, this.params)
  }
  describe(): string {
    return `drop ${describeConstraint(this.params.constraint)} on ${this.params.tableClassName}`
  }
}

export interface IndexParams {
  tableClassName: string
  tablename: string
  index: IndexSnapshot
}

function describeIndex(i: IndexSnapshot): string {
  const keys = i.keys.map((k) => k.column ?? k.expression).join(', ')
  return `${i.unique ? 'unique index' : 'index'} (${keys})${i.where ? ` where ${i.where}` : ''}`
}

/**
 * The step that creates `index`. CONCURRENTLY runs outside the migration's transaction: when it
 * fails (or a later step does), its cleanup drops what it left (a failed build leaves an INVALID index).
 */
export function createIndexStep(table: TableSnapshot, index: IndexSnapshot): Step {
  if (!index.concurrently) return sqlStep(createIndexSql(table, index))
  const name = derivedName.index(table, index)
  return sqlStep(createIndexSql(table, index), false, {
    cleanup: dropIndexSql(table, name, true, true),
    probe: indexValidSql(table, name),
    table: tableName(table),
  })
}

export class AddIndex extends Operation<IndexParams> {
  readonly kind = 'addIndex' as const
  apply(state: SchemaState): void {
    requireTable(state, this.app, this.params.tableClassName, 'addIndex').indexes.push(cloneData(this.params.index))
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'addIndex')
    return [createIndexStep(table, this.params.index)]
  }
  reverse(): Operation {
    return new DropIndex(this.app, this.params)
  }
  describe(): string {
    return `add ${describeIndex(this.params.index)} on ${this.params.tableClassName}`
  }
}

export class DropIndex extends Operation<IndexParams> {
  readonly kind = 'dropIndex' as const
  apply(state: SchemaState): void {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropIndex')
    const at = table.indexes.findIndex((i) => sameDeclaration(i, this.params.index))
    if (at < 0) {
      throw new AutoMigrationsError(
        'REPLAY_FAILED',
        `dropIndex: table ${table.className} of app "${this.app}" has no ${describeIndex(this.params.index)}.`,
        { app: this.app, table: table.className },
      )
    }
    table.indexes.splice(at, 1)
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropIndex')
    // Outside the transaction, nothing undoes it if the migration fails later: IF EXISTS makes
    // running the migration again safe.
    const concurrently = this.params.index.concurrently
    return [
      sqlStep(
        dropIndexSql(table, derivedName.index(table, this.params.index), concurrently, concurrently),
        !concurrently,
        concurrently ? { table: tableName(table) } : {},
      ),
    ]
  }
  reverse(): Operation {
    return new AddIndex(this.app, this.params)
  }
  describe(): string {
    return `drop ${describeIndex(this.params.index)} on ${this.params.tableClassName}`
  }
}
