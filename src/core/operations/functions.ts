/** Functions declared with `sqlFunction(name, sql)`: the statement that creates one is its definition. */
import { dropFunctionSql, replaceFunctionSql } from '../postgres/objects.js'
import type { FunctionSnapshot, SchemaState } from '../state/snapshot.js'
import { Operation, type Step, sqlStep } from './operation.js'
import { addObject, removeObject, replaceObject, type SqlText, textOf } from './schema-objects.js'

export interface FunctionParams {
  name: string
  /** The whole CREATE [OR REPLACE] FUNCTION statement. */
  sql: SqlText
}

export interface ChangeFunctionParams extends FunctionParams {
  oldSql: SqlText
}

const snapshotOf = (app: string, name: string, sql: SqlText): FunctionSnapshot => ({
  kind: 'function',
  app,
  name,
  sql: textOf(sql),
})

export class AddFunction extends Operation<FunctionParams> {
  readonly kind = 'addFunction' as const
  apply(state: SchemaState): void {
    addObject(state, snapshotOf(this.app, this.params.name, this.params.sql), 'addFunction')
  }
  toSql(): Step[] {
    return [sqlStep(textOf(this.params.sql))]
  }
  reverse(): Operation {
    return new DropFunction(this.app, this.params)
  }
  describe(): string {
    return `add function ${this.params.name}`
  }
}

export class DropFunction extends Operation<FunctionParams> {
  readonly kind = 'dropFunction' as const
  apply(state: SchemaState): void {
    removeObject(state, snapshotOf(this.app, this.params.name, this.params.sql), 'dropFunction')
  }
  toSql(): Step[] {
    return [sqlStep(dropFunctionSql(snapshotOf(this.app, this.params.name, this.params.sql)))]
  }
  reverse(): Operation {
    return new AddFunction(this.app, this.params)
  }
  describe(): string {
    return `drop function ${this.params.name}`
  }
}

export class ChangeFunction extends Operation<ChangeFunctionParams> {
  readonly kind = 'changeFunction' as const
  apply(state: SchemaState): void {
    replaceObject(state, snapshotOf(this.app, this.params.name, this.params.sql), 'changeFunction')
  }
  toSql(): Step[] {
    return [sqlStep(replaceFunctionSql(snapshotOf(this.app, this.params.name, this.params.sql)))]
  }
  reverse(): Operation {
    return new ChangeFunction(this.app, { name: this.params.name, sql: this.params.oldSql, oldSql: this.params.sql })
  }
  describe(): string {
    return `change function ${this.params.name}`
  }
}
