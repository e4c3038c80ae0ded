/**
 * The expected side of drift, kept between dev server starts. Building it replays the applied
 * migrations into a scratch database; with an embedded dev database that is a new PGlite instance
 * each time, the slowest part of a start. What it builds depends only on what the key holds: the
 * migrations that ran (by ID and by the checksum of their operations as the files say now), the
 * extensions the live database lends the scratch one, the engine and its version, the history
 * schema and the tool's build. The live side is read every time, so a change made by hand is seen
 * at once. One file per project, under `<root>/node_modules/.auto-migrations/cache/`; anything
 * unreadable is a miss.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { PhysicalSchema } from '../../runtime/introspect.js'
import { diskCachesEnabled, TOOL_BUILD } from '../../version.js'
import { replaceCacheFile, tempDirOf } from '../loader/temp-dir.js'

/** Changes whenever the file's layout (or PhysicalSchema's) does. */
const FORMAT = 1

/** What the expected schema was built from (see the top of this file). */
export interface ExpectedSchemaInputs {
  /** `pg 15.8`, `pglite 18.6`: renderings follow the server that builds the schema. */
  engine: string
  migrations: { app: string; id: string; checksum: string }[]
  extensions: string[]
  historySchema: string
}

interface ExpectedSchemaFile {
  format: number
  key: string
  schema: PhysicalSchema
}

const fileOf = (root: string) => path.join(tempDirOf(root), 'cache', 'drift-expected.json')

/** The key of `inputs`, with the tool's build. */
export function expectedSchemaKey(inputs: ExpectedSchemaInputs): string {
  return createHash('sha256')
    .update(JSON.stringify([TOOL_BUILD, inputs.engine, inputs.historySchema, inputs.extensions, inputs.migrations]))
    .digest('hex')
}

/** The expected schema kept for `key`, or undefined (none, another key, caches off, unreadable). */
export function readExpectedSchema(root: string, key: string): PhysicalSchema | undefined {
  if (!diskCachesEnabled()) return undefined
  try {
    const kept = JSON.parse(readFileSync(fileOf(root), 'utf8')) as ExpectedSchemaFile
    return kept.format === FORMAT && kept.key === key ? kept.schema : undefined
  } catch {
    return undefined
  }
}

/** Keeps `schema` for `key`, in place of whatever was kept; a failure to write only loses the cache. */
export function writeExpectedSchema(root: string, key: string, schema: PhysicalSchema): void {
  if (!diskCachesEnabled()) return
  const kept: ExpectedSchemaFile = { format: FORMAT, key, schema }
  try {
    replaceCacheFile(fileOf(root), JSON.stringify(kept))
  } catch {
    // Only an optimisation.
  }
}
