/**
 * The drift section of the dev page: differences between the live dev database and what its
 * applied migrations describe, as `auto-migrations drift` finds them (./drift.ts).
 */
import type { Engine } from '../../runtime/engines/engine.js'
import { findDrift } from './drift.js'
import type { DriftLine } from './overview.js'
import type { RecordedProjectState } from './project-state.js'

export async function pageDrift(replayed: RecordedProjectState, engine: Engine): Promise<DriftLine[]> {
  // Without a sound history there is no expected schema to compare with (Problems says why).
  if (replayed.errors.length > 0) return [{ description: 'Not compared: the migration history has problems.' }]
  const { differences } = await findDrift(replayed, { engine })
  return differences.map((d) => ({ description: d.message }))
}
