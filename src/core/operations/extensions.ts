/** Postgres extensions an app declares: created before anything that needs them, dropped after. */
import { createExtensionSql, dropExtensionSql } from '../postgres/objects.js'
import type { ExtensionSnapshot, SchemaState } from '../state/snapshot.js'
import { Operation, type Step, sqlStep } from './operation.js'
import { addObject, removeObject } from './schema-objects.js'

export interface ExtensionParams {
  name: string
}

const snapshotOf = (app: string, params: ExtensionParams): ExtensionSnapshot => ({
  kind: 'extension',
  app,
  name: params.name,
})

/** Extensions belong to the database, not to an app: another app may declare the same one. */
const declaredElsewhere = (state: SchemaState, app: string, name: string) =>
  [...state.objects.values()].some((o) => o.kind === 'extension' && o.name === name && o.app !== app)

export class AddExtension extends Operation<ExtensionParams> {
  readonly kind = 'addExtension' as const
  apply(state: SchemaState): void {
    addObject(state, snapshotOf(this.app, this.params), 'addExtension')
  }
  toSql(): Step[] {
    return [sqlStep(createExtensionSql(this.params.name))]
  }
  reverse(): Operation {
    return new DropExtension(this.app, this.params)
  }
  describe(): string {
    return `add extension ${this.params.name}`
  }
}

export class DropExtension extends Operation<ExtensionParams> {
  readonly kind = 'dropExtension' as const
  apply(state: SchemaState): void {
    removeObject(state, snapshotOf(this.app, this.params), 'dropExtension')
  }
  toSql(state: SchemaState): Step[] {
    return declaredElsewhere(state, this.app, this.params.name) ? [] : [sqlStep(dropExtensionSql(this.params.name))]
  }
  reverse(): Operation {
    return new AddExtension(this.app, this.params)
  }
  describe(): string {
    return `drop extension ${this.params.name}`
  }
}

/** The extensions that `operations` create: what a database must be able to load to run them. */
export function extensionsAdded(operations: readonly Operation[]): string[] {
  const names = new Set<string>()
  for (const o of operations) if (o instanceof AddExtension) names.add(o.params.name)
  return [...names]
}
