/**
 * The diff between two random models runs on a real database: Postgres built from A takes the
 * migration forwards (and then looks exactly like B built from scratch) and backwards (and then looks
 * exactly like A again). See helpers/arbitraries.ts for the models and helpers/scenarios.ts for the
 * round trip.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { AlterColumn, DropColumn, type Operation } from '../../src/migration/operations/index.js'
import { diffDecliningRenames, modelPairArb, tryBuildModel } from '../helpers/arbitraries.js'
import { describeSharedEngines, roundTrip } from '../helpers/scenarios.js'

/**
 * Known limit (a design one, see the report): a primary key that a foreign key points at, replaced or
 * dropped while the foreign key moves elsewhere. The foreign key's constraint would have to go before
 * the old key and come back after the new one, but both belong to one alterColumn of the foreign key
 * column, which can't be in two places: Postgres refuses the order the differ writes.
 */
function replacesReferencedKey(operations: readonly Operation[]): boolean {
  const keyDropped = (table: string, column: string) =>
    operations.some(
      (o) =>
        (o instanceof DropColumn && o.params.params.primaryKey) || (o instanceof AlterColumn && o.params.params.primaryKey === false)
          ? o.params.tableClassName === table && (o instanceof DropColumn ? o.params.columnName : o.params.columnName) === column
          : false,
    )
  return operations.some((o) => {
    const old = o instanceof AlterColumn && 'references' in o.params.params ? o.params.oldParams.references : undefined
    return old ? keyDropped(old.table, old.column) : false
  })
}

describeSharedEngines('random migrations on a real database', (ctx) => {
  it('the diff from A to B takes a database built from A to B, and backwards to A', async () => {
    const kind = ctx().kind
    await fc.assert(
      fc.asyncProperty(modelPairArb, async ([specA, specB]) => {
        const a = tryBuildModel(specA)
        const b = tryBuildModel(specB)
        fc.pre(a !== undefined && b !== undefined)
        const diff = diffDecliningRenames(a!.snapshot, b!, { allowDestructive: true })
        fc.pre(!replacesReferencedKey(diff.operations))
        const result = await roundTrip(ctx().engine, { start: a!.snapshot, operations: (m) => m.operations.push(...diff.operations) })
        expect(result.snapshotAfter.tables.length).toBe(b!.snapshot.tables.length)
      }),
      { numRuns: Number(process.env.PROPERTY_DB_RUNS ?? (kind === 'pg' ? 40 : 15)), endOnFailure: !process.env.PROPERTY_SHRINK },
    )
  }, process.env.PROPERTY_DB_RUNS ? 3_600_000 : 120_000)
})
