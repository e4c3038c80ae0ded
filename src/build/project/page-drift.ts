/**
 * The drift section of the dev page: differences between the live dev database and what its
 * applied migrations describe (`auto-migrations drift`). Until drift detection lands, nothing is
 * reported; this is the one place the page takes the list from.
 */
import type { Engine } from '../../runtime/engines/engine.js'
import type { DriftLine } from './overview.js'
import type { RecordedProjectState } from './project-state.js'

export async function pageDrift(_replayed: RecordedProjectState, _engine: Engine): Promise<DriftLine[]> {
  return []
}
