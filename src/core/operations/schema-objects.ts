/** What the operations on extensions, views, functions and triggers share: finding and keeping them in the state. */
import { AutoMigrationsError } from '../../errors.js'
import { type SchemaObjectSnapshot, type SchemaState, objectKey } from '../state/snapshot.js'
import type { SqlExpression } from '../state/sql.js'

/** SQL in an operation's params: `sql\`…\`` in generated files, a plain string in hand-written ones. */
export type SqlText = SqlExpression | string

export const textOf = (value: SqlText): string => (typeof value === 'string' ? value : value.text)

const what = (o: SchemaObjectSnapshot) =>
  o.kind === 'view'
    ? `view ${o.className}`
    : o.kind === 'trigger'
      ? `trigger "${o.name}" on ${o.table}`
      : `${o.kind} "${o.name}"`

/** The object as the state holds it; REPLAY_FAILED when it is not there. */
export function requireObject<T extends SchemaObjectSnapshot>(state: SchemaState, wanted: T, operation: string): T {
  const found = state.objects.get(objectKey(wanted))
  if (!found) {
    throw new AutoMigrationsError(
      'REPLAY_FAILED',
      `${operation}: ${what(wanted)} of app "${wanted.app}" does not exist at this point of the history.`,
      { app: wanted.app, operation },
    )
  }
  return found as T
}

/** Adds the object to the state; REPLAY_FAILED when it is there already. */
export function addObject(state: SchemaState, object: SchemaObjectSnapshot, operation: string): void {
  const key = objectKey(object)
  if (state.objects.has(key)) {
    throw new AutoMigrationsError(
      'REPLAY_FAILED',
      `${operation}: ${what(object)} of app "${object.app}" already exists.`,
      { app: object.app, operation },
    )
  }
  state.objects.set(key, object)
}

export function replaceObject(state: SchemaState, object: SchemaObjectSnapshot, operation: string): void {
  requireObject(state, object, operation)
  state.objects.set(objectKey(object), object)
}

export function removeObject(state: SchemaState, object: SchemaObjectSnapshot, operation: string): void {
  requireObject(state, object, operation)
  state.objects.delete(objectKey(object))
}
