/**
 * In-process measurements of the check, in a fresh process each (the engine is src/ bundled by
 * ./internals.mjs: the same code as dist/, with its internals reachable).
 *
 *   node check-worker.mjs phases <dir>      a cold check split into the phases of loadHistory + plan
 *   node check-worker.mjs session <dir> <n> openProjectSession: check() once (cold), then n more
 *                                           (warm: nothing changed, the session's LoaderCache)
 *   node check-worker.mjs cache <dir>       PROTOTYPE of the proposed persistent snapshot cache: the
 *                                           replayed snapshot stored under node_modules/.auto-migrations,
 *                                           keyed by a content hash of every migration file; a hit
 *                                           skips loading/running/replaying migrations
 * Prints `@@result {...}` with times in ms and peak RSS.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { internals } from './internals.mjs'
import { report } from './measure.mjs'

const [mode, dir, count] = process.argv.slice(2)
const started = performance.now()
const i = await internals()
const importMs = performance.now() - started
const rss = () => process.resourceUsage().maxRSS / 1024

async function timed(fn) {
  const t = performance.now()
  const value = await fn()
  return [value, performance.now() - t]
}

if (mode === 'phases') {
  const phases = {}
  const add = (name, ms) => (phases[name] = (phases[name] ?? 0) + ms)
  const [project, loadMs] = await timed(() => i.loadProject({ root: dir }))
  add('load config + apps + tables (esbuild)', loadMs)
  const apps = []
  let files = 0
  let operations = 0
  for (const app of project.registry.apps) {
    const [loaded, bundleMs] = await timed(() => i.loadMigrationFiles(app, { root: project.root }))
    add('load migration files (esbuild bundle + import)', bundleMs)
    const migrations = []
    const t = performance.now()
    for (const file of loaded) {
      const manager = await i.runForwards(file)
      migrations.push({ app: app.name, id: file.id, file: file.file, description: file.description, operations: manager.operations })
      operations += manager.operations.length
    }
    add('run forwards() of every migration', performance.now() - t)
    files += loaded.length
    apps.push({ app, migrations, errors: [] })
  }
  let t = performance.now()
  const state = new i.SchemaState()
  for (const a of apps) i.replay(a.migrations, state)
  add('replay operations into the snapshot', performance.now() - t)
  t = performance.now()
  const model = i.modelSnapshot(project.registry)
  add('table classes → snapshot (modelSnapshot)', performance.now() - t)
  const history = { project, apps, state, model, modelError: undefined, errors: [], watchFiles: [] }
  t = performance.now()
  const plans = i.planNewMigrations(history)
  add('diff every app (planNewMigrations)', performance.now() - t)
  t = performance.now()
  const changes = await i.reportPlans(history, plans)
  add('report', performance.now() - t)
  const total = performance.now() - started
  report({ phases, importMs, totalMs: total, files, operations, changes: changes.length, rssMB: rss() })
} else if (mode === 'session') {
  const session = await i.openProjectSession({ root: dir })
  const [first, firstMs] = await timed(() => session.check())
  const warm = []
  for (let n = 0; n < Number(count ?? 5); n++) {
    const [result, ms] = await timed(() => session.check())
    if (!result.ok) throw new Error('warm check found changes')
    warm.push(ms)
  }
  await session.close()
  report({ ok: first.ok, firstMs, warmMs: warm, importMs, rssMB: rss() })
} else if (mode === 'cache') {
  report(await prototypeCheck(dir))
} else {
  throw new Error(`unknown mode ${mode}`)
}

/**
 * The proposed warm path, as the product would run it (see bench/README.md, "Snapshot cache"):
 * 1. load config + apps + tables (needed anyway: the model is what changed, if anything);
 * 2. list and hash every migration file (content, not mtime: a branch switch must not fool it), with
 *    the app order and dependencies and the package version;
 * 3. a hit: the replayed snapshot from the cache file, no migration is bundled, run or replayed;
 *    a miss: the full load (as today), then write the cache;
 * 4. model → snapshot, diff.
 */
async function prototypeCheck(root) {
  const phases = {}
  const mark = (name, since) => (phases[name] = performance.now() - since)
  let t = performance.now()
  const project = await i.loadProject({ root })
  mark('load config + apps + tables', t)
  t = performance.now()
  const hash = createHash('sha256').update(`unplugin-auto-migrations@${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}`)
  let files = 0
  for (const app of project.registry.apps) {
    hash.update(`\0app ${app.name} ${app.dependencies.join(',')}`)
    const list = await i.listMigrationFiles(app.migrationsPath)
    const texts = await Promise.all(list.map((f) => readFile(f)))
    list.forEach((f, n) => hash.update(`\0${path.basename(f)}\0`).update(texts[n]))
    files += list.length
  }
  const key = hash.digest('hex')
  mark('hash migration files', t)
  const cacheFile = path.join(root, 'node_modules', '.auto-migrations', 'snapshot-cache.json')
  t = performance.now()
  let cached
  try {
    cached = JSON.parse(readFileSync(cacheFile, 'utf8'))
  } catch {}
  let state
  let hit = false
  if (cached?.key === key) {
    state = i.SchemaState.from(cached.state)
    hit = true
    mark('read cached snapshot', t)
  } else {
    const history = await i.loadHistory({ root })
    state = history.state
    mark('cache miss: full load + replay (today’s path)', t)
    t = performance.now()
    mkdirSync(path.dirname(cacheFile), { recursive: true })
    writeFileSync(cacheFile, JSON.stringify({ key, state: state.toData() }))
    mark('write cache', t)
  }
  t = performance.now()
  const model = i.modelSnapshot(project.registry)
  mark('table classes → snapshot', t)
  t = performance.now()
  const from = state.toData()
  let changes = 0
  for (const app of project.registry.apps) {
    const diff = i.diffApp(from, model.snapshot, app.name, { hints: model.hints })
    changes += diff.operations.length + diff.questions.length + diff.held.length
  }
  mark('diff', t)
  return { hit, phases, changes, files, importMs, totalMs: performance.now() - started, rssMB: rss() }
}
