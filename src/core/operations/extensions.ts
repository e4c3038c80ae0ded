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

const CREATE_EXTENSION = /create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"([^"]+)"|([\w-]+))/gi

/**
 * The extensions that `operations` create, forwards or backwards: what a database must be able to
 * load to run them. Raw SQL counts too (`manager.sql('create extension hstore')` in a hand-written
 * migration).
 */
export function extensionsAdded(operations: readonly Operation[]): string[] {
  const names = new Set<string>()
  for (const o of operations) {
    // A dropped one too: running backwards creates it again.
    if (o instanceof AddExtension || o instanceof DropExtension) names.add(o.params.name)
    else if (o.kind === 'sql') {
      const { forwards, backwards } = o.params as { forwards?: unknown; backwards?: unknown }
      for (const text of [forwards, backwards])
        if (typeof text === 'string')
          for (const m of text.matchAll(CREATE_EXTENSION)) names.add(m[1] ?? m[2]!.toLowerCase())
    }
  }
  return [...names]
}
