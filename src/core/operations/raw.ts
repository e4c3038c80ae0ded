/** Hand-written steps: raw SQL with an optional backwards SQL, and functions run against the database. */
import { AutoMigrationsError } from '../../errors.js'
import type { Queryable } from '../state/queryable.js'
import { Operation, type Step, sqlStep } from './operation.js'
import { formatValue } from './source.js'

export interface SqlParams {
  forwards: string
  /** What backwards runs; without it, backwards runs nothing for this operation. */
  backwards?: string
}

/** CREATE INDEX CONCURRENTLY and friends refuse to run inside a transaction. */
const NON_TRANSACTIONAL = /\b(concurrently|vacuum|create\s+database|drop\s+database|alter\s+system)\b/i

export class SqlOperation extends Operation<SqlParams> {
  readonly kind = 'sql' as const
  apply(): void {}
  toSql(): Step[] {
    const text = this.params.forwards.trim()
    return text ? [sqlStep(text, !NON_TRANSACTIONAL.test(text))] : []
  }
  reverse(): Operation {
    return new SqlOperation(this.app, { forwards: this.params.backwards ?? '', backwards: this.params.forwards })
  }
  describe(): string {
    const line = this.params.forwards.trim().split('\n')[0] ?? ''
    return `sql: ${line.length > 60 ? `${line.slice(0, 57)}...` : line}`
  }
  override toSource(indent = '  '): string {
    const args = [formatValue(this.params.forwards, indent)]
    if (this.params.backwards !== undefined) args.push(formatValue(this.params.backwards, indent))
    return `manager.sql(${args.join(', ')})`
  }
}

export type RawFunction = (db: Queryable) => Promise<void> | void

export interface RawParams {
  forwards?: RawFunction
  backwards?: RawFunction
}

/** `addRaw(fn)` runs fn forwards only; `addRawBackwards(fn)` runs fn backwards only. */
export class RawOperation extends Operation<RawParams> {
  readonly kind = 'raw' as const
  apply(): void {}
  toSql(): Step[] {
    const run = this.params.forwards
    return run ? [{ kind: 'raw', run, transactional: true }] : []
  }
  reverse(): Operation {
    return new RawOperation(this.app, { forwards: this.params.backwards, backwards: this.params.forwards })
  }
  describe(): string {
    return this.params.forwards ? 'raw function' : 'raw function (backwards only)'
  }
  override toSource(): string {
    throw new AutoMigrationsError('INVALID_MIGRATION', 'Raw functions are written by hand, not generated.')
  }
  override fingerprint(): unknown {
    return {
      kind: this.kind,
      forwards: this.params.forwards?.toString() ?? null,
      backwards: this.params.backwards?.toString() ?? null,
    }
  }
}
