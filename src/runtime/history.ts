/**
 * The history table: one row per migration that ran, per app.
 *
 * Besides the functions that run a statement, the insert and delete are also available as SQL
 * strings, so the runner can append them to a migration's multi-statement batch: the schema change
 * and its history row then commit together, in one round trip.
 */

import { qualifiedName, quoteIdent, quoteLiteral } from '../core/postgres/quote.js'
import { AutoMigrationsError } from '../errors.js'
import { isCreateRace } from './engines/create-race.js'
import type { Queryable } from './engines/engine.js'

export const HISTORY_TABLE = 'auto_migrations'
/** The steps that committed of migrations with steps outside their transaction, until they finish. */
export const PROGRESS_TABLE = 'auto_migrations_progress'
export const DEFAULT_HISTORY_SCHEMA = 'public'

export interface HistoryRow {
  id: number
  app: string
  migrationId: string
  description: string
  /** Checksum of the migration's recorded operations at the time it ran. */
  checksum: string
  ranOn: Date
  /** Null when not measured (for example a row written by `fake`). */
  durationMs: number | null
}

export interface NewHistoryRow {
  app: string
  migrationId: string
  description?: string
  checksum: string
  /**
   * Omitted: measured by Postgres as the time since the current transaction started, which, when
   * the insert ends the migration's batch or transaction, is the migration's own run time.
   */
  durationMs?: number | null
}

/** A migration that runs steps outside its transaction, some of which committed. */
export interface ProgressRow {
  app: string
  migrationId: string
  checksum: string
  /** Which way it was running. */
  direction: 'forwards' | 'backwards'
  /** How many of its groups of steps committed (the next run starts at this one). */
  stepsDone: number
  stepsTotal: number
}

function table(schema: string): string {
  return qualifiedName(schema, HISTORY_TABLE)
}

function progressTable(schema: string): string {
  return qualifiedName(schema, PROGRESS_TABLE)
}

/** `CREATE SCHEMA IF NOT EXISTS` (unless public) and `CREATE TABLE IF NOT EXISTS` for the history table. */
export function createHistoryTableSql(schema: string = DEFAULT_HISTORY_SCHEMA): string {
  const statements: string[] = []
  if (schema !== 'public') statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`)
  statements.push(
    `CREATE TABLE IF NOT EXISTS ${table(schema)} (
  id serial PRIMARY KEY,
  app text NOT NULL,
  migration_id text NOT NULL,
  description text NOT NULL DEFAULT '',
  checksum text NOT NULL,
  ran_on timestamptz NOT NULL DEFAULT now(),
  duration_ms integer,
  UNIQUE (app, migration_id)
);`,
    `CREATE TABLE IF NOT EXISTS ${progressTable(schema)} (
  app text NOT NULL,
  migration_id text NOT NULL,
  checksum text NOT NULL,
  direction text NOT NULL,
  steps_done integer NOT NULL,
  steps_total integer NOT NULL,
  updated_on timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app, migration_id)
);`,
  )
  return statements.join('\n')
}

/**
 * Creates the history table on first use. Best run under the migration lock: `IF NOT EXISTS` is
 * not safe against two sessions creating the table at the same instant (one gets a unique
 * violation on the catalog, 23505), which is tolerated here by trying once more.
 * (Not inside a transaction: there the first error aborts it and the retry cannot run.)
 */
export async function ensureHistoryTable(q: Queryable, schema: string = DEFAULT_HISTORY_SCHEMA): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await q.exec(createHistoryTableSql(schema))
      return
    } catch (error) {
      // Once more: IF NOT EXISTS then sees the other session's schema and table.
      if (isCreateRace(error) && attempt === 0) continue
      throw error
    }
  }
}

export async function historyTableExists(q: Queryable, schema: string = DEFAULT_HISTORY_SCHEMA): Promise<boolean> {
  const { rows } = await q.query<{ found: boolean }>('select to_regclass($1) is not null as found', [table(schema)])
  return rows[0]?.found === true
}

/**
 * Every history row, in the order the migrations ran (by id). An absent table reads as no history,
 * so `status` on a fresh database creates nothing.
 */
export async function readHistory(q: Queryable, schema: string = DEFAULT_HISTORY_SCHEMA): Promise<HistoryRow[]> {
  if (!(await historyTableExists(q, schema))) return []
  const { rows } = await ofOurShape(schema, () =>
    q.query<{
      id: number
      app: string
      migration_id: string
      description: string
      checksum: string
      ran_on: Date | string
      duration_ms: number | null
    }>(
      `select id, app, migration_id, description, checksum, ran_on, duration_ms
       from ${table(schema)} order by id`,
    ),
  )
  return rows.map((row) => ({
    id: Number(row.id),
    app: row.app,
    migrationId: row.migration_id,
    description: row.description,
    checksum: row.checksum,
    ranOn: row.ran_on instanceof Date ? row.ran_on : new Date(row.ran_on),
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  }))
}

/**
 * Runs a read of the history table, turning "no such column" into HISTORY_TABLE_CONFLICT: a table of
 * that name that another tool made (or an old copy) must not be mistaken for ours, nor written to.
 */
async function ofOurShape<T>(schema: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if ((error as { code?: unknown }).code !== '42703') throw error
    throw new AutoMigrationsError(
      'HISTORY_TABLE_CONFLICT',
      `The table ${table(schema)} exists but is not this tool's history table (${(error as Error).message}): another tool may use that name. ` +
        "Give this project's history its own schema (historySchema in the config, for example 'auto_migrations'), or rename that table.",
      { table: table(schema) },
      { cause: error },
    )
  }
}

/** The migrations that stopped between their steps outside a transaction (empty before the first run). */
export async function readProgress(q: Queryable, schema: string = DEFAULT_HISTORY_SCHEMA): Promise<ProgressRow[]> {
  const { rows: found } = await q.query<{ found: boolean }>('select to_regclass($1) is not null as found', [
    progressTable(schema),
  ])
  if (found[0]?.found !== true) return []
  const { rows } = await q.query<{
    app: string
    migration_id: string
    checksum: string
    direction: string
    steps_done: number
    steps_total: number
  }>(`select app, migration_id, checksum, direction, steps_done, steps_total from ${progressTable(schema)}`)
  return rows.map((row) => ({
    app: row.app,
    migrationId: row.migration_id,
    checksum: row.checksum,
    direction: row.direction === 'backwards' ? 'backwards' : 'forwards',
    stepsDone: Number(row.steps_done),
    stepsTotal: Number(row.steps_total),
  }))
}

/** Records that `row.stepsDone` groups of a migration committed (for a batch or a transaction). */
export function upsertProgressSql(schema: string, row: ProgressRow): string {
  return (
    `INSERT INTO ${progressTable(schema)} (app, migration_id, checksum, direction, steps_done, steps_total) VALUES (` +
    `${quoteLiteral(row.app)}, ${quoteLiteral(row.migrationId)}, ${quoteLiteral(row.checksum)}, '${row.direction}', ${row.stepsDone}, ${row.stepsTotal}) ` +
    'ON CONFLICT (app, migration_id) DO UPDATE SET checksum = excluded.checksum, direction = excluded.direction, steps_done = excluded.steps_done, steps_total = excluded.steps_total, updated_on = now()'
  )
}

/** Forgets a migration's progress (it finished, or was reversed). */
export function deleteProgressSql(schema: string, app: string, migrationId: string): string {
  return `DELETE FROM ${progressTable(schema)} WHERE app = ${quoteLiteral(app)} AND migration_id = ${quoteLiteral(migrationId)}`
}

/** The INSERT of one history row, with every value inlined as a literal (for a batch). */
export function insertHistoryRowSql(schema: string, row: NewHistoryRow): string {
  const duration =
    row.durationMs === undefined
      ? 'round(extract(epoch from (clock_timestamp() - now())) * 1000)::integer'
      : row.durationMs === null
        ? 'NULL'
        : String(Math.round(row.durationMs))
  return (
    `INSERT INTO ${table(schema)} (app, migration_id, description, checksum, duration_ms) VALUES (` +
    `${quoteLiteral(row.app)}, ${quoteLiteral(row.migrationId)}, ${quoteLiteral(row.description ?? '')}, ` +
    `${quoteLiteral(row.checksum)}, ${duration});`
  )
}

/** The DELETE of one app's history row (for a batch). */
export function deleteHistoryRowSql(schema: string, app: string, migrationId: string): string {
  return `DELETE FROM ${table(schema)} WHERE app = ${quoteLiteral(app)} AND migration_id = ${quoteLiteral(migrationId)};`
}

export async function insertHistoryRow(q: Queryable, schema: string, row: NewHistoryRow): Promise<void> {
  await q.exec(insertHistoryRowSql(schema, row))
}

export async function deleteHistoryRow(q: Queryable, schema: string, app: string, migrationId: string): Promise<void> {
  await q.exec(deleteHistoryRowSql(schema, app, migrationId))
}
