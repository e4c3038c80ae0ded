/**
 * The operation: one kind of schema change, owning everything about itself (Django's shape):
 * how it changes a snapshot (`apply`), its SQL (`toSql`, given the state before it), its inverse
 * (`reverse`, so backwards = the inverses in reverse order), its one-line description, and how it is
 * written into a migration file (`toSource`). Replay, diff, forwards, backwards and the file writer
 * therefore cannot disagree about an operation.
 */
import { AutoMigrationsError } from '../../errors.js'
import type { Queryable } from '../state/queryable.js'
import { type SchemaState, type TableSnapshot, tableKey } from '../state/snapshot.js'
import { formatValue } from './source.js'

/** One step of running a migration. */
export type Step =
  | {
      kind: 'sql'
      sql: string
      /** false for statements Postgres refuses inside a transaction (CREATE INDEX CONCURRENTLY). */
      transactional: boolean
      /**
       * Outside a transaction only: SQL that takes away what the statement leaves behind, run when
       * it or a later step of its migration fails (a failed CREATE INDEX CONCURRENTLY leaves an
       * INVALID index; nothing rolls back a statement that ran outside the transaction).
       */
      cleanup?: string
      /**
       * Outside a transaction only: a query whose one row's `done` says whether what the step makes
       * is there and whole (true: skip it), left broken by a killed run (false: cleanup, then run it),
       * or absent (null: run it). Lets a run resume after a crash in the middle of the step.
       */
      probe?: string
      /**
       * Outside a transaction only: the table whose SHARE UPDATE EXCLUSIVE lock the statement takes;
       * the runner takes it first under lock_timeout, so the statement does not queue behind a lock.
       */
      table?: string
    }
  | { kind: 'raw'; run: (db: Queryable) => Promise<void> | void; transactional: true }

export const sqlStep = (
  sql: string,
  transactional = true,
  outside: { cleanup?: string; probe?: string; table?: string } = {},
): Step => ({
  kind: 'sql',
  sql,
  transactional,
  ...outside,
})

export type OperationKind =
  | 'addTable'
  | 'dropTable'
  | 'renameTable'
  | 'changeTableSchema'
  | 'alterTable'
  | 'addColumn'
  | 'dropColumn'
  | 'renameColumn'
  | 'alterColumn'
  | 'addConstraint'
  | 'dropConstraint'
  | 'addIndex'
  | 'dropIndex'
  | 'addEnum'
  | 'alterEnum'
  | 'dropEnum'
  | 'addExtension'
  | 'dropExtension'
  | 'addView'
  | 'dropView'
  | 'changeView'
  | 'addFunction'
  | 'dropFunction'
  | 'changeFunction'
  | 'addTrigger'
  | 'dropTrigger'
  | 'changeTrigger'
  | 'sql'
  | 'raw'

export abstract class Operation<P extends object = object> {
  abstract readonly kind: OperationKind
  constructor(
    /** The app whose migration records the operation. */
    readonly app: string,
    readonly params: P,
  ) {}

  /** Changes the state in place (replay is hot: thousands of operations). */
  abstract apply(state: SchemaState): void
  /** SQL forwards, given the state before this operation. */
  abstract toSql(state: SchemaState): Step[]
  /** The operation that undoes this one. */
  abstract reverse(): Operation
  /** One line, for logs and reports: "add column Post.views". */
  abstract describe(): string
  /** True when running it loses data or narrows what data is allowed. */
  get destructive(): boolean {
    return false
  }
  /** The call that records it in a migration file. */
  toSource(indent = '  '): string {
    return `manager.${this.kind}(${formatValue(this.params, indent)})`
  }
  /** What the checksum covers: the kind and parameters. */
  fingerprint(): unknown {
    return { kind: this.kind, params: this.params }
  }
}

export function requireTable(state: SchemaState, app: string, className: string, operation: string): TableSnapshot {
  const table = state.tables.get(tableKey(app, className))
  if (!table) {
    throw new AutoMigrationsError(
      'REPLAY_FAILED',
      `${operation}: table ${className} of app "${app}" does not exist at this point of the history.`,
      { app, table: className, operation },
    )
  }
  return table
}

export function requireColumn(table: TableSnapshot, name: string, operation: string) {
  const column = table.columns.find((c) => c.name === name)
  if (!column) {
    throw new AutoMigrationsError(
      'REPLAY_FAILED',
      `${operation}: table ${table.className} of app "${table.app}" has no column "${name}" at this point of the history.`,
      { app: table.app, table: table.className, column: name, operation },
    )
  }
  return column
}
