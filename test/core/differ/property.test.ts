/**
 * Properties of the differ and the operations over random pairs of models (see helpers/arbitraries.ts):
 * the diff from A to B, replayed on A's snapshot, gives B; its reverse gives A back; diffing again
 * finds nothing; the same inputs give the same migration source, byte for byte.
 * PROPERTY_RUNS sets the number of runs (default 300), PROPERTY_SEED replays a failure's seed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AppDiff } from '../../../src/core/differ/diff.js'
import { replay, stepsOf } from '../../../src/core/operations/replay.js'
import { SchemaState, canonicalSnapshot } from '../../../src/core/state/snapshot.js'
import { diffDecliningRenames, modelPairArb, tryBuildModel } from '../../helpers/arbitraries.js'

const runs = Number(process.env.PROPERTY_RUNS ?? 300)

const source = (diff: AppDiff) => diff.operations.map((o) => o.toSource()).join('\n')

describe('the differ on random pairs of models', () => {
  it(
    'applying diff(A, B) to A gives B; backwards gives A; a second diff is empty; the source is stable',
    () => {
      fc.assert(
        fc.property(modelPairArb, ([specA, specB]) => {
          const a = tryBuildModel(specA)
          const b = tryBuildModel(specB)
          fc.pre(a !== undefined && b !== undefined)
          const diff = diffDecliningRenames(a!.snapshot, b!, { allowDestructive: true })
          const migration = { app: 'blog', id: 'x', operations: diff.operations }

          // Replay gives B exactly.
          const replayed = replay([migration], SchemaState.from(a!.snapshot)).toData()
          expect(canonicalSnapshot(replayed)).toEqual(canonicalSnapshot(b!.snapshot))
          // Every operation produces SQL forwards and backwards, and backwards returns to A.
          const state = SchemaState.from(a!.snapshot)
          stepsOf(migration, state, 'forwards')
          expect(canonicalSnapshot(state.toData())).toEqual(canonicalSnapshot(b!.snapshot))
          stepsOf(migration, state, 'backwards')
          expect(canonicalSnapshot(state.toData())).toEqual(canonicalSnapshot(a!.snapshot))
          // Nothing is left to migrate.
          expect(
            diffDecliningRenames(replayed, b!, { allowDestructive: true }).operations.map((o) => o.describe()),
          ).toEqual([])
          // Same inputs, same bytes; the replayed form of A (as the runner sees it) gives the same file.
          expect(source(diffDecliningRenames(a!.snapshot, b!, { allowDestructive: true }))).toBe(source(diff))
          expect(
            source(diffDecliningRenames(SchemaState.from(a!.snapshot).toData(), b!, { allowDestructive: true })),
          ).toBe(source(diff))
          // Without allowDestructive, exactly the destructive operations are held back.
          const safe = diffDecliningRenames(a!.snapshot, b!)
          expect(safe.operations.some((o) => o.destructive)).toBe(false)
          expect([...safe.operations, ...safe.held].map((o) => o.describe()).sort()).toEqual(
            diff.operations.map((o) => o.describe()).sort(),
          )
        }),
        { numRuns: runs, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
      )
      // About 5 ms a run: the time limit grows with PROPERTY_RUNS.
    },
    Math.max(120_000, runs * 20),
  )
})
