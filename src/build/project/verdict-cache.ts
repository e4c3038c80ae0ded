/**
 * The verdict cache: the last clean check of a project (no un-migrated change, no error) with
 * exactly what it was computed from, kept in `<root>/node_modules/.auto-migrations/cache/`. A later
 * check whose inputs are all as they were answers "no changes" without loading anything (no
 * esbuild, no config, no table classes, no replay, no diff): the CLI's `check` run again, and a
 * build's gate when nothing changed since the last build. That is a few hundred stats and the
 * reading of a few small files, instead of the whole check.
 *
 * What a clean check was computed from, and how each is seen to be unchanged:
 * - the config and the apps (their table classes and every local file they import): as the bundles
 *   kept on disk they were loaded from, which are checked the way a load checks them before
 *   importing them (the inputs' contents, the settings files and folders that decide how imports
 *   resolve, the tool's build; see loader/kept-bundles.ts);
 * - every migration file and every local file a migration imports: content hashes, re-taken unless
 *   a stat vouches for them (FileHashes, see state-cache.ts);
 * - each migrations folder's mtime, taken before it was listed: a migration added or removed
 *   changes it;
 * - the tool's build.
 * Anything else is a miss, and the full check runs (and records its verdict again when clean).
 *
 * What it cannot see is what the state cache and the kept bundles cannot see either (values read
 * at evaluation time: environment variables, files read with fs); `AUTO_MIGRATIONS_CACHE=off` and
 * `--no-cache` turn it off with them.
 */
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { type KeptBundleRef, keptBundleHolds } from '../loader/kept-bundles.js'
import { replaceCacheFile, tempDirOf } from '../loader/temp-dir.js'
import { TOOL_BUILD } from '../../version.js'
import { FileHashes, type FileRecord } from './state-cache.js'
import type { MigrationEntry } from './types.js'

/** Changes whenever the file's layout does. */
const FORMAT = 1

/** What a clean check leaves behind, and what a hit hands back. */
export interface CleanVerdict {
  /** The config file the check loaded (absolute, real). */
  configFile: string
  /** What the check said to watch. */
  watchFiles: string[]
  /** Every migration in dependency and ID order (what the virtual module bundles). */
  entries: MigrationEntry[]
}

/** What the verdict was computed from (see the top of this file). */
export interface VerdictInputs {
  bundles: KeptBundleRef[]
  /** Migrations folder → its mtimeMs before it was listed (null: it did not exist). */
  folders: [folder: string, mtimeMs: number | null][]
  /** Every migration file and every local file a migration imports. */
  files: FileRecord[]
}

interface VerdictFile extends CleanVerdict, VerdictInputs {
  format: number
  build: string
  request: string
}

/**
 * Where the verdict of a project lives. `request` is the config file as asked for (an option), or
 * '' for the default: the key is what the caller knows before loading anything.
 */
function verdictFile(root: string, request: string): string {
  const id = createHash('sha1')
    .update(`${path.resolve(root)}\0${request}`)
    .digest('hex')
    .slice(0, 12)
  return path.join(tempDirOf(root), 'cache', `verdict-${id}.json`)
}

/** The recorded clean check of the project, when every input it was computed from is unchanged. */
export function readCleanVerdict(root: string, request: string): CleanVerdict | undefined {
  let verdict: VerdictFile
  try {
    verdict = JSON.parse(readFileSync(verdictFile(root, request), 'utf8')) as VerdictFile
  } catch {
    return undefined
  }
  if (verdict?.format !== FORMAT || verdict.build !== TOOL_BUILD || verdict.request !== request) return undefined
  if (!Array.isArray(verdict.folders) || !Array.isArray(verdict.files) || !Array.isArray(verdict.bundles))
    return undefined
  // Folders first: cheapest, and what a new migration file changes.
  for (const [folder, mtimeMs] of verdict.folders) {
    let now: number | null
    try {
      now = statSync(folder).mtimeMs
    } catch {
      now = null
    }
    if (now !== mtimeMs) return undefined
  }
  const hashes = new FileHashes(verdict.files)
  for (const [file, hash] of verdict.files) if (hashes.record(file)?.[1] !== hash) return undefined
  for (const bundle of verdict.bundles) if (!keptBundleHolds(bundle)) return undefined
  return { configFile: verdict.configFile, watchFiles: verdict.watchFiles, entries: verdict.entries }
}

/** Records a clean check (temporary file, then rename); a failure to write only costs the next run its shortcut. */
export function recordCleanVerdict(root: string, request: string, verdict: CleanVerdict, inputs: VerdictInputs): void {
  const file = verdictFile(root, request)
  const data: VerdictFile = { format: FORMAT, build: TOOL_BUILD, request, ...verdict, ...inputs }
  try {
    replaceCacheFile(file, JSON.stringify(data))
  } catch {
    // A read-only node_modules, a full disk: the next check loads.
  }
}

/** Forgets the project's verdict (a check that was not clean, or that could not record one). */
export function dropCleanVerdict(root: string, request: string): void {
  try {
    rmSync(verdictFile(root, request), { force: true })
  } catch {
    // Nothing to forget, or a read-only node_modules: a stale verdict fails its own checks anyway.
  }
}
