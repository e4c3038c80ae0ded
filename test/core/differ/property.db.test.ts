/**
 * The diff between two random models runs on a real database: Postgres built from A takes the
 * migration forwards (and then looks exactly like B built from scratch) and backwards (and then looks
 * exactly like A again). See helpers/arbitraries.ts for the models and helpers/scenarios.ts for the
 * round trip. PROPERTY_DB_RUNS sets the number of runs, PROPERTY_SEED replays a failure's seed.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { diffDecliningRenames, modelPairArb, tryBuildModel } from '../../helpers/arbitraries.js'
import { describeEngines } from '../../helpers/databases.js'
import { roundTrip } from '../../helpers/scenarios.js'

describeEngines('random migrations on a real database', { database: 'shared' }, (ctx) => {
  it(
    'the diff from A to B takes a database built from A to B, and backwards to A',
    async () => {
      const kind = ctx().kind
      await fc.assert(
        fc.asyncProperty(modelPairArb, async ([specA, specB]) => {
          const a = tryBuildModel(specA)
          const b = tryBuildModel(specB)
          fc.pre(a !== undefined && b !== undefined)
          const diff = diffDecliningRenames(a!.snapshot, b!, { allowDestructive: true })
          let result: Awaited<ReturnType<typeof roundTrip>>
          try {
            result = await roundTrip(ctx().engine, {
              start: a!.snapshot,
              operations: (m) => m.operations.push(...diff.operations),
            })
          } catch (error) {
            // The migration, to read next to the error.
            if (!process.env.PROPERTY_SHRINK) console.log(diff.operations.map((o) => o.toSource('')).join('\n'))
            throw error
          }
          expect(result.snapshotAfter.tables.length).toBe(b!.snapshot.tables.length)
        }),
        {
          numRuns: Number(process.env.PROPERTY_DB_RUNS ?? (kind === 'pg' ? 40 : 15)),
          endOnFailure: !process.env.PROPERTY_SHRINK,
          ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
        },
      )
    },
    process.env.PROPERTY_DB_RUNS ? 3_600_000 : 120_000,
  )
})
