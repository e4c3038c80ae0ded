/**
 * Bundles kept on disk: the config's and the apps' bundled code, kept with what it was built from,
 * so that a later process imports it without running esbuild (bundle.ts imports them; see below for
 * when one is still good). Only Node built-ins here: the verdict cache checks kept bundles without
 * loading the loader or esbuild (project/verdict-cache.ts).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { TOOL_BUILD } from '../../version.js'
import { replaceCacheFile } from './temp-dir.js'
import type { BundleKey, ModuleGraph } from './bundle-key.js'

/** The content hash the loader compares files by. */
export function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('base64')
}

/**
 * Names one bundle kept on disk: `keptBundleHolds` tells, without esbuild, whether loading the same
 * request again would give the same modules.
 */
export interface KeptBundleRef {
  file: string
  codeHash: string
}

/** The content hash of every input in `graph`: those compiled through the plugin, others read now. */
export function fingerprints(graph: ModuleGraph, hashes: ReadonlyMap<string, string>): Map<string, string> | undefined {
  const all = new Map(hashes)
  // Inputs esbuild read itself (text, other loaders): fingerprint them now.
  for (const file of graph.keys()) {
    if (all.has(file)) continue
    try {
      all.set(file, contentHash(readFileSync(file, 'utf8')))
    } catch {
      return undefined
    }
  }
  return all
}

// ---------------------------------------------------------------------------------------------
// Bundles kept on disk
//
// The config and the apps are bundled on every run, and esbuild is most of what loading them costs
// (importing it, starting its service, two builds). Their bundled code is kept under
// `<tempDir>/cache/` with what it was built from, and a later run imports it directly when:
// - every local input has the same contents (content hashes, as LoaderCache compares them);
// - no folder an input is in, nor any folder between it and the root, changed (a file added next
//   to an import can change what it resolves to: `./tables` → `tables.tsx`);
// - the tsconfig.json, jsconfig.json and package.json files in those folders, and the package.json
//   of every package an import resolved to, have the same contents (an upgrade can resolve an
//   import to another file);
// - the tool is the same build.
// The code is then evaluated afresh (a new module instance per load, as a new bundle would be).
// Anything else (a file missing or damaged, an error while importing) falls back to esbuild.

const KEPT_FORMAT = 1

export interface KeptBundle {
  format: number
  build: string
  key: string
  /** Name of the code file (next to this one) and the hash of its contents. */
  code: string
  codeHash: string
  inputs: [string, string][]
  /** Folder → mtimeMs. */
  folders: [string, number][]
  /** Settings files (tsconfig.json, package.json…) → content hash. */
  settings: [string, string][]
  graph: [string, string[]][]
}

export function keptFileOf(request: BundleKey, entrySource: string): { file: string; key: string } | undefined {
  if (request.cacheKey === undefined) return undefined
  const key = JSON.stringify([
    TOOL_BUILD,
    request.cacheKey,
    request.cwd,
    request.keepNames ?? true,
    request.pick ?? null,
    entrySource,
  ])
  const id = createHash('sha1').update(key).digest('hex').slice(0, 16)
  return { file: path.join(request.tempDir, 'cache', `bundle-${id}.json`), key }
}

function sameContents(file: string, expected: string): boolean {
  try {
    return contentHash(readFileSync(file, 'utf8')) === expected
  } catch {
    return false
  }
}

/**
 * The kept bundle in `file` when it is still what esbuild would build from the files on disk (its
 * inputs, the settings files and folders they depend on, and the tool's build), else undefined.
 */
export function validKept(file: string): KeptBundle | undefined {
  let kept: KeptBundle
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as KeptBundle
  } catch {
    return undefined
  }
  if (kept.format !== KEPT_FORMAT || kept.build !== TOOL_BUILD) return undefined
  for (const [input, expected] of [...kept.inputs, ...kept.settings])
    if (!sameContents(input, expected)) return undefined
  for (const [folder, mtime] of kept.folders) {
    try {
      if (statSync(folder).mtimeMs !== mtime) return undefined
    } catch {
      return undefined
    }
  }
  return kept
}

/**
 * True when the bundle `ref` names is still kept and still what esbuild would build: a load of the
 * same request would give modules of exactly that code. Reads a few small files; no esbuild.
 */
export function keptBundleHolds(ref: KeptBundleRef): boolean {
  const kept = validKept(ref.file)
  if (!kept || kept.codeHash !== ref.codeHash) return false
  try {
    return contentHash(readFileSync(path.join(path.dirname(ref.file), kept.code), 'utf8')) === kept.codeHash
  } catch {
    return false
  }
}

/**
 * Keeps what was just bundled (see above) and names it; any failure only means that the next run
 * bundles again (and undefined).
 */
export function keepBundle(
  request: BundleKey,
  entrySource: string,
  code: string,
  graph: ModuleGraph,
  compiled: ReadonlyMap<string, string>,
  packages: ReadonlySet<string>,
): KeptBundleRef | undefined {
  const where = keptFileOf(request, entrySource)
  const inputs = fingerprints(graph, compiled)
  if (!where || !inputs) return undefined
  try {
    const root = path.resolve(request.cwd)
    const folders = new Set<string>()
    for (const file of inputs.keys()) {
      for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
        folders.add(dir)
        if (dir === root || !dir.startsWith(root + path.sep) || path.dirname(dir) === dir) break
      }
    }
    const settings = new Map<string, string>()
    const addSetting = (file: string) => {
      if (!settings.has(file) && existsSync(file)) settings.set(file, contentHash(readFileSync(file, 'utf8')))
    }
    for (const dir of folders)
      for (const name of ['tsconfig.json', 'jsconfig.json', 'package.json']) addSetting(path.join(dir, name))
    for (const file of packages) {
      // The package's own package.json: the nearest one up from the file the import resolved to.
      for (let dir = path.dirname(file); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
        if (existsSync(path.join(dir, 'package.json'))) {
          addSetting(path.join(dir, 'package.json'))
          break
        }
      }
    }
    const codeHash = contentHash(code)
    const codeName = `${path.basename(where.file, '.json')}-${createHash('sha1').update(code).digest('hex').slice(0, 16)}.mjs`
    const kept: KeptBundle = {
      format: KEPT_FORMAT,
      build: TOOL_BUILD,
      key: where.key,
      code: codeName,
      codeHash,
      inputs: [...inputs],
      folders: [...folders].map((dir): [string, number] => [dir, statSync(dir).mtimeMs]),
      settings: [...settings],
      graph: [...graph].map(([file, deps]): [string, string[]] => [file, [...deps]]),
    }
    const dir = path.dirname(where.file)
    replaceCacheFile(path.join(dir, codeName), code)
    let previous: string | undefined
    try {
      previous = (JSON.parse(readFileSync(where.file, 'utf8')) as Partial<KeptBundle>).code
    } catch {
      previous = undefined
    }
    replaceCacheFile(where.file, JSON.stringify(kept))
    if (previous && previous !== codeName && /^bundle-[\w-]+\.mjs$/.test(previous))
      rmSync(path.join(dir, previous), { force: true })
    return { file: where.file, codeHash }
  } catch {
    // A read-only node_modules, a file that vanished: bundled again next time.
    return undefined
  }
}
