/** Triggers on a table, calling a function (usually one of the app's `sqlFunction`s). */
import { createTriggerSql, dropTriggerSql } from '../postgres/objects.js'
import { objectKey, type SchemaState, type TriggerEvent, type TriggerSnapshot } from '../state/snapshot.js'
import { Operation, requireTable, type Step, sqlStep } from './operation.js'
import { addObject, removeObject, replaceObject, type SqlText, textOf } from './schema-objects.js'

/** What a trigger does, apart from its name and table. */
export interface TriggerDefinition {
  timing: TriggerSnapshot['timing']
  events: TriggerEvent[]
  function: string
  /** Omitted: 'row'. */
  forEach?: 'row' | 'statement'
  when?: SqlText
}

export interface TriggerParams extends TriggerDefinition {
  tableClassName: string
  name: string
}

export interface ChangeTriggerParams extends TriggerParams {
  old: TriggerDefinition
}

export function triggerSnapshotOf(app: string, params: TriggerParams): TriggerSnapshot {
  return {
    kind: 'trigger',
    app,
    table: params.tableClassName,
    name: params.name,
    timing: params.timing,
    events: [...params.events],
    function: params.function,
    forEach: params.forEach ?? 'row',
    when: params.when === undefined ? null : textOf(params.when),
  }
}

export class AddTrigger extends Operation<TriggerParams> {
  readonly kind = 'addTrigger' as const
  apply(state: SchemaState): void {
    requireTable(state, this.app, this.params.tableClassName, 'addTrigger')
    addObject(state, triggerSnapshotOf(this.app, this.params), 'addTrigger')
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'addTrigger')
    return [sqlStep(createTriggerSql(triggerSnapshotOf(this.app, this.params), table))]
  }
  reverse(): Operation {
    return new DropTrigger(this.app, this.params)
  }
  describe(): string {
    return `add trigger ${this.params.name} on ${this.params.tableClassName}`
  }
}

export class DropTrigger extends Operation<TriggerParams> {
  readonly kind = 'dropTrigger' as const
  apply(state: SchemaState): void {
    removeObject(state, triggerSnapshotOf(this.app, this.params), 'dropTrigger')
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'dropTrigger')
    return [sqlStep(dropTriggerSql(triggerSnapshotOf(this.app, this.params), table))]
  }
  reverse(): Operation {
    return new AddTrigger(this.app, this.params)
  }
  describe(): string {
    return `drop trigger ${this.params.name} on ${this.params.tableClassName}`
  }
}

/** CREATE OR REPLACE TRIGGER (Postgres 14 and later). */
export class ChangeTrigger extends Operation<ChangeTriggerParams> {
  readonly kind = 'changeTrigger' as const
  apply(state: SchemaState): void {
    replaceObject(state, triggerSnapshotOf(this.app, this.params), 'changeTrigger')
  }
  toSql(state: SchemaState): Step[] {
    const table = requireTable(state, this.app, this.params.tableClassName, 'changeTrigger')
    return [sqlStep(createTriggerSql(triggerSnapshotOf(this.app, this.params), table, true))]
  }
  reverse(): Operation {
    const { tableClassName, name, old } = this.params
    const { old: _old, tableClassName: _t, name: _n, ...now } = this.params
    return new ChangeTrigger(this.app, { tableClassName, name, ...old, old: now })
  }
  describe(): string {
    return `change trigger ${this.params.name} on ${this.params.tableClassName}`
  }
}

/** Moves the triggers of table `oldClassName` to its new class name (a renameTable). */
export function followTriggers(state: SchemaState, app: string, oldClassName: string, newClassName: string): void {
  for (const [key, o] of [...state.objects]) {
    if (o.kind !== 'trigger' || o.app !== app || o.table !== oldClassName) continue
    state.objects.delete(key)
    const moved = { ...o, table: newClassName }
    state.objects.set(objectKey(moved), moved)
  }
}
