/**
 * Migration IDs and file names. An ID is a UTC timestamp with microseconds
 * (`2026-11-27T10:15:03:123456`): it sorts as text in time order, and people can read when a
 * migration was written. Microseconds are more than a clock gives (milliseconds), which leaves room
 * to bump an ID that would collide without drifting visibly from the real time.
 */
import { AutoMigrationsError } from '../../errors.js'

/** `YYYY-MM-DDTHH:MM:SS:ffffff`, the form SPEC §4 fixes. */
export const MIGRATION_ID_FORMAT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}):(\d{6})$/

const pad = (value: number | bigint, width: number) => String(value).padStart(width, '0')

/** Microseconds since the epoch, as a bigint (a Number loses precision past 2^53 µs, in year 2255). */
export function migrationIdToMicros(id: string): bigint {
  const match = MIGRATION_ID_FORMAT.exec(id)
  if (!match) {
    throw new AutoMigrationsError(
      'INVALID_MIGRATION',
      `"${id}" is not a migration ID like 2026-11-27T10:15:03:123456.`,
      { migrationId: id },
    )
  }
  const [, y, mo, d, h, mi, s, us] = match
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  return BigInt(ms) * 1000n + BigInt(us!)
}

export function microsToMigrationId(micros: bigint): string {
  const ms = micros / 1000n
  const date = new Date(Number(ms))
  const us = micros % 1_000_000n
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}:${pad(us, 6)}`
  )
}

/**
 * A new ID for `now`, later than every existing ID of the app: when the clock says otherwise (two
 * migrations in one millisecond, a clock set back, a merged branch from the future), the greatest
 * existing ID plus one microsecond. IDs of other apps don't matter: uniqueness is per app.
 */
export function newMigrationId(existingIds: Iterable<string>, now: Date = new Date()): string {
  let candidate = BigInt(now.getTime()) * 1000n
  for (const id of existingIds) {
    // A hand-written ID in another form can't be compared in time; the loader rejects those anyway.
    if (!MIGRATION_ID_FORMAT.test(id)) continue
    const existing = migrationIdToMicros(id)
    if (candidate <= existing) candidate = existing + 1n
  }
  return microsToMigrationId(candidate)
}

/** `blog_2026_11_27T10_15_03_123456.ts`: every separator of the ID becomes an underscore. */
export function migrationFileName(app: string, id: string): string {
  return `${app}_${id.replace(/[-:]/g, '_')}.ts`
}
