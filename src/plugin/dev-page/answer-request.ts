/** An answer as the page posts it, checked: anything else is refused with what was expected. */
import type { WaitingAnswer } from '../../build/project/overview.js'

export function parseAnswer(body: string): WaitingAnswer | string {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return 'The answer is not JSON.'
  }
  if (typeof value !== 'object' || value === null) return 'The answer is not an object.'
  const { kind, app, key, rename } = value as Record<string, unknown>
  if (typeof app !== 'string' || app === '') return 'The answer names no app.'
  if (kind === 'destructive') return { kind, app }
  if (kind === 'rename' && typeof key === 'string' && typeof rename === 'boolean') return { kind, app, key, rename }
  return 'Answer with { kind: "rename", app, key, rename: true | false } or { kind: "destructive", app }.'
}
