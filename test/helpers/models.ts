/** Helpers for differ and replay tests: model → snapshot, diff → replay, generated files → operations. */
import { createRegistry } from '../../src/model/registry.js'
import { type App, defineApp } from '../../src/model/define.js'
import { diffApp, type DiffOptions, type AppDiff } from '../../src/core/differ/diff.js'
import { replay } from '../../src/core/operations/replay.js'
import { SchemaState, type SnapshotData } from '../../src/core/state/snapshot.js'
import { modelSnapshot, type ModelSnapshot } from '../../src/model/to-snapshot.js'
import type { TableClass } from '../../src/model/columns.js'

export function model(...apps: App[]): ModelSnapshot {
  return modelSnapshot(createRegistry(apps))
}

export function app(name: string, tables: TableClass[], dependencies: string[] = []): App {
  return defineApp({ name, tables, dependencies })
}

export const emptySnapshot = (): SnapshotData => ({ tables: [], enums: [] })

/** Diffs every app of `to` in order and replays the result onto `from`. */
export function diffAll(
  from: SnapshotData,
  to: ModelSnapshot,
  options: DiffOptions = {},
): { diffs: AppDiff[]; after: SnapshotData } {
  const state = SchemaState.from(from)
  const diffs: AppDiff[] = []
  const apps = [...new Set([...from.tables.map((t) => t.app), ...to.snapshot.tables.map((t) => t.app)])]
  for (const name of apps) {
    const diff = diffApp(state.toData(), to.snapshot, name, { hints: to.hints, ...options })
    replay([{ app: name, id: 'x', operations: diff.operations }], state)
    diffs.push(diff)
  }
  return { diffs, after: state.toData() }
}
