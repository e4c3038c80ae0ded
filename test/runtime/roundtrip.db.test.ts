/**
 * The runner's round trip over random histories, on Postgres 15 and on PGlite.
 *
 * For a random sequence of schema versions S0…Sn of three apps (`auth`; `blog`, which points foreign
 * keys at auth's tables; `shop`, which points at both; see helpers/sequences.ts), each version's
 * migrations are planned by the product's differ, given their `DEPENDS_ON` as the product does,
 * rendered as migration files and read back, and applied with the
 * runner's `migrate()`. After each version the database must introspect exactly like a separate
 * database built from scratch from Si (so defaults, checks and indexes compare as Postgres normalises
 * them) and match Si's tables, columns, nullability, keys and enums. Then `rollback({ app, steps: 1 })`,
 * newest migration first (in the reverse of the order they ran), must give back every earlier Si,
 * down to an empty database. And the whole history, run at once on an empty database in the order
 * of the migration graph (as a fresh deployment runs it), must give Sn: tables that other apps
 * pointed at are dropped, renamed and re-keyed freely, so the graph must never be unbuildable.
 *
 * Versions the model reader refuses are skipped.
 *
 * PROPERTY_DB_RUNS sets the number of runs per engine; PROPERTY_SEED replays a failure's seed
 * (PROPERTY_PATH, the path fast-check reports, goes straight to the failing run); PROPERTY_SHRINK=1
 * shrinks it.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrationOrder } from '../../src/core/migration-graph.js'
import type { SnapshotData } from '../../src/core/state/snapshot.js'
import { canonicalSnapshot } from '../../src/core/state/snapshot.js'
import { readHistory } from '../../src/runtime/history.js'
import type { PhysicalSchema } from '../../src/runtime/introspect.js'
import { createMigrator } from '../../src/runtime/runner.js'
import type { ModelSnapshot } from '../../src/model/to-snapshot.js'
import { type EngineContext, type EngineKind, freshEngine, resetDatabase } from '../helpers/databases.js'
import { buildFromScratch, physical } from '../helpers/scenarios.js'
import {
  APPS,
  type AppsSpec,
  buildVersion,
  expectStructure,
  features,
  HAND_WRITTEN,
  planVersion,
  replayHistory,
  SCHEMAS,
  sequenceArb,
  type WrittenMigration,
  writeMigrations,
} from '../helpers/sequences.js'

type Engines = {
  main: EngineContext & { cleanup(): Promise<void> }
  scratch: EngineContext & { cleanup(): Promise<void> }
}

/** Tables and enums: the migrated database may keep a schema a table has left. */
const contents = (schema: PhysicalSchema) => ({ tables: schema.tables, enums: schema.enums })

interface Version {
  model: ModelSnapshot
  migrations: WrittenMigration[]
}

/** Plans and writes every version's migrations (pure: no database), skipping versions the product can't take. */
async function history(specs: AppsSpec[], seen: Map<string, number>): Promise<Version[]> {
  const versions: Version[] = []
  let written: WrittenMigration[] = []
  for (const spec of specs) {
    const model = buildVersion(spec)
    if (!model) continue
    const replayed = replayHistory(written)
    const plans = planVersion(replayed, model)
    let migrations: WrittenMigration[]
    try {
      migrations = await writeMigrations(plans, versions.length, written)
    } catch (error) {
      // Two apps' migrations that would need each other and can't be split: refused, nothing written.
      if ((error as { code?: string }).code !== 'MIGRATION_CYCLE') throw error
      seen.set('refused: cycle', (seen.get('refused: cycle') ?? 0) + 1)
      continue
    }
    written = [...written, ...migrations]
    // Replaying the files gives the model (column order aside).
    expect(canonicalSnapshot(replayHistory(written).toData())).toEqual(canonicalSnapshot(model.snapshot))
    versions.push({ model, migrations })
    for (const f of features(model, migrations)) seen.set(f, (seen.get(f) ?? 0) + 1)
  }
  return versions
}

const empty: SnapshotData = { tables: [], enums: [] }

async function roundTrip(engines: Engines, versions: Version[]): Promise<number> {
  const { main, scratch } = engines
  await resetDatabase(main.engine)
  const all = versions.flatMap((v) => v.migrations)
  const after: PhysicalSchema[] = []
  for (const [at, version] of versions.entries()) {
    const known = versions.slice(0, at + 1).flatMap((v) => v.migrations)
    const result = await createMigrator({ apps: APPS, migrations: known, database: main.engine }).migrate()
    const ran = migrationOrder(APPS, known).filter((m) => version.migrations.includes(m))
    expect(result.applied.map((m) => `${m.app} ${m.id}`)).toEqual(ran.map((m) => `${m.app} ${m.id}`))
    const migrated = await physical(main.engine, SCHEMAS)
    await resetDatabase(scratch.engine)
    await buildFromScratch(scratch.engine, version.model.snapshot)
    const fromScratch = await physical(scratch.engine, SCHEMAS)
    expect(contents(migrated), `version ${at}: migrated vs built from scratch`).toEqual(contents(fromScratch))
    expectStructure(migrated, version.model.snapshot)
    after.push(migrated)
  }
  expect((await readHistory(main.engine)).length).toBe(all.length)
  // The whole history also builds an empty database at once (in graph order, as a fresh deployment
  // runs it): the same schema as the one migrated version by version.
  await resetDatabase(scratch.engine)
  await createMigrator({ apps: APPS, migrations: all, database: scratch.engine }).migrate()
  expect(contents(await physical(scratch.engine, SCHEMAS)), 'the whole history run on an empty database').toEqual(
    contents(after.at(-1)!),
  )
  const migrator = createMigrator({ apps: APPS, migrations: all, database: main.engine })
  expect((await migrator.status()).map((s) => s.state)).toEqual(all.map(() => 'ran'))

  // Backwards, one migration at a time, newest first, version by version.
  for (let at = versions.length - 1; at >= 0; at--) {
    const known = versions.slice(0, at + 1).flatMap((v) => v.migrations)
    for (const m of migrationOrder(APPS, known)
      .filter((x) => versions[at]!.migrations.includes(x))
      .reverse()) {
      const { reversed } = await migrator.rollback({ app: m.app, steps: 1 })
      expect(reversed.map((r) => `${r.app} ${r.id}`)).toEqual([`${m.app} ${m.id}`])
    }
    const back = await physical(main.engine, SCHEMAS)
    if (at > 0) expect(contents(back), `back to version ${at - 1}`).toEqual(contents(after[at - 1]!))
    else expect(contents(back), 'back to an empty database').toEqual({ tables: [], enums: [] })
    expectStructure(back, at > 0 ? versions[at - 1]!.model.snapshot : empty)
  }
  expect(await readHistory(main.engine)).toEqual([])
  return all.length
}

for (const kind of ['pg', 'pglite'] as EngineKind[]) {
  describe(`runner round trip over random histories of several apps [${kind}]`, () => {
    let engines: Engines | undefined
    beforeAll(async () => {
      const [main, scratch] = await Promise.all([freshEngine(kind), freshEngine(kind)])
      engines = { main, scratch }
    })
    afterAll(async () => {
      await Promise.all([engines?.main.cleanup(), engines?.scratch.cleanup()])
      engines = undefined
    })

    it('a hand-written history with every kind of name, rename, cast and key across apps', async () => {
      const seen = new Map<string, number>()
      const versions = await history(HAND_WRITTEN, seen)
      expect(versions.length).toBe(HAND_WRITTEN.length)
      expect([...seen.keys()].sort()).toEqual(
        [
          '63-byte name',
          'column rename (hint)',
          'composite constraint',
          'depends on a dependent app',
          'double quote',
          'enum',
          'enum change',
          'foreign key across apps',
          'mixed case',
          'reserved word',
          'table rename (hint)',
          'type change',
          'type change of a key blog points at',
        ].sort(),
      )
      await roundTrip(engines!, versions)
    })

    it(
      'migrate() takes the database through S0…Sn; rollback({ steps: 1 }) takes it back through every Si',
      async () => {
        const runs = Number(process.env.PROPERTY_DB_RUNS ?? 8)
        const seen = new Map<string, number>()
        let executed = 0
        let versionCount = 0
        let migrationCount = 0
        const started = performance.now()
        await fc.assert(
          fc.asyncProperty(sequenceArb({ min: 4, max: 6 }), async (specs) => {
            const versions = await history(specs, seen)
            fc.pre(versions.length >= 2)
            try {
              migrationCount += await roundTrip(engines!, versions)
            } catch (error) {
              // The files of the failing history, to read next to the error.
              if (!process.env.PROPERTY_SHRINK)
                console.log(versions.flatMap((v) => v.migrations.map((m) => `// ${m.file}\n${m.text}`)).join('\n'))
              throw error
            }
            versionCount += versions.length
            executed++
          }),
          {
            numRuns: runs,
            endOnFailure: !process.env.PROPERTY_SHRINK,
            ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
            ...(process.env.PROPERTY_PATH ? { path: process.env.PROPERTY_PATH } : {}),
          },
        )
        const summary = [...seen].sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, n]) => `${f} ${n}`)
        console.log(
          `[${kind}] ${executed} runs, ${versionCount} versions, ${migrationCount} migrations applied and rolled back in ${Math.round(performance.now() - started)} ms; versions with: ${summary.join(', ')}`,
        )
      },
      process.env.PROPERTY_DB_RUNS ? 3_600_000 : 120_000,
    )
  })
}
