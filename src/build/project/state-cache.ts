/**
 * The project state cache: what a project's migrations replay to (each app's tables and enums, and each
 * migration's ID, file and description), kept between runs in
 * `<root>/node_modules/.auto-migrations/cache/` (never committed, out of watchers' way), so that a
 * `check`, a build or a dev server start whose migrations did not change neither bundles, runs nor
 * replays them. A session also keeps it in memory, and updates it with the migrations it writes.
 *
 * Keyed by contents: app N's key hashes app N-1's key, the app's name, dependencies and migrations
 * folder, and the path and content hash of each of its migration files and of the local files they
 * import, with the tool's build (version). A changed, added or removed migration file changes its
 * app's key and every later app's (the order of apps is in the chain); the apps before it are taken
 * from the cache and only the rest are loaded and replayed.
 *
 * A file's content hash is taken again unless its size, mtime, ctime and inode are what they were
 * when it was hashed AND that was at least RACY_MS after its last change (as git does: a write in
 * the same clock tick as the hash could otherwise go unseen). ctime can't be set back by any tool,
 * so an edit is always seen; a stat costs about half of reading such a small file.
 *
 * What the key cannot see, and a run with the cache turned off (`AUTO_MIGRATIONS_CACHE=off`, or
 * `--no-cache`) does: a migration whose forwards() records different operations from the same bytes
 * (reading an environment variable, a package that changed).
 *
 * The file carries a hash of its own contents: a truncated, damaged or edited file is ignored (and
 * rewritten by the next run), never trusted. It is written to a temporary name and renamed over.
 */
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import type { RegisteredApp } from '../../model/registry.js'
import type { MigrationHeader } from '../../core/operations/migration.js'
import { replaceCacheFile, tempDirOf } from '../loader/temp-dir.js'
import type { EnumSnapshot, SchemaObjectSnapshot, SchemaState, TableSnapshot } from '../../core/state/snapshot.js'
import { TOOL_BUILD } from '../../version.js'
import type { DependentReference, Rename } from './references.js'

export { diskCachesEnabled as stateCacheEnabled } from '../../version.js'

/** Changes whenever the file's layout does. */
const FORMAT = 4

/** A stat within this long of the hash (ms) does not vouch for the hash. */
export const RACY_MS = 2000

/** A file's path, content hash, size, mtimeMs, ctimeMs, inode and when it was hashed (epoch ms). */
export type FileRecord = [
  file: string,
  hash: string,
  size: number,
  mtimeMs: number,
  ctimeMs: number,
  ino: number,
  hashedAt: number,
]

export interface CachedApp {
  name: string
  key: string
  /**
   * False when replaying this app changed tables of apps replayed before it (a rename that foreign
   * keys of an earlier app follow). Then the tables kept for those apps are as they are at the end,
   * not as they were right after them, and a cached prefix of apps cannot be reused on its own.
   */
  pure: boolean
  /** The real path of the migrations folder; null when the app has none. */
  dir: string | null
  /**
   * The folder's mtimeMs taken before its files were listed (null: no folder): while it is the
   * same, no migration file was added or removed since (see verdict-cache.ts).
   */
  dirMtimeMs: number | null
  /** The migration files, sorted. */
  files: FileRecord[]
  /** Local files other than the migrations that loading them read (helpers), sorted. */
  inputs: FileRecord[]
  /** What reports and new migration IDs need of each migration (its app is this one). */
  migrations: Omit<MigrationHeader, 'app'>[]
  /** Foreign keys the app's migrations point at other apps' tables (see references.ts). */
  references: DependentReference[]
  /** Its migrations' renames of tables and columns, in order. */
  renames: Rename[]
  /** The app's tables and enums once every app is replayed. */
  tables: TableSnapshot[]
  enums: EnumSnapshot[]
  /** Its extensions, views, functions and triggers (absent in caches written before them). */
  objects?: SchemaObjectSnapshot[]
}

export interface CachedState {
  configFile: string
  apps: CachedApp[]
}

/** Where the cache of the project with this config lives. */
export function stateCacheFile(root: string, configFile: string): string {
  const id = createHash('sha1').update(configFile).digest('hex').slice(0, 12)
  return path.join(tempDirOf(root), 'cache', `state-${id}.json`)
}

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex')

/**
 * The cache in `file`, or undefined when there is none, it was written by another build of the tool or
 * layout, or it fails its integrity hash (then it is not trusted at all).
 */
export function readStateCache(file: string, configFile: string): CachedState | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const newline = text.indexOf('\n')
  if (newline < 0) return undefined
  const payload = text.slice(newline + 1)
  if (sha1(payload) !== text.slice(0, newline)) return undefined
  let data: unknown
  try {
    data = JSON.parse(payload)
  } catch {
    return undefined
  }
  const read = data as { format?: unknown; build?: unknown; state?: CachedState } | null
  if (!read || read.format !== FORMAT || read.build !== TOOL_BUILD || !read.state) return undefined
  const cached = read.state
  if (cached.configFile !== configFile || !Array.isArray(cached.apps)) return undefined
  return cached
}

/**
 * Writes the cache (temporary file, then rename). Values JSON can't carry exactly (a default of
 * `Infinity`, a bigint, a Date) make it give up quietly: the cache is an optimisation, and the next
 * run replays as if there were none.
 */
export function writeStateCache(file: string, state: CachedState): void {
  let payload: string
  try {
    if (!isExactJson(state)) throw new Error('not JSON')
    payload = JSON.stringify({ format: FORMAT, build: TOOL_BUILD, state })
  } catch {
    rmSync(file, { force: true })
    return
  }
  try {
    replaceCacheFile(file, `${sha1(payload)}\n${payload}`)
  } catch {
    // A read-only node_modules, a full disk: run without the cache.
  }
}

/**
 * True when JSON gives `value` back as it is: finite numbers, strings, booleans, null, arrays and
 * plain objects (SQL expressions are plain `{ kind, text }` in a replayed state: operations copy
 * them). A walk rather than a JSON.stringify replacer, which is several times slower.
 */
function isExactJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (Array.isArray(value)) {
        for (const item of value) if (item === undefined || !isExactJson(item)) return false
        return true
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null && (value as { kind?: unknown }).kind !== 'sql') return false
      for (const key in value) if (!isExactJson((value as Record<string, unknown>)[key])) return false
      return true
    }
    default:
      return false
  }
}

/** The key of the project state before its first app: the tool's build and the config. */
export function rootKey(configFile: string): string {
  return sha1(`auto-migrations state ${FORMAT} ${TOOL_BUILD}\0${configFile}`)
}

/** App N's key (see the top of this file), from app N-1's and its files' records. */
export function appKey(
  previous: string,
  app: RegisteredApp,
  dir: string | undefined,
  files: readonly FileRecord[],
  inputs: readonly FileRecord[],
): string {
  const hash = createHash('sha1').update(`${previous}\0${app.name}\0${[...app.dependencies].join(',')}\0${dir ?? ''}\0`)
  for (const list of [files, inputs]) {
    hash.update(`${list.length}\0`)
    for (const [file, contents] of list) hash.update(`${file}\0${contents}\0`)
  }
  return hash.digest('hex')
}

/**
 * Content hashes of files, reusing earlier ones where a stat vouches for them (see the top of this
 * file). Files are read synchronously: for thousands of small files that is several times faster
 * than reading them in parallel through the thread pool (see bench/). What it reads during one
 * load is kept (`textOf`) so the loader does not read
 * the same files again.
 */
export class FileHashes {
  readonly #known = new Map<string, FileRecord>()
  readonly #read = new Map<string, Buffer>()
  /** Records already checked during the current load (see `prefetch`). */
  #checked: Map<string, FileRecord> | undefined

  constructor(records: Iterable<FileRecord> = []) {
    this.learn(records)
  }

  /** Takes records (from the cache file) for files not seen yet. */
  learn(records: Iterable<FileRecord>): void {
    for (const record of records) if (!this.#known.has(record[0])) this.#known.set(record[0], record)
  }

  /** The record of `file` as it is now; undefined when it can't be read. */
  record(file: string): FileRecord | undefined {
    const checked = this.#checked?.get(file)
    if (checked) return checked
    let stat: { size: number; mtimeMs: number; ctimeMs: number; ino: number } | undefined
    try {
      // Without throwing for a missing file: Node's error path costs more than the stat itself.
      stat = statSync(file, { throwIfNoEntry: false })
    } catch {
      return undefined
    }
    if (!stat) return undefined
    const known = this.#known.get(file)
    if (
      known &&
      known[2] === stat.size &&
      known[3] === stat.mtimeMs &&
      known[4] === stat.ctimeMs &&
      known[5] === stat.ino &&
      known[6] - Math.max(stat.mtimeMs, stat.ctimeMs) >= RACY_MS
    ) {
      return known
    }
    let bytes: Buffer
    const hashedAt = Date.now()
    try {
      bytes = readFileSync(file)
    } catch {
      return undefined
    }
    this.#read.set(file, bytes)
    const record: FileRecord = [file, sha1(bytes), stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, hashedAt]
    // Only bytes of the size the stat said: a write in between would make the record lie.
    if (bytes.length !== stat.size) record[6] = 0
    this.#known.set(file, record)
    return record
  }

  /** Records of `files` (in order), or undefined when one can't be read. */
  records(files: readonly string[]): FileRecord[] | undefined {
    const out: FileRecord[] = []
    for (const file of files) {
      const record = this.record(file)
      if (!record) return undefined
      out.push(record)
    }
    return out
  }

  /** Records a file whose contents are known (one this process just wrote). */
  wrote(file: string, contents: string): FileRecord | undefined {
    this.#known.delete(file)
    const record = this.record(file)
    return record && record[1] === sha1(contents) ? record : undefined
  }

  /** The text of `file` if it was read while hashing (then handed over once), else undefined. */
  textOf(file: string): string | undefined {
    const bytes = this.#read.get(file)
    if (bytes === undefined) return undefined
    this.#read.delete(file)
    return bytes.toString('utf8')
  }

  /** Forgets the texts kept for the loader, and what was checked during the load. */
  release(): void {
    this.#read.clear()
    this.#checked = undefined
  }

  /**
   * Checks `files` (stat, hash when needed) a few at a time, yielding in between, so that it runs
   * while the load waits for something else (esbuild rebuilding the apps); `record` then returns
   * what was found, until `release`. Files that change after being checked are seen by the next load.
   */
  async prefetch(files: readonly string[]): Promise<void> {
    const checked = new Map<string, FileRecord>()
    for (let at = 0; at < files.length; at++) {
      const record = this.record(files[at]!)
      if (record) checked.set(record[0], record)
      if (at % 200 === 199) await new Promise((resolve) => setImmediate(resolve))
    }
    this.#checked = checked
  }
}

/** True when no table of another app in `state` references `app` (so replaying `app` touches only its own tables). */
export function noForeignKeysInto(state: SchemaState, app: string): boolean {
  for (const table of state.tables.values()) {
    if (table.app === app) continue
    for (const column of table.columns) if (column.params.references?.app === app) return false
  }
  return true
}

/** True when no table of `app` in `state` references an app other than those in `earlier` (and itself). */
export function referencesOnly(state: SchemaState, app: string, earlier: ReadonlySet<string>): boolean {
  for (const table of state.tables.values()) {
    if (table.app !== app) continue
    for (const column of table.columns) {
      const target = column.params.references?.app
      if (target !== undefined && target !== app && !earlier.has(target)) return false
    }
  }
  return true
}

/**
 * What a session keeps between its loads: the last state it loaded or wrote (instead of reading
 * the file again), and the content hashes of the files it has seen.
 */
export class StateMemory {
  cached: CachedState | undefined
  /** The state `cached` describes (the one the last load returned; its tables are shared). */
  state: SchemaState | undefined
  hashes = new FileHashes()

  forget(): void {
    this.cached = undefined
    this.state = undefined
    this.hashes = new FileHashes()
  }
}
