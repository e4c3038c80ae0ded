/**
 * In-process measurements of the check, in a fresh process each (the tool is src/ bundled by
 * ./internals.mjs: the same code as dist/, with its internals reachable).
 *
 *   node check-worker.mjs phases <dir>      a cold check split into the phases of loadProjectState + plan
 *   node check-worker.mjs session <dir> <n> openProjectSession: check() once (cold), then n more
 *                                           (warm: nothing changed, the session's LoaderCache)
 * Prints `@@result {...}` with times in ms and peak RSS.
 */
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
      migrations.push({
        app: app.name,
        id: file.id,
        file: file.file,
        description: file.description,
        operations: manager.operations,
      })
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
  const replayed = { project, apps, state, model, modelError: undefined, errors: [], watchFiles: [] }
  t = performance.now()
  const plans = i.planNewMigrations(replayed)
  add('diff every app (planNewMigrations)', performance.now() - t)
  t = performance.now()
  const changes = await i.reportPlans(replayed, plans)
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
} else {
  throw new Error(`unknown mode ${mode}`)
}
