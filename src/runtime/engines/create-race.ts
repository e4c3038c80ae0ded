/**
 * Errors of `CREATE … IF NOT EXISTS` when another session creates the same object at the same
 * instant: a unique violation on the catalog (23505), the relation, schema or row type already
 * there (42P07, 42P06, 42710). The other session has committed by the time we see it, so trying
 * once more succeeds.
 */
const RACE_CODES = new Set(['23505', '42P07', '42P06', '42710'])

export const isCreateRace = (error: unknown): boolean => RACE_CODES.has(String((error as { code?: unknown }).code))
