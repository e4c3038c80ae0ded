/**
 * Loads user TypeScript without a compile step: esbuild bundles the requested files into one ES
 * module, we write it to a temporary `.mjs` and `import()` it.
 *
 * Why this shape (see FACTS.md, "Loading user TypeScript"): it was the fastest loader measured here,
 * its metafile gives the exact local import graph (the plugin watches those files), and bundling all
 * requested files in ONE build makes a module imported by several of them a single instance, so a
 * table class shared by two apps is one class object (foreign keys are resolved by class identity).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { SourceMap, createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BuildContext, BuildOptions, BuildResult, Loader, Message, Metafile, Plugin } from 'esbuild'
import { closure } from '../../core/graph.js'
import { AutoMigrationsError } from '../../errors.js'
import type { BundleKey, ModuleGraph } from './bundle-key.js'
import { type KeptBundleRef, contentHash, fingerprints, keepBundle, keptFileOf, validKept } from './kept-bundles.js'

export type { KeptBundleRef } from './kept-bundles.js'
export type { ModuleGraph } from './bundle-key.js'
export { keptBundleHolds } from './kept-bundles.js'

export interface BundleRequest extends BundleKey {
  /** Goes into the temporary file's name, to tell concurrent loads apart when debugging. */
  label: string
  /** Code of the error raised when a file does not bundle or throws while it is evaluated. */
  failureCode: 'LOAD_FAILED' | 'MIGRATION_LOAD_FAILED'
  /** What is being loaded, for messages: "the apps of /p/migrations.config.ts". */
  what: string
  /**
   * Read the requested files before bundling, so that only those that use their own location go
   * through the onLoad plugin (a round trip to JS per file otherwise). For thousands of files.
   */
  preread?: boolean | undefined
  /** Reuse the previous result of the same `cacheKey` when no input changed. */
  cache?: LoaderCache | undefined
  /**
   * Also keep the bundled code on disk (under `tempDir`), so that a later process whose inputs are
   * unchanged imports it without running esbuild at all (see "Bundles kept on disk" below).
   * Needs `cacheKey`.
   */
  persist?: boolean | undefined
}

export interface BundleResult {
  /** Module namespace of each requested file, in request order. */
  namespaces: Record<string, unknown>[]
  graph: ModuleGraph
  /** Maps stack frames of code from this bundle back to source files. */
  locator: StackLocator
  /** The bundle kept on disk that these modules are (imported from it, or just written to it). */
  kept?: KeptBundleRef | undefined
}

export interface SourceLocation {
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
}

/**
 * esbuild, loaded on first use (a check answered from caches never needs it). Required rather than
 * imported: it is a CommonJS package, and importing it makes Node scan its ~100 KB main file for
 * export names first (a visible part of a cold check).
 */
let esbuild: typeof import('esbuild') | undefined
function loadEsbuild(): typeof import('esbuild') {
  esbuild ??= createRequire(import.meta.url)('esbuild') as typeof import('esbuild')
  return esbuild
}

/** The generated entry's name in esbuild messages and in the metafile. */
const ENTRY_NAME = '<auto-migrations entry>'

/**
 * Identifiers that every file's `__dirname`, `__filename` and `import.meta.{url,dirname,filename}`
 * are rewritten to (esbuild `define`). Each file that uses them gets its own constants prepended
 * (see `sourceConstantsPlugin`); esbuild resolves the defined identifier in that file's scope and
 * renames the copies apart, so every file sees its own location, not the temporary file's.
 */
const DIRNAME = '__auto_migrations_dirname'
const FILENAME = '__auto_migrations_filename'
const URL_NAME = '__auto_migrations_url'
const DEFINE: Record<string, string> = {
  __dirname: DIRNAME,
  __filename: FILENAME,
  'import.meta.url': URL_NAME,
  'import.meta.dirname': DIRNAME,
  'import.meta.filename': FILENAME,
}
/** Cheap pre-check, so files that do not mention their location are passed through untouched. */
const USES_LOCATION = /__dirname|__filename|import\s*\.\s*meta/

/**
 * Bundles `files`, imports the result and returns each file's namespace and the local import graph.
 * The temporary module is deleted right after import, whether or not it succeeded; its name is
 * unique, which also defeats Node's ESM cache, so a reload always sees edits.
 */
export async function bundleAndImport(request: BundleRequest): Promise<BundleResult> {
  const entrySource = entrySourceOf(request.files, request.pick)
  const cached = request.cache?.lookup(request.cacheKey, entrySource)
  if (cached) return cached
  const kept = request.persist ? await importKept(request, entrySource) : undefined
  if (kept) {
    request.cache?.store(request.cacheKey, entrySource, kept.result.graph, kept.hashes, kept.result)
    return kept.result
  }

  const tempFile = path.join(
    request.tempDir,
    `${request.label.replace(/[^\w-]+/g, '_')}-${process.pid}-${randomBytes(6).toString('hex')}.mjs`,
  )
  const preread = request.preread ? prereadFiles(request.files) : undefined
  let filter = preread ? exactFilter(request.files.filter((f) => preread.get(f)?.usesLocation === true)) : ALL_SOURCES
  const packages = new Set<string>()
  let output = await bundle(request, entrySource, tempFile, { sourcemap: false, filter, packages })
  let graph = graphOf(output.metafile, request.cwd)
  if (preread) {
    // A local file other than the requested ones (a helper a migration imports) was compiled
    // without the plugin; if it uses its location, bundle again the general way.
    const others = [...graph.keys()].filter((f) => !preread.has(f) && !output.hashes.has(f) && isLocal(f))
    if (others.some((f) => !f.endsWith('.json') && USES_LOCATION.test(readText(f) ?? ''))) {
      filter = ALL_SOURCES
      output = await bundle(request, entrySource, tempFile, { sourcemap: false, filter, packages })
      graph = graphOf(output.metafile, request.cwd)
    } else {
      for (const [file, info] of preread) if (!output.hashes.has(file)) output.hashes.set(file, info.hash)
    }
  }
  // Source maps cost a good part of a build's time and are needed only to point at a line when
  // something throws, so the locator builds one then (esbuild's output is deterministic).
  const { cache: _cache, ...rebuildRequest } = request // the locator outlives the load: don't pin the cache
  const locator = new StackLocator(pathToFileURL(tempFile).href, hash(output.code), async () => {
    const again = await bundle(rebuildRequest, entrySource, tempFile, { sourcemap: true, filter })
    return { code: again.code, map: again.map, injected: again.injected }
  })
  let namespace: Record<string, unknown>
  try {
    await mkdir(request.tempDir, { recursive: true })
    await writeFile(tempFile, output.code)
    namespace = (await import(pathToFileURL(tempFile).href)) as Record<string, unknown>
  } catch (error) {
    throw await evaluationError(error, request, locator, output.metafile)
  } finally {
    await rm(tempFile, { force: true })
  }
  const namespaces = request.files.map((_, i) => namespace[`e${i}`] as Record<string, unknown>)
  const result: BundleResult = { namespaces, graph, locator }
  if (request.persist) result.kept = keepBundle(request, entrySource, output.code, graph, output.hashes, packages)
  request.cache?.store(request.cacheKey, entrySource, graph, output.hashes, result)
  return result
}

/**
 * The generated entry: one import per line, so that line N of an error in it is about files[N-1].
 * Export `eN` is file N's namespace, or an object of the picked exports.
 */
function entrySourceOf(files: readonly string[], pick: readonly string[] | undefined): string {
  if (!pick) return files.map((file, i) => `export * as e${i} from ${jsString(file)};`).join('\n')
  const imports = files.map((file, i) => `import * as n${i} from ${jsString(file)};`)
  const exports = files.map(
    (_, i) => `export const e${i} = { ${pick.map((name) => `${name}: n${i}.${name}`).join(', ')} };`,
  )
  return [...imports, ...exports].join('\n')
}

/** Every source file esbuild loads goes through the plugin. */
const ALL_SOURCES = /\.(?:[cm]?[jt]sx?|json)$/

/** Only these files go through the plugin (none: no plugin). */
function exactFilter(files: readonly string[]): RegExp | undefined {
  return files.length === 0 ? undefined : new RegExp(`^(?:${files.map(escapeRegExp).join('|')})$`)
}

interface PrereadFile {
  hash: string
  usesLocation: boolean
}

/** Unreadable files are left out: they go through esbuild as usual, which reports them. */
function prereadFiles(files: readonly string[]): Map<string, PrereadFile> {
  const out = new Map<string, PrereadFile>()
  for (const file of files) {
    const text = readText(file)
    if (text !== undefined) out.set(file, { hash: hash(text), usesLocation: USES_LOCATION.test(text) })
  }
  return out
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

interface BundleOutput {
  code: string
  /** The source map's JSON, when asked for. */
  map: string | undefined
  metafile: Metafile
  injected: Map<string, InjectedPrefix>
  hashes: Map<string, string>
}

interface BundleOptions {
  sourcemap: boolean
  /** Files that go through the source-constants plugin; undefined: none. */
  filter: RegExp | undefined
  /** Collects the files that package imports resolved to. */
  packages?: Set<string> | undefined
}

/** What the plugins of one build collect; a reused build context gets new ones for each rebuild. */
interface BuildState {
  injected: Map<string, InjectedPrefix>
  hashes: Map<string, string>
  packages: Set<string> | undefined
}

async function bundle(
  request: BundleRequest,
  entrySource: string,
  outfile: string,
  { sourcemap, filter, packages }: BundleOptions,
): Promise<BundleOutput> {
  const state: BuildState = { injected: new Map(), hashes: new Map(), packages }
  try {
    const contexts = sourcemap ? undefined : request.cache?.contexts
    const result =
      contexts && request.cacheKey !== undefined
        ? await contexts.rebuild(
            request.cacheKey,
            JSON.stringify([entrySource, request.cwd, request.keepNames ?? true, filter?.source ?? null]),
            state,
            (holder) => buildOptions(request, entrySource, outfile, sourcemap, filter, holder),
          )
        : await loadEsbuild().build(buildOptions(request, entrySource, outfile, sourcemap, filter, { current: state }))
    const js = result.outputFiles?.find((f) => !f.path.endsWith('.map'))
    if (!js || !result.metafile) throw new Error('esbuild returned no output')
    const map = result.outputFiles?.find((f) => f.path.endsWith('.map'))?.text
    return { code: js.text, map, metafile: result.metafile, injected: state.injected, hashes: state.hashes }
  } catch (error) {
    throw buildError(error, request, state.injected)
  }
}

function buildOptions(
  request: BundleRequest,
  entrySource: string,
  outfile: string,
  sourcemap: boolean,
  filter: RegExp | undefined,
  holder: { current: BuildState },
): BuildOptions & { write: false; metafile: true } {
  return {
    stdin: { contents: entrySource, resolveDir: request.cwd, sourcefile: ENTRY_NAME, loader: 'js' },
    absWorkingDir: request.cwd,
    outfile,
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages stay external, but resolved from the importing file (see resolvePackagesPlugin).
    keepNames: request.keepNames ?? true,
    // The bundle runs once and is thrown away: removing dead code only costs time (measurably,
    // with thousands of migrations). Semantics are unchanged: esbuild only drops side-effect-free code.
    treeShaking: false,
    define: DEFINE,
    metafile: true,
    ...(sourcemap ? { sourcemap: 'external' as const, sourcesContent: false } : {}),
    logLevel: 'silent',
    plugins: [resolvePackagesPlugin(holder), ...(filter ? [sourceConstantsPlugin(filter, holder)] : [])],
  }
}

/**
 * Keeps packages external but resolves them from the file that imports them, as Node would from the
 * source, and imports them by file URL. A bare specifier left in the temporary module would resolve
 * from the temp folder instead: wrong in pnpm or nested workspaces, and a package's import of
 * itself (self-reference) does not work from inside node_modules at all. A package esbuild can't
 * resolve stays bare, so Node reports it missing against the user's file (see packageImports).
 */
function resolvePackagesPlugin(holder: { current: BuildState }): Plugin {
  return {
    name: 'auto-migrations:resolve-packages',
    setup(build) {
      // Promises, not results: a build's callbacks run concurrently, and 2,000 migrations importing
      // one package would otherwise all miss the cache and each ask esbuild.
      const cache = new Map<string, Promise<string | null>>()
      // Per build: a package installed meanwhile must be found by the next rebuild of a context.
      build.onStart(() => {
        cache.clear()
      })
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === RESOLVING || args.path.startsWith('node:') || path.isAbsolute(args.path))
          return undefined
        const key = `${args.resolveDir}\0${args.path}`
        let pending = cache.get(key)
        if (pending === undefined) {
          pending = build
            .resolve(args.path, {
              kind: args.kind,
              resolveDir: args.resolveDir,
              importer: args.importer,
              pluginData: RESOLVING,
            })
            .then((result) => {
              if (result.errors.length || result.external || !path.isAbsolute(result.path)) return null
              holder.current.packages?.add(result.path)
              return pathToFileURL(result.path).href
            })
          cache.set(key, pending)
        }
        const resolved = await pending
        return { path: resolved ?? args.path, external: true }
      })
    },
  }
}
const RESOLVING = Symbol('resolving')

/** Every local file reachable from `file` (itself included), sorted. */
export function closureOf(graph: ModuleGraph, file: string): string[] {
  return [...closure(file, (next) => graph.get(next))].sort()
}

// ---------------------------------------------------------------------------------------------
// Per-file constants

interface InjectedPrefix {
  /** 1-based line the prefix was put on (2 after a shebang line). */
  line: number
  /** Length of the prefix (ASCII only, so characters = bytes). */
  length: number
}

/**
 * Reads every local source file itself, to prepend that file's own location constants when it uses
 * them, and to fingerprint exactly the contents esbuild compiled (for `LoaderCache`). The prefix goes
 * on the first line, without a newline, so line numbers in errors and source maps stay right; the
 * column shift on that line is undone when errors are reported.
 */
function sourceConstantsPlugin(filter: RegExp, holder: { current: BuildState }): Plugin {
  return {
    name: 'auto-migrations:source-constants',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter, namespace: 'file' }, (args) => {
        const { injected, hashes } = holder.current
        const source = readFileSync(args.path, 'utf8')
        hashes.set(args.path, hash(source))
        const loader = loaderFor(args.path)
        const resolveDir = path.dirname(args.path)
        if (loader === 'json' || !USES_LOCATION.test(source)) return { contents: source, loader, resolveDir }
        const prefix =
          `var ${DIRNAME} = ${jsString(path.dirname(args.path))}, ` +
          `${FILENAME} = ${jsString(args.path)}, ` +
          `${URL_NAME} = ${jsString(pathToFileURL(args.path).href)};`
        // A shebang must stay first; put the constants at the start of the next line.
        let head = ''
        let body = source
        if (source.startsWith('#!')) {
          const newline = source.indexOf('\n')
          head = newline < 0 ? `${source}\n` : source.slice(0, newline + 1)
          body = newline < 0 ? '' : source.slice(newline + 1)
        }
        injected.set(args.path, { line: head ? 2 : 1, length: prefix.length })
        return { contents: head + prefix + body, loader, resolveDir }
      })
    },
  }
}

function loaderFor(file: string): Loader {
  if (file.endsWith('.json')) return 'json'
  if (file.endsWith('.tsx')) return 'tsx'
  if (file.endsWith('.jsx')) return 'jsx'
  if (/\.[cm]?ts$/.test(file)) return 'ts'
  return 'js'
}

/** A JS string literal with only ASCII in it (non-ASCII escaped), so its length is its byte length. */
function jsString(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const hash = contentHash

// ---------------------------------------------------------------------------------------------
// Import graph

function graphOf(metafile: Metafile, cwd: string): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [input, info] of Object.entries(metafile.inputs)) {
    if (input === ENTRY_NAME) continue
    const deps = info.imports
      .filter((i) => !i.external && i.path !== ENTRY_NAME)
      .map((i) => path.resolve(cwd, i.path))
      .filter(isLocal)
    graph.set(path.resolve(cwd, input), [...new Set(deps)].sort())
  }
  return graph
}

/** Files under node_modules are packages, not the user's code: they are not watched. */
function isLocal(file: string): boolean {
  return !file.split(/[\\/]/).includes('node_modules')
}

// ---------------------------------------------------------------------------------------------
// Errors

interface BuildFailureLike {
  errors: Message[]
}

function isBuildFailure(error: unknown): error is BuildFailureLike {
  return typeof error === 'object' && error !== null && Array.isArray((error as { errors?: unknown }).errors)
}

/** A file that esbuild cannot bundle: name the file, line and column, and esbuild's text. */
function buildError(
  error: unknown,
  request: BundleRequest,
  injected: Map<string, InjectedPrefix>,
): AutoMigrationsError {
  if (!isBuildFailure(error) || error.errors.length === 0) {
    const text = error instanceof Error ? error.message : String(error)
    return new AutoMigrationsError(request.failureCode, `Cannot bundle ${request.what}: ${text}`, {}, { cause: error })
  }
  const located = error.errors.map((m) => locateMessage(m, request, injected))
  const shown = located.slice(0, 5).map((m) => m.text)
  if (located.length > shown.length) shown.push(`…and ${located.length - shown.length} more errors`)
  const first = located[0]!
  const files = [...new Set(located.flatMap((m) => (m.file ? [m.file] : [])))].sort()
  return new AutoMigrationsError(
    request.failureCode,
    `Cannot load ${request.what}:\n${shown.join('\n')}`,
    { file: first.file, location: first.location, files },
    { cause: error },
  )
}

interface LocatedMessage {
  text: string
  file?: string
  /** `details.location` (details.column is a database column's name). */
  location?: SourceLocation
}

function locateMessage(
  message: Message,
  request: BundleRequest,
  injected: Map<string, InjectedPrefix>,
): LocatedMessage {
  const location = message.location
  if (!location) return { text: message.text }
  if (location.file === ENTRY_NAME) {
    // One entry line per requested file: blame that file rather than the generated entry.
    const file = request.files[location.line - 1]
    return file ? { text: `${file}: ${message.text}`, file } : { text: message.text }
  }
  const file = path.resolve(request.cwd, location.file)
  let lineText = location.lineText
  let byteColumn = location.column
  const prefix = injected.get(file)
  if (prefix && prefix.line === location.line && byteColumn >= prefix.length) {
    byteColumn -= prefix.length
    lineText = lineText.slice(prefix.length)
  }
  // esbuild counts columns in UTF-8 bytes; editors count characters.
  const column = Buffer.from(lineText).subarray(0, byteColumn).toString().length
  const frame = lineText.length > 0 && lineText.length <= 200 ? `\n    ${lineText}\n    ${' '.repeat(column)}^` : ''
  return {
    text: `${file}:${location.line}:${column + 1}: ${message.text}${frame}`,
    file,
    location: { file, line: location.line, column: column + 1 },
  }
}

/** The bundle bundled, but importing it threw: a file threw at top level, or a package is missing. */
async function evaluationError(
  error: unknown,
  request: BundleRequest,
  locator: StackLocator,
  metafile: Metafile,
): Promise<AutoMigrationsError> {
  const text = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown } | null)?.code
  if (
    typeof code === 'string' &&
    /^ERR_(?:MODULE_NOT_FOUND|PACKAGE_PATH_NOT_EXPORTED|PACKAGE_IMPORT_NOT_DEFINED|UNSUPPORTED_DIR_IMPORT)$/.test(code)
  ) {
    // Node names the temporary bundle as the importer; name the user's file instead.
    const culprit = packageImports(metafile, request.cwd).find(
      (i) => text.includes(`'${i.specifier}'`) || text.includes(`/node_modules/${packageName(i.specifier)}/`),
    )
    if (culprit) {
      const root = path.dirname(path.dirname(request.tempDir))
      const fix = text.startsWith('Cannot find package')
        ? `Install it in ${root} (npm install ${packageName(culprit.specifier)}) or fix the import.`
        : 'Fix the import.'
      return new AutoMigrationsError(
        request.failureCode,
        `Cannot import "${culprit.specifier}" (imported by ${culprit.importers.join(', ')}): ` +
          `${text.replace(/ imported from .*$/s, '')}. ${fix}`,
        { file: culprit.importers[0], files: culprit.importers, package: culprit.specifier },
        { cause: error },
      )
    }
  }
  const at = await locator.locate(error)
  return new AutoMigrationsError(
    request.failureCode,
    at
      ? `Loading ${at.file} threw: ${text}\n    at ${at.file}:${at.line}:${at.column}`
      : `Loading ${request.what} threw: ${text}`,
    at ? { file: at.file, location: at } : {},
    { cause: error },
  )
}

/** Every package specifier the bundle imports, with the local files that import it. */
function packageImports(metafile: Metafile, cwd: string): { specifier: string; importers: string[] }[] {
  const bySpecifier = new Map<string, Set<string>>()
  for (const [input, info] of Object.entries(metafile.inputs)) {
    for (const i of info.imports) {
      if (!i.external || i.path === '<runtime>') continue
      const importers = bySpecifier.get(i.path) ?? new Set<string>()
      importers.add(path.resolve(cwd, input))
      bySpecifier.set(i.path, importers)
    }
  }
  return [...bySpecifier].map(([specifier, importers]) => ({ specifier, importers: [...importers].sort() }))
}

/** `pg/lib/x` -> `pg`, `@scope/pkg/x` -> `@scope/pkg`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/')
}

/**
 * Maps stack frames that point into a (deleted) temporary bundle back to the user's source file.
 * The source map is built when first needed, by bundling again with a map; if a file changed since
 * (the bundle's code differs), there is no location rather than a wrong one.
 */
export class StackLocator {
  readonly #pattern: RegExp
  /** Source paths in the map are relative to the bundle's folder. */
  readonly #mapDir: string
  #map: Promise<MapInfo | undefined> | undefined

  constructor(
    bundleUrl: string,
    private readonly codeHash: string,
    private readonly rebuild: () => Promise<{
      code: string
      map: string | undefined
      injected: Map<string, InjectedPrefix>
    }>,
  ) {
    this.#pattern = new RegExp(`${escapeRegExp(bundleUrl)}:(\\d+):(\\d+)`)
    this.#mapDir = path.dirname(fileURLToPath(bundleUrl))
  }

  /** The source location of the innermost stack frame of `error` that is in this bundle. */
  async locate(error: unknown): Promise<SourceLocation | undefined> {
    const stack = error instanceof Error ? error.stack : undefined
    const match = stack ? this.#pattern.exec(stack) : null
    if (!match) return undefined
    this.#map ??= this.#buildMap()
    const info = await this.#map
    if (!info) return undefined
    const entry = info.map.findEntry(Number(match[1]) - 1, Number(match[2]) - 1)
    // Frames in the generated entry or esbuild's helpers map to no user file.
    if (!('originalSource' in entry) || entry.originalSource.includes(ENTRY_NAME)) return undefined
    const source = entry.originalSource
    const file = source.startsWith('file:') ? fileURLToPath(source) : path.resolve(this.#mapDir, source)
    let column = entry.originalColumn
    const prefix = info.injected.get(file)
    if (prefix && prefix.line === entry.originalLine + 1 && column >= prefix.length) column -= prefix.length
    return { file, line: entry.originalLine + 1, column: column + 1 }
  }

  async #buildMap(): Promise<MapInfo | undefined> {
    try {
      const again = await this.rebuild()
      if (!again.map || hash(again.code) !== this.codeHash) return undefined
      return { map: new SourceMap(JSON.parse(again.map)), injected: again.injected }
    } catch {
      // The files no longer bundle: no location, the error is still reported.
      return undefined
    }
  }
}

interface MapInfo {
  map: SourceMap
  injected: ReadonlyMap<string, InjectedPrefix>
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// ---------------------------------------------------------------------------------------------
// Cache

interface CacheEntry {
  entrySource: string
  /** Content hash of every local input, as compiled. */
  hashes: Map<string, string>
  result: BundleResult
}

/**
 * Skips re-bundling when nothing changed: a load with the same key and the same requested files
 * returns the previous modules when every local input still has the contents it was compiled from.
 * One entry per key (a project's config, its apps, each app's migrations), so memory stays bounded
 * in a long dev session.
 *
 * Not seen by the check: files outside the import graph that change how imports resolve or compile
 * (a new `tables.ts` next to the `tables.js` that was imported, tsconfig.json) and values read at
 * evaluation time (environment variables, files read with fs). Use a fresh cache when those change.
 */
export class LoaderCache {
  readonly #entries = new Map<string, CacheEntry>()
  /**
   * esbuild build contexts kept per key when the cache is `incremental`: a rebuild after one saved
   * file parses only what changed. They hold esbuild's service open: `dispose()` when done.
   */
  readonly contexts: BuildContexts | undefined

  constructor(options: { incremental?: boolean } = {}) {
    this.contexts = options.incremental ? new BuildContexts() : undefined
  }

  /** The previous result for `key`, if its inputs are unchanged. */
  lookup(key: string | undefined, entrySource: string): BundleResult | undefined {
    if (key === undefined) return undefined
    const entry = this.#entries.get(key)
    if (!entry || entry.entrySource !== entrySource) return undefined
    // Synchronous reads on purpose: for thousands of small files they take a fraction of the time
    // of async ones, and this runs once per save.
    for (const [file, expected] of entry.hashes) {
      let contents: string
      try {
        contents = readFileSync(file, 'utf8')
      } catch {
        return undefined
      }
      if (hash(contents) !== expected) return undefined
    }
    return entry.result
  }

  store(
    key: string | undefined,
    entrySource: string,
    graph: ModuleGraph,
    hashes: Map<string, string>,
    result: BundleResult,
  ): void {
    if (key === undefined) return
    const all = fingerprints(graph, hashes)
    if (all) this.#entries.set(key, { entrySource, hashes: all, result })
  }

  /** Files of the last successful load for `key`: what to watch after a failed reload. */
  filesOf(key: string): string[] {
    return [...(this.#entries.get(key)?.hashes.keys() ?? [])].sort()
  }

  clear(): void {
    this.#entries.clear()
  }

  /** Lets go of the build contexts (a session closing). */
  async dispose(): Promise<void> {
    await this.contexts?.dispose()
  }
}

/** Incremental esbuild contexts, one per cache key (see LoaderCache.contexts). */
class BuildContexts {
  readonly #contexts = new Map<
    string,
    {
      options: string
      context: Promise<BuildContext<BuildOptions & { write: false; metafile: true }>>
      holder: { current: BuildState }
    }
  >()
  #tail: Promise<unknown> = Promise.resolve()

  /** Builds with the context of `key` (made on first use, or again when the options differ). */
  rebuild(
    key: string,
    options: string,
    state: BuildState,
    make: (holder: { current: BuildState }) => BuildOptions & { write: false; metafile: true },
  ): Promise<BuildResult<BuildOptions & { write: false; metafile: true }>> {
    // One rebuild at a time: the plugins' state belongs to the build that runs.
    const run = this.#tail.then(async () => {
      let entry = this.#contexts.get(key)
      if (entry && entry.options !== options) {
        this.#contexts.delete(key)
        await (await entry.context.catch(() => undefined))?.dispose()
        entry = undefined
      }
      if (!entry) {
        const holder = { current: state }
        const context = Promise.resolve().then(() => loadEsbuild().context(make(holder)))
        entry = { options, context, holder }
        this.#contexts.set(key, entry)
        context.catch(() => {
          if (this.#contexts.get(key) === entry) this.#contexts.delete(key)
        })
      }
      entry.holder.current = state
      return (await entry.context).rebuild()
    })
    this.#tail = run.catch(() => undefined)
    return run
  }

  async dispose(): Promise<void> {
    const all = [...this.#contexts.values()]
    this.#contexts.clear()
    await Promise.all(all.map(async (entry) => (await entry.context.catch(() => undefined))?.dispose()))
  }
}

// ---------------------------------------------------------------------------------------------
// Bundles kept on disk (see kept-bundles.ts)

let keptLoads = 0

/** The kept bundle of this request, imported, if it is still what esbuild would build. */
async function importKept(
  request: BundleRequest,
  entrySource: string,
): Promise<{ result: BundleResult; hashes: Map<string, string> } | undefined> {
  const where = keptFileOf(request, entrySource)
  if (!where) return undefined
  const kept = validKept(where.file)
  if (!kept || kept.key !== where.key) return undefined
  const codeFile = path.join(path.dirname(where.file), kept.code)
  let code: string
  try {
    code = readFileSync(codeFile, 'utf8')
  } catch {
    return undefined
  }
  if (hash(code) !== kept.codeHash) return undefined
  const url = `${pathToFileURL(codeFile).href}?load=${++keptLoads}`
  const { cache: _cache, persist: _persist, ...rebuildRequest } = request
  const locator = new StackLocator(url, kept.codeHash, async () => {
    const again = await bundle(rebuildRequest, entrySource, codeFile, { sourcemap: true, filter: ALL_SOURCES })
    return { code: again.code, map: again.map, injected: again.injected }
  })
  let namespace: Record<string, unknown>
  try {
    namespace = (await import(url)) as Record<string, unknown>
  } catch {
    // Bundled again, so that the error is reported the usual way (with the files that caused it).
    return undefined
  }
  const namespaces = request.files.map((_, i) => namespace[`e${i}`] as Record<string, unknown>)
  return {
    result: { namespaces, graph: new Map(kept.graph), locator, kept: { file: where.file, codeHash: kept.codeHash } },
    hashes: new Map(kept.inputs),
  }
}
