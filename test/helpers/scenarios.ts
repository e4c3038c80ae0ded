/**
 * Scenario helpers for operation tests: build a starting schema on a real database, run one
 * migration forwards then backwards, and check the database and the snapshot after each direction.
 * Use them inside `describeEngines(name, body, { database: 'shared' })` (test/helpers/databases.ts).
 */
import { expect } from 'vitest'
import { diffApp } from '../../src/core/differ/diff.js'
import { MigrationManager } from '../../src/core/operations/manager.js'
import type { Operation, Step } from '../../src/core/operations/index.js'
import { type MigrationStep, replay, stepsOf } from '../../src/core/operations/replay.js'
import { SchemaState, type SnapshotData, canonicalSnapshot } from '../../src/core/state/snapshot.js'
import type { Engine, Queryable } from '../../src/runtime/engines/engine.js'
import { type PhysicalSchema, type PhysicalTable, introspect } from '../../src/runtime/introspect.js'
import { resetDatabase } from './databases.js'

/** The SQL text of planned steps (raw functions show as `<raw>`). */
export function sqlOf(steps: readonly MigrationStep[]): string[] {
  return steps.map((s) => (s.step.kind === 'sql' ? s.step.sql : '<raw>'))
}

/**
 * Runs steps as the runner does: consecutive transactional steps in one transaction, a
 * non-transactional one (CREATE INDEX CONCURRENTLY, ADD VALUE…) on its own.
 */
export async function runSteps(engine: Engine, steps: readonly MigrationStep[]): Promise<void> {
  let batch: Step[] = []
  const flush = async () => {
    if (!batch.length) return
    const todo = batch
    batch = []
    await engine.transaction(async (tx) => {
      for (const step of todo) {
        if (step.kind === 'sql') await tx.exec(step.sql)
        else await step.run(tx)
      }
    })
  }
  for (const { step } of steps) {
    if (step.transactional) batch.push(step)
    else {
      await flush()
      if (step.kind === 'sql') await engine.exec(step.sql)
    }
  }
  await flush()
}

/** A migration of `app` recorded by `record`, as a migration file's forwards() would. */
export function migration(
  app: string,
  record: (m: MigrationManager) => void,
): { app: string; id: string; operations: Operation[] } {
  const manager = new MigrationManager({ migrationId: '2026-01-01T00:00:00:000000', appName: app })
  record(manager)
  return { app, id: manager.migrationId, operations: manager.operations }
}

/** The apps that hold something in a snapshot: tables, enums, or other objects (views, extensions...). */
const appsOf = (snapshot: SnapshotData): string[] => [
  ...new Set([...snapshot.tables, ...snapshot.enums, ...(snapshot.objects ?? [])].map((x) => x.app)),
]

/** Creates `snapshot` on an empty database from scratch (the differ's operations from nothing). */
export async function buildFromScratch(engine: Engine, snapshot: SnapshotData): Promise<void> {
  const state = new SchemaState()
  const apps = appsOf(snapshot)
  for (const app of apps) {
    const diff = diffApp(state.toData(), snapshot, app, { allowDestructive: true })
    expect(diff.questions).toEqual([])
    await runSteps(engine, stepsOf({ app, id: 'scratch', operations: diff.operations }, state, 'forwards'))
  }
}

export function schemasOf(snapshot: SnapshotData): string[] {
  return [
    ...new Set(['public', ...snapshot.tables.map((t) => t.schema), ...snapshot.enums.map((e) => e.schema)]),
  ].sort()
}

/**
 * The physical schema in a form where two databases with the same schema compare equal: columns by
 * name (ADD COLUMN appends), serial sequences by role (a renamed table keeps its sequence's name).
 */
export function comparable(schema: PhysicalSchema): PhysicalSchema {
  const tables = schema.tables.map(
    (t): PhysicalTable => ({
      ...t,
      columns: [...t.columns]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((c) => ({ ...c, default: c.serial ? 'nextval(<owned sequence>)' : c.default })),
    }),
  )
  return { ...schema, tables }
}

export async function physical(engine: Queryable, schemas: string[]): Promise<PhysicalSchema> {
  return comparable(await introspect(engine, { schemas }))
}

export interface ScenarioOptions {
  app?: string
  /** The starting schema: a model snapshot (built with the differ) … */
  start?: SnapshotData
  /** … and/or operations run first. */
  setup?: (m: MigrationManager) => void
  /** SQL run after the setup (rows that must survive or be checked). */
  seed?: string
  /** The migration under test. */
  operations: (m: MigrationManager) => void
  /** Schemas to introspect besides public and the snapshot's. */
  schemas?: string[]
  afterForwards?: (db: Engine, physicalAfter: PhysicalSchema) => Promise<void> | void
  afterBackwards?: (db: Engine, physicalBack: PhysicalSchema) => Promise<void> | void
  /** Compare the migrated database with one built from scratch from the snapshot (default true). */
  compareWithScratch?: boolean
  /** Extensions created after each reset (emptying the database drops them with its schemas). */
  extensions?: string[]
}

export interface ScenarioResult {
  forwards: string[]
  backwards: string[]
  before: PhysicalSchema
  after: PhysicalSchema
  back: PhysicalSchema
  snapshotBefore: SnapshotData
  snapshotAfter: SnapshotData
}

/**
 * The whole round trip of one migration, on an emptied database:
 * 1. build the start (model and/or setup operations) and seed it;
 * 2. run the migration forwards: the snapshot must equal a replay of the migration;
 * 3. run it backwards: the database must introspect as before and the snapshot must be the one we
 *    started from (replaying the operations then their reverses is the identity);
 * 4. (default) build the forwards snapshot from scratch in an empty database: it must introspect like
 *    the migrated database did, so the operations' SQL and their effect on the snapshot agree.
 */
export async function roundTrip(engine: Engine, options: ScenarioOptions): Promise<ScenarioResult> {
  const app = options.app ?? 'blog'
  const reset = async () => {
    await resetDatabase(engine)
    for (const name of options.extensions ?? []) await engine.exec(`CREATE EXTENSION IF NOT EXISTS "${name}"`)
  }
  await reset()
  const state = new SchemaState()
  if (options.start) {
    const start = options.start
    const apps = appsOf(start)
    for (const name of apps) {
      const diff = diffApp(state.toData(), start, name, { allowDestructive: true })
      await runSteps(engine, stepsOf({ app: name, id: 'start', operations: diff.operations }, state, 'forwards'))
    }
  }
  if (options.setup) await runSteps(engine, stepsOf(migration(app, options.setup), state, 'forwards'))
  if (options.seed) await engine.exec(options.seed)

  const mig = migration(app, options.operations)
  // Column order is not part of the schema (ADD COLUMN appends): compare canonical forms.
  const snapshotBefore = canonicalSnapshot(state.toData())
  const expectedAfter = canonicalSnapshot(replay([mig], SchemaState.from(snapshotBefore)).toData())
  const schemas = (s: SnapshotData) => [...new Set([...schemasOf(s), ...(options.schemas ?? [])])].sort()

  const before = await physical(engine, schemas(snapshotBefore))
  const forwardSteps = stepsOf(mig, state, 'forwards')
  await runSteps(engine, forwardSteps)
  const snapshotAfter = canonicalSnapshot(state.toData())
  expect(snapshotAfter).toEqual(expectedAfter)
  const after = await physical(engine, schemas(snapshotAfter))
  await options.afterForwards?.(engine, after)

  const backwardSteps = stepsOf(mig, state, 'backwards')
  await runSteps(engine, backwardSteps)
  expect(canonicalSnapshot(state.toData())).toEqual(snapshotBefore)
  const back = await physical(engine, schemas(snapshotBefore))
  // A schema created forwards stays (it may have existed before); everything in it is compared.
  expect({ ...back, schemas: before.schemas }).toEqual(before)
  expect(back.schemas).toEqual(expect.arrayContaining(before.schemas))
  await options.afterBackwards?.(engine, back)

  if (options.compareWithScratch !== false) {
    await reset()
    await buildFromScratch(engine, snapshotAfter)
    expect(await physical(engine, schemas(snapshotAfter))).toEqual(after)
  }
  return {
    forwards: sqlOf(forwardSteps),
    backwards: sqlOf(backwardSteps),
    before,
    after,
    back,
    snapshotBefore,
    snapshotAfter,
  }
}

/** Rows of a query, for data checks. */
export async function rows<R = Record<string, unknown>>(db: Queryable, sql: string): Promise<R[]> {
  return (await db.query<R>(sql)).rows
}
