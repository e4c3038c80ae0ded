/**
 * A project's state: the project loaded from disk, every app's migration files run (their
 * `forwards()` only records operations), replayed into one schema state, and the table model read
 * into a snapshot. Everything the CLI and the session do starts from here.
 *
 * Two depths: with `operations: true`, every migration's operations (to run or print them);
 * without, only what they replay to, which the state cache (./state-cache.ts) can give without
 * loading the migrations at all (to diff, check and write new migrations).
 *
 * Broken history is collected, not thrown: a migration that throws, duplicate IDs, a replay that
 * fails. An app with broken history is left out of the diff (its snapshot can't be trusted), while
 * the other apps are still diffed and reported.
 */
import { stat } from 'node:fs/promises'
import type { RegisteredApp } from '../../model/registry.js'
import { AutoMigrationsError } from '../../errors.js'
import {
  type LoadedProject,
  type LoaderCache,
  listMigrationFiles,
  loadAppMigrations,
  loadProject,
  migrationsDirOf,
  runForwards,
} from '../loader/index.js'
import type { Operation } from '../../core/operations/index.js'
import type { LoadedMigration, MigrationHeader, RecordedMigration } from '../../core/operations/migration.js'
import { replay } from '../../core/operations/replay.js'
import { cloneData, objectKey, SchemaState, tableKey } from '../../core/state/snapshot.js'
import { type ModelSnapshot, modelSnapshot } from '../../model/to-snapshot.js'
import { type DependentReference, type Rename, referencesOf, renamesOf } from './references.js'
import { MigrationGraph, withoutReplaced } from '../../core/migration-graph.js'
import { userError } from './errors.js'
import {
  appKey,
  type CachedApp,
  type CachedState,
  FileHashes,
  type FileRecord,
  type StateMemory,
  stateCacheEnabled,
  stateCacheFile,
  noForeignKeysInto,
  RACY_MS,
  readStateCache,
  referencesOnly,
  rootKey,
  writeStateCache,
} from './state-cache.js'

/** A migration of the project state: recorded, from its file. */
export type FileMigration = MigrationHeader & RecordedMigration

export interface AppState<M extends MigrationHeader = MigrationHeader> {
  app: RegisteredApp
  /** The app's migrations that loaded, sorted by ID. */
  migrations: M[]
  /** Why the app's history can't be trusted; the app is then not diffed. */
  errors: AutoMigrationsError[]
  /** Every rename of a table or column in its migrations, in order: who pointed at one by an older name. */
  renames: Rename[]
}

export interface RecordedAppState extends AppState<FileMigration> {}

export interface ProjectState<A extends AppState = AppState> {
  project: LoadedProject
  /** Every app, in dependency order. */
  apps: A[]
  /** Every sound app's migrations replayed in the order of the migration graph (core/migration-graph.ts). */
  state: SchemaState
  /** The table classes as a snapshot; undefined when the model is invalid (see `errors`). */
  model: ModelSnapshot | undefined
  /** Why the model is invalid (also in `errors`). */
  modelError: AutoMigrationsError | undefined
  /** Foreign keys that sound apps' migrations point at other apps' tables. */
  references: DependentReference[]
  /** Broken history and an invalid model, in the order found. */
  errors: AutoMigrationsError[]
  /** The project's watch files and every migration file. */
  watchFiles: string[]
}

export interface RecordedProjectState extends ProjectState<RecordedAppState> {}

export interface LoadProjectStateOptions {
  root: string
  configFile?: string | undefined
  cache?: LoaderCache | undefined
  /**
   * Use the state cache on disk (./state-cache.ts): a load reads and writes it (default: on), one
   * with `operations`, which needs every operation, can only write it (default: off).
   * Always off when the environment says `AUTO_MIGRATIONS_CACHE=off`.
   */
  stateCache?: boolean | undefined
  /** Reuse this (already loaded) project instead of loading it again. */
  project?: LoadedProject | undefined
  /** A session's memory of the state cache (instead of reading it from disk each time). */
  memory?: StateMemory | undefined
  /** Read the table model too (default true); without it, `model` is undefined and not an error. */
  model?: boolean | undefined
  /** Load every migration's operations too (default false): the state cache can't give them. */
  operations?: boolean | undefined
}

/** What a migration's forwards() must return: checked by shape, the manager may be another copy. */
interface ManagerLike {
  appName: string
  migrationId: string
  operations: Operation[]
}

function isManagerLike(value: unknown): value is ManagerLike {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.appName === 'string' && typeof v.migrationId === 'string' && Array.isArray(v.operations)
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object that is not a MigrationManager' : `a ${typeof value}`
}

/**
 * Loads the project and what its migrations replay to: from the state cache when the migrations did
 * not change (see ./state-cache.ts), or, with `operations: true`, with every migration's operations.
 * @throws the loader's errors when the project itself can't be loaded (no config, a cycle, an app
 *   file that doesn't load…): without a registry there is nothing to report per app.
 */
export function loadProjectState(options: LoadProjectStateOptions & { operations: true }): Promise<RecordedProjectState>
export function loadProjectState(options: LoadProjectStateOptions): Promise<ProjectState>
export function loadProjectState(options: LoadProjectStateOptions): Promise<ProjectState> {
  return load(options, options.operations === true)
}

async function load(options: LoadProjectStateOptions, operations: boolean): Promise<ProjectState> {
  const useCache = (options.stateCache ?? !operations) && stateCacheEnabled()
  // A session knows the migration files of its last load: they are checked while esbuild rebuilds
  // the apps (which mostly waits), rather than after.
  const remembered = useCache ? options.memory?.cached : undefined
  const prefetch =
    remembered && !operations
      ? options.memory!.hashes.prefetch(remembered.apps.flatMap((a) => a.files.map(([file]) => file)))
      : undefined
  let project: LoadedProject
  try {
    project =
      options.project ??
      (await loadProject({
        root: options.root,
        configFile: options.configFile,
        cache: options.cache,
        diskCache: options.stateCache ?? true,
      }))
  } finally {
    await prefetch
  }
  const apps = project.registry.apps
  const cacheFile = useCache ? stateCacheFile(project.root, project.configFile) : undefined
  const memory = useCache ? options.memory : undefined
  let cached: CachedState | undefined
  if (cacheFile && !operations) {
    cached =
      memory?.cached?.configFile === project.configFile ? memory.cached : readStateCache(cacheFile, project.configFile)
  }
  const hashes = memory?.hashes ?? new FileHashes()
  if (cached && cached !== memory?.cached) hashes.learn(cached.apps.flatMap((a) => [...a.files, ...a.inputs]))

  // Each app's files and key, and how many leading apps the cache has as they are.
  const listed: (Listed | undefined)[] = []
  let reusable = 0
  if (cacheFile) {
    let previous: string | undefined = rootKey(project.configFile)
    for (const [at, app] of apps.entries()) {
      const entry = cached?.apps[at]
      const item = await listApp(app, hashes, entry?.name === app.name ? entry.inputs.map(([file]) => file) : [])
      listed.push(item)
      previous =
        previous === undefined || item === undefined
          ? undefined
          : appKey(previous, app, item.dir, item.files, item.inputs)
      if (previous !== undefined && previous === entry?.key && entry.name === app.name && reusable === at)
        reusable = at + 1
    }
    // A prefix alone is only exact when no app changed an earlier app's tables (see CachedApp.pure).
    if (cached && reusable < apps.length && !cached.apps.every((a) => a.pure)) reusable = 0
  }

  const errors: AutoMigrationsError[] = []
  const appStates: AppState[] = []
  const inputs: string[][] = []
  const pure: boolean[] = []
  const references: DependentReference[][] = []
  // Apps whose migrations were loaded (not taken from the cache): replayed once all are known.
  const loaded: number[] = []
  const watch = new Set(project.watchFiles)
  const state = new SchemaState()
  // Apps replayed after reused ones may change their tables (renames that foreign keys follow):
  // then the reused tables are copies, so that what the cache holds stays as it was.
  const share = reusable === apps.length
  try {
    for (const [at, app] of apps.entries()) {
      const entry = cached?.apps[at]
      if (at < reusable && entry) {
        for (const table of entry.tables)
          state.tables.set(tableKey(table.app, table.className), share ? table : cloneData(table))
        for (const e of entry.enums) state.enums.set(tableKey(e.app, e.name), share ? e : cloneData(e))
        for (const o of entry.objects ?? []) state.objects.set(objectKey(o), share ? o : cloneData(o))
        appStates.push({
          app,
          migrations: entry.migrations.map((m) => ({ app: app.name, ...m })),
          errors: [],
          renames: entry.renames,
        })
        inputs.push(entry.inputs.map(([file]) => file))
        pure.push(entry.pure)
        references.push(entry.references)
        for (const m of entry.migrations) watch.add(m.file)
        continue
      }
      const { appState, inputs: appInputs } = await loadAppState(app, project, options.cache, (file) =>
        hashes.textOf(file),
      )
      for (const migration of appState.migrations) watch.add(migration.file)
      inputs.push(appInputs)
      pure.push(true)
      references.push(appState.errors.length ? [] : referencesOf(appState.migrations))
      loaded.push(at)
      appStates.push(appState)
    }
  } finally {
    hashes.release()
  }
  const interleaved = replayInGraphOrder(apps, appStates, loaded, state, pure)
  if (interleaved) memory?.forget()
  for (const appState of appStates) errors.push(...appState.errors)
  // A history whose apps interleave is replayed as a whole each time: the cache chains apps one by one.
  if (cacheFile && errors.length === 0 && !interleaved) {
    const next = await cacheOf(project, {
      appStates,
      state,
      listed,
      inputs,
      pure,
      references,
      reused: cached?.apps.slice(0, reusable) ?? [],
      hashes,
    })
    if (next) {
      if (memory) {
        memory.cached = next
        memory.state = state
      }
      // Files hashed again since the cache was written (touched, or hashed too soon after a change
      // to be vouched for by a stat): worth writing down once their stat can vouch for them.
      const refreshed = next.apps.some((app, at) => {
        const old = cached?.apps[at]
        return [...app.files, ...app.inputs].some(
          (record) => !racy(record) && !old?.files.includes(record) && !old?.inputs.includes(record),
        )
      })
      if (reusable < apps.length || refreshed) writeStateCache(cacheFile, next)
    }
  }

  const allReferences = references.flat()
  let model: ModelSnapshot | undefined
  let modelError: AutoMigrationsError | undefined
  if (options.model !== false) {
    try {
      model = modelSnapshot(project.registry)
    } catch (error) {
      modelError = userError(error)
    }
    if (modelError) errors.push(modelError)
  }
  return {
    project,
    apps: appStates,
    state,
    model,
    modelError,
    references: allReferences,
    errors,
    watchFiles: [...watch].sort(),
  }
}

/**
 * Replays the loaded apps' migrations onto `state` (which holds the reused apps already), in the
 * order of the migration graph. While no migration needs one of a later app, that is app by app,
 * and `pure` says for each loaded app whether its replay changed an earlier app's tables; otherwise
 * the apps interleave (true is returned) and the whole graph order is replayed. A graph that cannot
 * be ordered is an error of the app whose file is wrong; the rest replays app by app.
 */
function replayInGraphOrder(
  apps: readonly RegisteredApp[],
  appStates: readonly AppState[],
  loaded: readonly number[],
  state: SchemaState,
  pure: boolean[],
): boolean {
  let graph: MigrationGraph<MigrationHeader> | undefined
  try {
    graph = new MigrationGraph(
      apps,
      appStates.flatMap((h) => h.migrations),
    )
  } catch (error) {
    const failed = userError(error)
    const owner = appStates.find((h) => h.app.name === failed.details.app) ?? appStates[0]
    owner?.errors.push(failed)
  }
  if (!graph || graph.appByApp) {
    for (const at of loaded) {
      const appState = appStates[at] as RecordedAppState
      pure[at] = noForeignKeysInto(state, appState.app.name)
      if (appState.errors.length > 0) continue
      try {
        replay(withoutReplaced(appState.migrations), state)
      } catch (error) {
        appState.errors.push(userError(error))
      }
    }
    return false
  }
  const sound = new Set(loaded.filter((at) => appStates[at]!.errors.length === 0).map((at) => apps[at]!.name))
  for (const migration of graph.order as FileMigration[]) {
    if (!sound.has(migration.app)) continue
    try {
      replay([migration], state)
    } catch (error) {
      appStates.find((h) => h.app.name === migration.app)!.errors.push(userError(error))
      sound.delete(migration.app)
    }
  }
  return true
}

const racy = (record: FileRecord): boolean => record[6] - Math.max(record[3], record[4]) < RACY_MS

interface Listed {
  dir: string | undefined
  /** The folder's mtimeMs before it was listed; null when there is no folder. */
  dirMtimeMs: number | null
  files: FileRecord[]
  inputs: FileRecord[]
}

/** The app's migration files and the given inputs, with their records; undefined when one can't be read. */
async function listApp(app: RegisteredApp, hashes: FileHashes, inputs: readonly string[]): Promise<Listed | undefined> {
  const dir = app.migrationsPath === undefined ? undefined : await migrationsDirOf(app.migrationsPath)
  let files: string[]
  let dirMtimeMs: number | null = null
  try {
    dirMtimeMs =
      dir === undefined
        ? null
        : await stat(dir).then(
            (s) => s.mtimeMs,
            () => null,
          )
    files = dir === undefined ? [] : await listMigrationFiles(dir)
  } catch {
    return undefined
  }
  const fileRecords = hashes.records(files)
  const inputRecords = hashes.records(inputs)
  return fileRecords && inputRecords ? { dir, dirMtimeMs, files: fileRecords, inputs: inputRecords } : undefined
}

/**
 * The cache of what was just replayed. The files of a replayed app are listed and hashed again after
 * the load and must be what they were before it, and exactly the files that loaded: a file saved
 * while the history loaded would otherwise store a state under a key it does not belong to. The
 * chain stops at the first app that fails this (the later ones are not kept).
 */
async function cacheOf(
  project: LoadedProject,
  run: {
    appStates: readonly AppState[]
    state: SchemaState
    listed: readonly (Listed | undefined)[]
    inputs: readonly string[][]
    pure: readonly boolean[]
    references: readonly DependentReference[][]
    reused: readonly CachedApp[]
    hashes: FileHashes
  },
): Promise<CachedState | undefined> {
  const apps: CachedApp[] = []
  let previous = rootKey(project.configFile)
  for (const [at, appState] of run.appStates.entries()) {
    const name = appState.app.name
    const tables = [...run.state.tables.values()].filter((t) => t.app === name)
    const enums = [...run.state.enums.values()].filter((e) => e.app === name)
    const objects = [...run.state.objects.values()].filter((o) => o.app === name)
    const reused = run.reused[at]
    const before = run.listed[at]
    if (!before) break
    if (reused) {
      apps.push({
        ...reused,
        dirMtimeMs: before.dirMtimeMs,
        files: before.files,
        inputs: before.inputs,
        tables,
        enums,
        objects,
      })
      previous = reused.key
      continue
    }
    const after = await listApp(appState.app, run.hashes, run.inputs[at]!)
    const same = (a: readonly FileRecord[], b: readonly FileRecord[]) =>
      a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1])
    const loaded = appState.migrations.map((m) => m.file).sort()
    if (
      !after ||
      !same(after.files, before.files) ||
      loaded.join('\0') !== before.files.map(([file]) => file).join('\0')
    )
      break
    previous = appKey(previous, appState.app, before.dir, after.files, after.inputs)
    apps.push({
      name,
      key: previous,
      pure: run.pure[at]!,
      dir: before.dir ?? null,
      dirMtimeMs: before.dirMtimeMs,
      files: after.files,
      inputs: after.inputs,
      migrations: appState.migrations.map((m) => ({
        id: m.id,
        file: m.file,
        description: m.description,
        ...(m.dependsOn ? { dependsOn: m.dependsOn } : {}),
        ...(m.replaces ? { replaces: m.replaces } : {}),
      })),
      references: run.references[at]!,
      renames: appState.renames,
      tables,
      enums,
      objects,
    })
  }
  return apps.length > 0 ? { configFile: project.configFile, apps } : undefined
}

async function loadAppState(
  app: RegisteredApp,
  project: LoadedProject,
  cache: LoaderCache | undefined,
  read?: (file: string) => string | undefined,
): Promise<{ appState: RecordedAppState; inputs: string[] }> {
  const appState: RecordedAppState = { app, migrations: [], errors: [], renames: [] }
  let files: LoadedMigration[]
  let inputs: string[]
  try {
    ;({ migrations: files, inputs } = await loadAppMigrations(app, { root: project.root, cache, read }))
  } catch (error) {
    appState.errors.push(userError(error))
    return { appState, inputs: [] }
  }
  for (const file of files) {
    let manager: unknown
    try {
      manager = await runForwards(file)
    } catch (error) {
      appState.errors.push(userError(error))
      continue
    }
    const where = { app: app.name, migrationId: file.id, file: file.file }
    if (!isManagerLike(manager)) {
      appState.errors.push(
        new AutoMigrationsError(
          'INVALID_MIGRATION',
          `forwards() of migration ${file.id} (${file.file}) returned ${describeValue(manager)}. End it with: return manager`,
          where,
        ),
      )
      continue
    }
    if (manager.appName !== app.name) {
      appState.errors.push(
        new AutoMigrationsError(
          'INVALID_MIGRATION',
          `Migration ${file.file} is in the migrations folder of app "${app.name}" but records its operations for app "${manager.appName}". ` +
            `Set appName: '${app.name}' in its MigrationManager, or move the file to app "${manager.appName}".`,
          where,
        ),
      )
      continue
    }
    if (manager.migrationId !== file.id) {
      appState.errors.push(
        new AutoMigrationsError(
          'INVALID_MIGRATION',
          `Migration ${file.file} exports ID ${file.id} but its MigrationManager says ${manager.migrationId}. Use migrationId: ID.`,
          where,
        ),
      )
      continue
    }
    appState.migrations.push({
      app: app.name,
      id: file.id,
      file: file.file,
      description: file.description,
      dependsOn: file.dependsOn,
      ...(file.replaces ? { replaces: file.replaces } : {}),
      operations: manager.operations,
    })
    appState.renames.push(...renamesOf(manager.operations))
  }
  return { appState, inputs }
}

/** A migration a session just wrote: what it records, and the exact text of its file. */
export interface WrittenRecord extends FileMigration {
  text: string
}

/**
 * Brings a session's memory of the state cache up to date with a migration it just wrote, without
 * loading anything: the written operations are replayed onto the state the last load returned, and
 * the app's key (and every later app's) is computed again with the new file. The next load then
 * finds everything as it is on disk and reuses it, instead of loading the app's migrations and
 * every later app's again (see state-cache.ts).
 *
 * That is the replay a load would do when the app references no app after it (their replays come
 * after its migrations and could change its tables), and, if the migration renames (which makes
 * foreign keys follow), no other app references it. Otherwise, or when anything does not add up
 * (the file is not what was written, the memory is not of this state), the memory is forgotten and
 * the next load is a plain one. `saveRemembered` then writes it to disk.
 */
export function rememberWritten(
  appState: ProjectState,
  memory: StateMemory,
  written: readonly WrittenRecord[],
): boolean {
  const cached = memory.cached
  if (!cached || memory.state !== appState.state || written.length === 0) return false
  const state = appState.state
  try {
    for (const migration of written) {
      const at = cached.apps.findIndex((a) => a.name === migration.app)
      const app = appState.apps[at]?.app
      const entry = cached.apps[at]
      const before = new Set(cached.apps.slice(0, at).map((a) => a.name))
      const record = memory.hashes.wrote(migration.file, migration.text)
      if (!app || !entry || app.name !== entry.name || !record || entry.files.some(([file]) => file === migration.file))
        throw new Error('not the remembered history')
      // Renames make foreign keys that point at them follow; in the real order, tables of later apps
      // do not exist yet when this migration runs. Other operations touch the app's tables only.
      const follows = migration.operations.some((o) => o.kind === 'renameTable' || o.kind === 'renameColumn')
      if ((follows && !noForeignKeysInto(state, app.name)) || !referencesOnly(state, app.name, before))
        throw new Error('not independent')
      // A migration that needs one of a later app interleaves the apps: the cache chains them one by one.
      if (Object.keys(migration.dependsOn ?? {}).some((other) => !before.has(other))) throw new Error('interleaves')
      replay([{ app: migration.app, id: migration.id, file: migration.file, operations: migration.operations }], state)
      if (!referencesOnly(state, app.name, before)) throw new Error('not independent')
      entry.files = [...entry.files, record].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      entry.migrations = [
        ...entry.migrations,
        {
          id: migration.id,
          file: migration.file,
          description: migration.description,
          ...(migration.dependsOn ? { dependsOn: migration.dependsOn } : {}),
          ...(migration.replaces ? { replaces: migration.replaces } : {}),
        },
      ].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
      const known = new Set(entry.references.map((r) => JSON.stringify(r.target)))
      entry.references = [
        ...entry.references,
        ...referencesOf([migration]).filter((r) => !known.has(JSON.stringify(r.target))),
      ]
      entry.renames = [...entry.renames, ...renamesOf(migration.operations)]
      entry.tables = [...state.tables.values()].filter((t) => t.app === app.name)
      entry.enums = [...state.enums.values()].filter((e) => e.app === app.name)
      entry.objects = [...state.objects.values()].filter((o) => o.app === app.name)
      let previous = at === 0 ? rootKey(cached.configFile) : cached.apps[at - 1]!.key
      for (let j = at; j < cached.apps.length; j++) {
        const next = cached.apps[j]!
        const registered = appState.apps[j]?.app
        if (!registered || registered.name !== next.name) throw new Error('not the remembered history')
        next.key = appKey(previous, registered, next.dir ?? undefined, next.files, next.inputs)
        previous = next.key
      }
    }
  } catch {
    memory.forget()
    return false
  }
  return true
}

/** Writes a session's memory of the state cache to disk (after `rememberWritten`). */
export function saveRemembered(project: LoadedProject, memory: StateMemory): void {
  if (memory.cached?.configFile === project.configFile)
    writeStateCache(stateCacheFile(project.root, project.configFile), memory.cached)
}

/** The app of `replayed` by name, or a USAGE error listing the apps there are. */
export function requireApp<A extends AppState>(appState: ProjectState<A>, name: string): A {
  const found = appState.apps.find((a) => a.app.name === name)
  if (found) return found
  const names = appState.apps.map((a) => a.app.name)
  throw new AutoMigrationsError(
    'USAGE',
    `No app is named "${name}". ${names.length ? `The apps are: ${names.join(', ')}.` : 'The config lists no apps yet: create one with npx auto-migrations app new <name>.'}`,
    { app: name },
  )
}
