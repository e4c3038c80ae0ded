#!/usr/bin/env node
/**
 * `npm run bench` (builds first, then runs this): every measurement of issue 5 in one run, side by
 * side with the peers, printed as a markdown table and written to bench/results.md.
 *
 *   node bench/run.mjs [--quick] [--only cold,warm,dev,vite,apply,boot,embedded,first,disk] [--skip dev,...] [--regen]
 *
 * --quick   200-migration project only, fewer repetitions, no drizzle-kit at 2,000 (a few minutes)
 * --only    run only these sections (memory rows come with cold and dev)
 * --regen   regenerate the cached projects (bench/.work/large-*)
 * --apply-runs N   repetitions of each apply tool (default 2; 1 with --quick)
 * --pglite-memory  also apply on an in-memory PGlite (runner alone, and the raw-SQL floor)
 * --boot-processes N  processes that run migrate() at once in the boot section (default 32)
 *
 * Every figure is the median of several fresh runs with min–max, except where n=1 says otherwise.
 * The load average is printed with each section: this machine is shared, read the figures with it.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureProject } from './generate.mjs'
import { REPO, WORK } from './lib/internals.mjs'
import {
  fmtMB,
  fmtMs,
  fmtRatio,
  fmtSummary,
  folderSize,
  load,
  machine,
  run,
  runNodeJson,
  summary,
} from './lib/measure.mjs'
import { freshDatabase, serverReachable, SERVER_URL } from './lib/pgdb.mjs'
import { bootHerd, inspectDatabase } from './lib/boot.mjs'
import { findPgBouncer, startPgBouncer } from './lib/pgbouncer.mjs'
import { cliFirstUse, declarationsBuilt, devFirstData, freshClone, newProject, resetClone } from './lib/first-use.mjs'
import { freePort } from './lib/ports.mjs'
import { bundleMigrationSources } from './lib/sources.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2)
const flag = (name) => argv.includes(name)
const list = (name) => {
  const at = argv.indexOf(name)
  return at >= 0 ? argv[at + 1].split(',') : undefined
}
const QUICK = flag('--quick')
const only = list('--only')
const skip = list('--skip') ?? []
const wanted = (section) => (!only || only.includes(section)) && !skip.includes(section)

const CONFIG = QUICK
  ? {
      lengths: [200],
      coldRuns: 3,
      drizzleRuns: { 200: 1 },
      applySteps: 200,
      applyRuns: 1,
      devSteps: 200,
      devEdits: 10,
      viteRuns: 3,
      largeViteRuns: 1,
      warmRuns: 3,
      bootSteps: 200,
      bootProcesses: 32,
      bootAloneRuns: 3,
    }
  : {
      lengths: [200, 2000],
      coldRuns: 5,
      drizzleRuns: { 200: 2, 2000: 1 },
      applySteps: 2000,
      applyRuns: 2,
      devSteps: 2000,
      devEdits: 20,
      viteRuns: 25,
      largeViteRuns: 3,
      warmRuns: 5,
      bootSteps: 200,
      bootProcesses: 32,
      bootAloneRuns: 3,
    }

if (list('--apply-runs')) CONFIG.applyRuns = Number(list('--apply-runs')[0])
if (list('--boot-processes')) CONFIG.bootProcesses = Number(list('--boot-processes')[0])

const BIN = path.join(REPO, 'bin', 'auto-migrations.js')
const DRIZZLE = path.join(REPO, 'node_modules', 'drizzle-kit', 'bin.cjs')
const PICCOLO_2000_S = 2.91 // issue 5, measured by a peer session (not run here: Python)

const started = performance.now()
const sections = []
const notes = []
const problems = []
const loads = []

function log(line) {
  process.stdout.write(`${line}\n`)
}

function section(title) {
  const previous = sections[sections.length - 1]
  if (previous) previous.seconds = Math.round((performance.now() - previous.started) / 1000)
  const s = { title, rows: [], load: load(), started: performance.now() }
  loads.push(`${title}: ${s.load}`)
  sections.push(s)
  log(`\n## ${title}   (load average ${s.load})`)
  return s
}

/** One table row: what, ours, the peer and its figure, ours/peer, the target and whether it is met. */
function row(s, cells) {
  s.rows.push(cells)
  log(
    `  ${cells.what}: ${cells.ours}${cells.peer ? `  | ${cells.peer}: ${cells.peerValue}  | ratio ${cells.ratio}` : ''}${cells.target ? `  | target ${cells.target} ${cells.met ?? ''}` : ''}`,
  )
}

const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'missed')

async function repeat(n, fn) {
  const out = []
  for (let k = 0; k < n; k++) out.push(await fn(k))
  return out
}

// ------------------------------------------------------------------------------------------------
log(`# unplugin-auto-migrations benchmark${QUICK ? ' (quick)' : ''}`)
const host = machine()
log(`machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGB} GB, Node ${host.node}, load average ${load()}`)
if (!existsSync(path.join(REPO, 'dist', 'cli.js'))) {
  log('dist/ is missing: run `npm run build` first (npm run bench does).')
  process.exit(1)
}

// The embedded section needs no generated project.
const needsProjects = ['cold', 'warm', 'dev', 'vite', 'apply', 'boot', 'disk'].some(wanted)
const lengths = [
  ...new Set([
    ...(needsProjects ? CONFIG.lengths : []),
    ...(wanted('apply') ? [CONFIG.applySteps] : []),
    ...(wanted('dev') ? [CONFIG.devSteps] : []),
    ...(wanted('boot') ? [CONFIG.bootSteps] : []),
  ]),
].sort((a, b) => a - b)
const projects = {}
{
  const t = performance.now()
  for (const steps of lengths) projects[steps] = await ensureProject({ steps, force: flag('--regen'), log })
  log(
    `projects ready in ${fmtMs(performance.now() - t)}: ${lengths.map((n) => `${n} migrations → ${path.relative(REPO, projects[n].dir)}`).join(', ')}`,
  )
}
const describe = (m) =>
  `${m.tables} tables, ${m.columns} columns, ${m.steps} migrations (${Object.entries(m.events)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')}; ${m.counts.ourOperations} operations)`
for (const n of lengths) notes.push(`Project at ${n} migrations: ${describe(projects[n].manifest)}.`)

const results = { cold: {}, drizzle: {}, rss: {} }

// ------------------------------------------------------------------------------------------------
if (wanted('cold')) {
  const s = section('Cold check (fresh process, no change)')
  for (const n of CONFIG.lengths) {
    const dir = projects[n].dir
    const ours = await repeat(CONFIG.coldRuns, async () => {
      const r = await run(process.execPath, [BIN, 'check'], {
        cwd: dir,
        env: { ...process.env, AUTO_MIGRATIONS_CACHE: 'off' },
      }) // cold: no snapshot cache
      if (r.code !== 0 || !/No changes/.test(r.stdout))
        problems.push(`check at ${n} exited ${r.code}: ${(r.stdout + r.stderr).slice(0, 500)}`)
      return r
    })
    const oursMs = summary(ours.map((r) => r.ms))
    results.cold[n] = oursMs
    results.rss[`check ${n}`] = summary(ours.map((r) => r.rssMB))
    const peers = {}
    for (const [cmd, expect] of [
      ['check', /Everything's fine/],
      ['generate', /No schema changes/],
    ]) {
      const runs = CONFIG.drizzleRuns[n] ?? 0
      if (!runs) continue
      const rs = await repeat(runs, async () => {
        const r = await run(process.execPath, [DRIZZLE, cmd], { cwd: dir, timeoutMs: 900_000 })
        if (r.code !== 0 || !expect.test(r.stdout + r.stderr))
          problems.push(`drizzle-kit ${cmd} at ${n} exited ${r.code}: ${(r.stdout + r.stderr).slice(-500)}`)
        return r
      })
      peers[cmd] = summary(rs.map((r) => r.ms))
      results.drizzle[`${cmd} ${n}`] = peers[cmd]
      results.rss[`drizzle-kit ${cmd} ${n}`] = summary(rs.map((r) => r.rssMB))
    }
    const target2000 = n === 2000
    for (const cmd of ['check', 'generate']) {
      const p = peers[cmd]
      const ratio = p ? oursMs.median / p.median : undefined
      row(s, {
        what: `cold check, ${n} migrations`,
        ours: fmtSummary(oursMs),
        peer: `drizzle-kit ${cmd}`,
        peerValue: p ? fmtSummary(p) : 'not run',
        ratio: p ? fmtRatio(oursMs.median, p.median) : 'n/a',
        target: target2000 ? (cmd === 'check' ? '≤ 0.6 s and ≤ 0.05× drizzle-kit check' : '') : '',
        met:
          target2000 && cmd === 'check' ? verdict(oursMs.median <= 600 && (ratio === undefined || ratio <= 0.05)) : '',
      })
    }
    if (target2000) {
      row(s, {
        what: 'cold check, 2,000 migrations, vs Piccolo (issue figure)',
        ours: fmtSummary(oursMs),
        peer: 'Piccolo 1.36 (not run here)',
        peerValue: `${PICCOLO_2000_S} s`,
        ratio: fmtRatio(oursMs.median, PICCOLO_2000_S * 1000),
        target: '≤ 0.2×',
        met: verdict(oursMs.median <= 0.2 * PICCOLO_2000_S * 1000),
      })
    }
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('warm')) {
  const s = section('Warm check (nothing changed since the last run)')
  const n = CONFIG.lengths[CONFIG.lengths.length - 1]
  const dir = projects[n].dir
  const checkRun = async (what) => {
    const r = await run(process.execPath, [BIN, 'check'], { cwd: dir })
    if (r.code !== 0 || !/No changes/.test(r.stdout))
      problems.push(`${what} at ${n} exited ${r.code}: ${(r.stdout + r.stderr).slice(0, 500)}`)
    return r
  }
  // (1) Nothing changed since the last clean check: the verdict cache answers, nothing is loaded.
  await checkRun('warm check (first run, fills the caches)')
  const again = await repeat(CONFIG.warmRuns, () => checkRun('warm check'))
  if (again.some((r) => !/no file changed since the last check/.test(r.stdout)))
    problems.push('warm check: the verdict cache was not used')
  const againMs = summary(again.map((r) => r.ms))
  results.warm = againMs
  row(s, {
    what: `CLI \`check\` again, nothing changed, ${n} migrations (whole process)`,
    ours: fmtSummary(againMs),
    target: '≤ 150 ms',
    met: verdict(againMs.median <= 150),
  })
  // (2) A table file changed (a comment): config and apps bundled again and diffed; the replayed
  // history comes from the snapshot cache (no migration loaded).
  const tables = path.join(dir, 'src', 'orders', 'tables.ts')
  const original = readFileSync(tables, 'utf8')
  let edited
  try {
    edited = await repeat(CONFIG.warmRuns, (k) => {
      writeFileSync(tables, `${original}\n// bench edit ${k} ${Date.now()}\n`)
      return checkRun('check after a table edit')
    })
  } finally {
    writeFileSync(tables, original)
  }
  row(s, {
    what: `CLI \`check\` after a table file changed, ${n} migrations (whole process; history from the snapshot cache)`,
    ours: fmtSummary(summary(edited.map((r) => r.ms))),
  })
  await checkRun('check after restoring the table file') // leaves the verdict cache as the project is
  // (3) The dev server's case: the same session checks again (its LoaderCache and memory).
  const session = await runNodeJson(
    path.join(here, 'lib/check-worker.mjs'),
    ['session', dir, String(CONFIG.warmRuns)],
    { cwd: dir },
  )
  row(s, {
    what: `in-process re-check, ${n} migrations (the dev server's session, LoaderCache)`,
    ours: fmtSummary(summary(session.json.warmMs)),
  })
}

// ------------------------------------------------------------------------------------------------
let devDir
if (wanted('dev')) {
  const s = section('Dev server: save to migration file (Vite, embedded database)')
  const n = CONFIG.devSteps
  devDir = path.join(WORK, `dev-${n}`)
  rmSync(devDir, { recursive: true, force: true })
  mkdirSync(devDir, { recursive: true })
  for (const f of ['src', 'migrations.config.ts', 'index.html', 'main.ts', 'manifest.json'])
    cpSync(path.join(projects[n].dir, f), path.join(devDir, f), { recursive: true })
  // The dev database is up to date before the server starts, as it is in a real project: every
  // migration applied to the embedded database (PGlite on disk) by the CLI. That is also the
  // "apply on PGlite" measurement.
  const forwards = await run(process.execPath, [BIN, 'forwards'], { cwd: devDir, timeoutMs: 900_000 })
  if (forwards.code !== 0)
    problems.push(
      `forwards on the embedded database exited ${forwards.code}: ${(forwards.stdout + forwards.stderr).slice(-800)}`,
    )
  results.pgliteForwards = { ms: forwards.ms, rssMB: forwards.rssMB, ok: forwards.code === 0 }
  let dev
  try {
    dev = await runNodeJson(path.join(here, 'lib/dev-worker.mjs'), [devDir, 'orders', String(CONFIG.devEdits)], {
      cwd: devDir,
      timeoutMs: 900_000,
    })
  } catch (error) {
    dev = { json: { skipped: `the dev server run failed: ${error.message.slice(0, 600)}` } }
  }
  if (dev.json.skipped) {
    row(s, { what: 'save → migration file', ours: `SKIPPED: ${dev.json.skipped}` })
  } else {
    const file = summary(dev.json.file)
    const applied = summary(dev.json.applied)
    const d = dev.json.debounceMs
    const ex = (v) => v - d
    row(s, {
      what: `save → migration file, ${n} migrations, p50 / p95 over ${file.n} edits (debounce included)`,
      ours: `${fmtMs(file.median)} / ${fmtMs(file.p95)} (min ${fmtMs(file.min)}, max ${fmtMs(file.max)})`,
    })
    row(s, {
      what: `save → migration file, debounce (${d} ms) excluded, p50 / p95`,
      ours: `${fmtMs(ex(file.median))} / ${fmtMs(ex(file.p95))}`,
      target: 'p50 ≤ 150 ms, p95 ≤ 300 ms',
      met: verdict(ex(file.median) <= 150 && ex(file.p95) <= 300),
    })
    row(s, {
      what: 'save → migration file written AND applied to the dev database, p50 / p95',
      ours: `${fmtMs(applied.median)} / ${fmtMs(applied.p95)}`,
    })
    row(s, {
      what: 'first save after the server started (includes the first load of the project)',
      ours: `file ${fmtMs(dev.json.first.file)}, applied ${fmtMs(dev.json.first.applied)}; server listening after ${fmtMs(dev.json.startMs)}`,
    })
    results.rss.dev = dev.json.rssMB
    notes.push(
      `Dev server: debounce ${d} ms (the plugin's default) is included in the raw figures; ${dev.json.migrationsWritten} migrations written for ${CONFIG.devEdits + 1} edits (one per edit expected).`,
    )
    if (dev.json.migrationsWritten !== CONFIG.devEdits + 1)
      problems.push(`dev server wrote ${dev.json.migrationsWritten} migrations for ${CONFIG.devEdits + 1} edits`)
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('vite')) {
  const s = section('vite build: with and without the plugin')
  const targets = [['playground', path.join(REPO, 'playground'), CONFIG.viteRuns]]
  const largeN = CONFIG.lengths[CONFIG.lengths.length - 1]
  if (CONFIG.largeViteRuns)
    targets.push([`large project (${largeN} migrations)`, projects[largeN].dir, CONFIG.largeViteRuns])
  for (const [name, root, runs] of targets) {
    const times = { with: [], without: [] }
    const inside = { with: [], without: [], importMs: [] }
    const build = async (mode) => {
      const out = path.join(WORK, 'vite-out', `${name.split(' ')[0]}-${mode}`)
      const r = await runNodeJson(path.join(here, 'lib/vite-build.mjs'), [root, mode, out], { cwd: root })
      if (r.json.error) problems.push(`vite build of ${name} ${mode} the plugin failed: ${r.json.error}`)
      inside[mode].push(r.json.buildMs)
      if (mode === 'with') inside.importMs.push(r.json.importMs)
      return r.ms
    }
    // Not counted: the first build with the plugin after a change checks for real and leaves its
    // verdict (as the build before it would have, in a project); both warm the OS's file cache.
    for (const mode of ['without', 'with']) await build(mode)
    for (const list of Object.values(inside)) list.length = 0
    for (let k = 0; k < runs; k++) {
      // Alternate, so drifting load hits both alike.
      for (const mode of k % 2 ? ['with', 'without'] : ['without', 'with']) times[mode].push(await build(mode))
    }
    const w = summary(times.with)
    const wo = summary(times.without)
    // Whole process: the median of the paired differences (each with-build against the build next
    // to it), steadier than a difference of medians when the load drifts, but still ±20 ms here.
    const paired = summary(times.with.map((ms, k) => ms - times.without[k]))
    // In the process: what the plugin adds (importing it, and build()'s time against the paired
    // build without it). Node's start and Vite's import are the same in both: the target is judged
    // on this, relative to the whole build without the plugin.
    const insidePaired = summary(inside.with.map((ms, k) => ms - inside.without[k]))
    const importMs = summary(inside.importMs).median
    const added = importMs + insidePaired.median
    const share = (ms) => `${ms >= 0 ? '+' : ''}${((100 * ms) / wo.median).toFixed(1)}%`
    row(s, {
      what: `vite build, ${name}: what the plugin adds (import + build() in the process)`,
      ours: `${fmtMs(added)}: import ${fmtMs(importMs)}, build() ${insidePaired.median >= 0 ? '+' : ''}${fmtMs(insidePaired.median)} (median of ${runs} paired differences; build() alone ${fmtMs(summary(inside.without).median)} without)`,
      peer: 'whole `vite build` without the plugin',
      peerValue: fmtSummary(wo),
      ratio: share(added),
      target: name === 'playground' ? '≤ 5% slower' : '',
      met: name === 'playground' ? verdict(added / wo.median <= 0.05) : '',
    })
    row(s, {
      what: `vite build, ${name}, whole process with the plugin (median of paired differences: ${paired.median >= 0 ? '+' : ''}${fmtMs(paired.median)}, ${share(paired.median)})`,
      ours: `with ${fmtSummary(w)}`,
      peer: 'without the plugin',
      peerValue: fmtSummary(wo),
      ratio: fmtRatio(w.median, wo.median),
    })
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('apply')) {
  const n = CONFIG.applySteps
  const s = section(`Apply ${n} migrations from empty`)
  const dir = projects[n].dir
  // The whole run should stay under 10 minutes: when the sections before took long (a loaded
  // machine: drizzle-kit alone takes 4–6 min at 2,000 migrations), one run per tool.
  const elapsedS = (performance.now() - started) / 1000
  if (!list('--apply-runs') && CONFIG.applyRuns > 1 && elapsedS > 400) {
    CONFIG.applyRuns = 1
    notes.push(
      `Apply: one run per tool (not 2): the sections before took ${Math.round(elapsedS)} s, and the run should stay under 10 minutes.`,
    )
  }
  if (!(await serverReachable())) {
    row(s, { what: 'apply on the Postgres server', ours: `SKIPPED: ${SERVER_URL} is not reachable` })
  } else {
    const tools = ['ours', 'node-pg-migrate', 'kysely']
    const res = Object.fromEntries([...tools, 'raw'].map((t) => [t, []]))
    for (let k = 0; k < CONFIG.applyRuns; k++) {
      const order = k % 2 ? [...tools].reverse() : tools
      for (const tool of [...order, ...(k === 0 ? ['raw'] : [])]) {
        const db = await freshDatabase(tool)
        try {
          const r = await runNodeJson(path.join(here, 'lib/apply-worker.mjs'), [tool, dir, db.url], {
            cwd: dir,
            timeoutMs: 900_000,
          })
          if (r.json.migrations !== projects[n].manifest.steps)
            problems.push(`${tool} applied ${r.json.migrations} of ${projects[n].manifest.steps} migrations`)
          res[tool].push(r.json)
        } catch (error) {
          problems.push(`apply with ${tool} failed: ${error.message.slice(0, 600)}`)
        } finally {
          await db.drop()
        }
      }
    }
    const med = (tool) => summary(res[tool].map((r) => r.ms))
    const perMigration = (tool) => (res[tool][0] ? (res[tool][0].queries / res[tool][0].migrations).toFixed(1) : 'n/a')
    const fastest = ['node-pg-migrate', 'kysely']
      .filter((t) => res[t].length)
      .sort((a, b) => med(a).median - med(b).median)[0]
    for (const peer of ['node-pg-migrate', 'kysely', 'raw']) {
      if (!res[peer].length || !res.ours.length) continue
      row(s, {
        what: `apply on Postgres 15 (server), ${n} migrations`,
        ours: `${fmtSummary(med('ours'))}, ${perMigration('ours')} queries/migration`,
        peer: peer === 'raw' ? 'floor: each migration’s SQL in BEGIN…COMMIT, 1 query, no history' : peer,
        peerValue: `${fmtSummary(med(peer))}, ${perMigration(peer)} queries/migration`,
        ratio: fmtRatio(med('ours').median, med(peer).median),
        target: peer === fastest ? '≤ 1.0× the fastest peer' : '',
        met: peer === fastest ? verdict(med('ours').median <= med(peer).median) : '',
      })
    }
    results.rss.apply = Object.fromEntries(Object.entries(res).map(([t, rs]) => [t, rs[0]?.rssMB]))
  }
  if (results.pgliteForwards) {
    row(s, {
      what: `apply on PGlite (embedded, on disk): \`auto-migrations forwards\`, whole process, ${CONFIG.devSteps} migrations`,
      ours: `${fmtMs(results.pgliteForwards.ms)} (n=1)${results.pgliteForwards.ok ? '' : ' FAILED'}`,
    })
  }
  if (flag('--pglite-memory')) {
    const ours = await runNodeJson(path.join(here, 'lib/apply-worker.mjs'), ['ours', dir, 'pglite'], {
      cwd: dir,
      timeoutMs: 900_000,
    }).catch((e) => ({ json: { error: e.message } }))
    const raw = await runNodeJson(path.join(here, 'lib/apply-worker.mjs'), ['raw', dir, 'pglite'], {
      cwd: dir,
      timeoutMs: 900_000,
    }).catch((e) => ({ json: { error: e.message } }))
    if (ours.json.error || raw.json.error) problems.push(`apply on PGlite: ${ours.json.error ?? raw.json.error}`)
    row(s, {
      what: `apply on PGlite (in memory), ${n} migrations, runner only`,
      ours: `${fmtMs(ours.json.ms)} (n=1)`,
      peer: 'floor: the same SQL, BEGIN…COMMIT per migration',
      peerValue: `${fmtMs(raw.json.ms)} (n=1)`,
      ratio: fmtRatio(ours.json.ms, raw.json.ms),
    })
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('boot')) {
  // Issue 9: replicas of a server booting together, each calling migrate() at start, on a fresh
  // database; directly and through PgBouncer in transaction mode (where a session advisory lock
  // would exclude nothing). One runner alone on a fresh database is the reference.
  const n = CONFIG.bootSteps
  const count = CONFIG.bootProcesses
  const s = section(`Boot: ${count} processes call migrate() at once (${n} migrations, fresh database)`)
  const dir = projects[n].dir
  const steps = projects[n].manifest.steps
  const tables = projects[n].manifest.tables
  if (!(await serverReachable())) {
    row(s, { what: 'boot on the Postgres server', ours: `SKIPPED: ${SERVER_URL} is not reachable` })
  } else {
    await bundleMigrationSources(dir) // once, before any worker imports it
    const hasBouncer = findPgBouncer() !== undefined
    /**
     * One herd on a fresh database, checked afterwards. Through PgBouncer: a PgBouncer of its own,
     * stopped (its log read) before the database is dropped (DROP … WITH (FORCE) ends the server
     * connections it keeps, which it logs as warnings that say nothing about the run).
     */
    const herd = async (label, processes, { bouncer: viaBouncer = false } = {}) => {
      const db = await freshDatabase(`boot_${label}`)
      const name = new URL(db.url).pathname.slice(1)
      let via
      try {
        if (viaBouncer) via = await startPgBouncer({ server: SERVER_URL })
        const { readyMs, results } = await bootHerd({ dir, url: via ? via.url(name) : db.url, count: processes })
        const after = await inspectDatabase(db.url)
        const failed = results.filter((r) => r.code !== 0 || !r.json || r.json.error)
        for (const f of failed.slice(0, 3))
          problems.push(
            `boot ${label}: a process exited ${f.code}: ${f.json?.code ?? ''} ${f.json?.error ?? f.tail}`.slice(0, 700),
          )
        if (failed.length > 3) problems.push(`boot ${label}: ${failed.length} processes failed in all`)
        const ok = results.filter((r) => r.json && !r.json.error)
        const waits = ok.map((r) => r.json.ms)
        const appliedBy = results.filter((r) => r.json?.applied > 0).length
        const appliedSum = results.reduce((sum, r) => sum + (r.json?.applied ?? 0), 0)
        const once =
          after.rows === steps &&
          after.keys === steps &&
          appliedSum === steps &&
          after.tables === tables &&
          after.partial === 0 &&
          !after.lockHeld &&
          failed.length === 0
        if (!once)
          problems.push(
            `boot ${label}: not exactly once: ${JSON.stringify({ ...after, appliedSum, appliedBy, failed: failed.length })}`,
          )
        // Where the wait went, on one clock (the server's history and the processes' wall clocks):
        // from the release to the first migration's transaction (every process running forwards()
        // of each migration, the lock), the migrations, and from the last commit to the last return.
        const go = Math.min(...ok.map((r) => r.json.startedAt))
        const end = Math.max(...ok.map((r) => r.json.endedAt))
        const phases = {
          beforeFirst: after.firstAt - go,
          applying: after.lastAt - after.firstAt,
          afterLast: end - after.lastAt,
        }
        const logged = via?.problems() ?? []
        if (logged.length)
          problems.push(
            `boot ${label}: PgBouncer logged ${logged.length} ERROR/WARNING lines, e.g. ${logged.slice(0, 3).join(' / ')}`.slice(
              0,
              900,
            ),
          )
        return {
          label,
          processes,
          readyMs,
          waits,
          failed: failed.length,
          appliedBy,
          appliedSum,
          after,
          once,
          phases,
          via: via?.version ?? 'PgBouncer',
          poolSize: via?.poolSize,
          bouncerLines: logged.length,
        }
      } finally {
        await via?.stop()
        await db.drop()
      }
    }
    const describeOnce = (h) =>
      `history ${h.after.rows} rows (${h.after.keys} distinct) for ${steps} migrations; Σ applied ${h.appliedSum}, by ${h.appliedBy} process${h.appliedBy === 1 ? '' : 'es'}; ` +
      `${h.after.tables}/${tables} tables; ${h.processes - h.failed}/${h.processes} exited 0; lock ${h.after.lockHeld ? 'STILL HELD' : 'free'}${h.after.partial ? `; ${h.after.partial} partial` : ''}`
    const describePhases = (p) =>
      `release → first migration ${fmtMs(p.beforeFirst)}, applying ${fmtMs(p.applying)}, last commit → last return ${fmtMs(p.afterLast)}`

    // The runs alone go between the herds (alone, direct, alone, PgBouncer, alone): this machine's
    // apply time drifts by 2× within a minute, and the reference should see the same drift.
    const alone = []
    const herds = []
    const aloneRun = async () => {
      const a = await herd('alone', 1)
      if (a.waits[0] !== undefined) alone.push(a)
    }
    const plan = [aloneRun, async () => herds.push(await herd('direct', count))]
    if (hasBouncer) {
      plan.push(aloneRun, async () => {
        try {
          herds.push(await herd('pgbouncer', count, { bouncer: true }))
        } catch (error) {
          problems.push(`boot through PgBouncer failed: ${error.message.slice(0, 400)}`)
        }
      })
    }
    while (plan.filter((f) => f === aloneRun).length < CONFIG.bootAloneRuns) plan.push(aloneRun)
    for (const step of plan) await step()
    const one = summary(alone.map((a) => a.waits[0]))
    row(s, {
      what: `one runner alone, fresh database: \`migrate()\` of ${n} migrations (fresh process, timed inside it)`,
      ours: fmtSummary(one),
    })
    const phase = (key, list) => summary(list.map((h) => h.phases[key])).median
    const alonePhases = {
      beforeFirst: phase('beforeFirst', alone),
      applying: phase('applying', alone),
      afterLast: phase('afterLast', alone),
    }
    for (const h of herds) {
      const w = summary(h.waits)
      const how =
        h.label === 'pgbouncer' ? `through ${h.via}, transaction mode (pool ${h.poolSize})` : 'direct to Postgres'
      row(s, {
        what: `${count} processes, ${how}: each one's wait, migrate() to its return, p50 / p95 (max)`,
        ours: `${fmtMs(w.median)} / ${fmtMs(w.p95)} (max ${fmtMs(w.max)}; n=${w.n})`,
        peer: 'one runner alone (p95 against it)',
        peerValue: fmtMs(one.median),
        ratio: fmtRatio(w.p95, one.median),
        target: 'p95 ≤ 2× one runner alone',
        met: verdict(h.failed === 0 && w.p95 <= 2 * one.median),
      })
      row(s, {
        what: `${count} processes, ${how}: where the last one's wait went (one clock: the history's ran_on + duration_ms, the processes' wall clocks)`,
        ours: describePhases(h.phases),
        peer: 'one runner alone (medians)',
        peerValue: describePhases(alonePhases),
      })
      row(s, {
        what: `${count} processes, ${how}: exactly once`,
        ours: describeOnce(h),
        target: 'each migration once, every process exits 0',
        met: verdict(h.once),
      })
      notes.push(
        `Boot, ${h.label}: the ${count} processes were loaded (node, dist/runtime.js, the migration modules) ${fmtMs(h.readyMs)} after the first spawn, then their migrate() calls were released together` +
          `${h.label === 'pgbouncer' ? `; PgBouncer logged ${h.bouncerLines} ERROR/WARNING lines` : ''}.`,
      )
    }
    if (!hasBouncer)
      row(s, { what: `${count} processes through PgBouncer`, ours: 'SKIPPED: pgbouncer is not installed' })
    notes.push(
      `Boot: the bench history has no data migration (every migration is schema operations), so exactly once is checked on the history rows, the sum of what each process's migrate() applied, and the project's ${tables} tables.`,
    )
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('embedded')) {
  // Issue 12: a new embedded database from the cached image of an initialised data directory,
  // side by side with initdb (what every new one cost before). Each figure is a fresh process.
  const s = section('New embedded database (PGlite): initdb vs the cached image')
  const base = path.join(WORK, `embedded-${process.pid}`)
  rmSync(base, { recursive: true, force: true })
  const runs = QUICK ? 2 : 3
  let k = 0
  const create = async (env, dir = path.join(base, `db-${k++}`)) => {
    const { json } = await runNodeJson(path.join(here, 'lib', 'embedded-worker.mjs'), [dir], { env })
    return { ...json, dir }
  }
  const cache = (name) => ({ XDG_CACHE_HOME: path.join(base, name) })
  try {
    const initdb = await repeat(runs, () => create({ AUTO_MIGRATIONS_CACHE: 'off' }))
    const first = await repeat(runs, (i) => create(cache(`cache-first-${i}`)))
    const cached = await repeat(runs, () => create(cache('cache-first-0')))
    const reopened = await repeat(runs, (i) => create(cache('cache-first-0'), cached[i].dir))
    const froms = (list) => [...new Set(list.map((r) => r.from))].join(', ')
    const ms = (list) => summary(list.map((r) => r.ms))
    const before = ms(initdb)
    for (const [what, list] of [
      ['first creation on a machine (initdb, then the image written)', first],
      ['from the cached image', cached],
      ['reopening an existing one', reopened],
    ])
      row(s, {
        what: `${what} [${froms(list)}]`,
        ours: fmtSummary(ms(list)),
        peer: `before: initdb every time [${froms(initdb)}]`,
        peerValue: fmtSummary(before),
        ratio: fmtRatio(ms(list).median, before.median),
      })
    notes.push(
      'New embedded database: from the import of dist/runtime.js to the first query answered, with all the contrib extensions loaded; the image is cached per PGlite version under $XDG_CACHE_HOME/unplugin-auto-migrations.',
    )
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('first')) {
  // Issue 12: what a new user waits for, next to Node's own start in the same run. The CLI rows use
  // a new copy of the playground's apps with no migration and no database; the dev rows a clone of
  // HEAD after `npm ci`. The image of a new embedded database is cached per machine: `cached` rows
  // use a cache warmed by the run before them, `no image` rows an empty cache folder.
  const s = section('First use: a new project on the embedded database, and `npm run dev` of a fresh clone')
  const base = path.join(WORK, `first-${process.pid}`)
  rmSync(base, { recursive: true, force: true })
  const runs = QUICK ? 3 : 5
  const devRuns = QUICK ? 1 : 2
  const cacheOf = (name) => ({ XDG_CACHE_HOME: path.join(base, name) })
  try {
    const node = summary((await repeat(runs, () => run(process.execPath, ['-e', '']))).map((r) => r.ms))
    row(s, { what: '`node -e ""` (Node starting and exiting, the floor of any command)', ours: fmtSummary(node) })
    const nodePeer = { peer: '`node -e ""`', peerValue: fmtMs(node.median) }
    let k = 0
    const cli = (cache) => {
      const dir = path.join(base, `project-${k++}`)
      newProject(REPO, dir)
      return cliFirstUse({ bin: BIN, dir, env: cache })
    }
    const noImage = await repeat(QUICK ? 1 : 2, (i) => cli(cacheOf(`cache-cli-${i}`)))
    const cached = await repeat(runs, () => cli(cacheOf('cache-cli-0')))
    const firstUse = summary(cached.map((r) => r.firstUseMs))
    row(s, {
      what: '1. first use of a new project: `new all --auto` + `forwards`, the embedded database created from nothing (image cached)',
      ours: `${fmtSummary(firstUse)}: new ${fmtMs(summary(cached.map((r) => r.newMs)).median)}, forwards ${fmtMs(summary(cached.map((r) => r.forwardsMs)).median)}`,
      ...nodePeer,
      ratio: fmtRatio(firstUse.median, node.median),
      target: '≤ 2 s',
      met: verdict(firstUse.median <= 2000),
    })
    row(s, {
      what: '1b. the same on a machine with no cached image yet (initdb, then the image written)',
      ours: fmtSummary(summary(noImage.map((r) => r.firstUseMs))),
      ...nodePeer,
      ratio: fmtRatio(summary(noImage.map((r) => r.firstUseMs)).median, node.median),
    })
    const later = summary(cached.map((r) => r.statusMs))
    row(s, {
      what: '2. a later command that opens it: `status`',
      ours: fmtSummary(later),
      ...nodePeer,
      ratio: fmtRatio(later.median, node.median),
      target: '≤ 0.8 s',
      met: verdict(later.median <= 800),
    })

    const clone = path.join(base, 'clone')
    const { npmCiMs } = await freshClone(REPO, clone)
    const port = await freePort()
    const dev = async (cache, { fresh }) => {
      if (fresh) resetClone(clone)
      const { ms } = await devFirstData({ dir: clone, port, env: cache })
      // The declarations build in the background after a fresh start: let it end before the next run.
      if (fresh && !(await declarationsBuilt(clone)))
        problems.push('first: the declarations npm run dev builds in the background did not appear within 2 min')
      return ms
    }
    const devNoImage = await repeat(1, () => dev(cacheOf('cache-dev'), { fresh: true }))
    const devFresh = summary(await repeat(devRuns, () => dev(cacheOf('cache-dev'), { fresh: true })))
    const devLater = summary(await repeat(QUICK ? 2 : 3, () => dev(cacheOf('cache-dev'), { fresh: false })))
    row(s, {
      what: `3. \`npm run dev\` on a fresh clone after \`npm ci\` (${fmtMs(npmCiMs)}): spawn → the page and its data (\`/api/schema\` with rows); builds dist/'s JavaScript, creates the database (image cached)`,
      ours: fmtSummary(devFresh),
      ...nodePeer,
      ratio: fmtRatio(devFresh.median, node.median),
      target: '≤ 10 s',
      met: verdict(devFresh.median <= 10_000),
    })
    row(s, {
      what: '3b. the same with no cached image on the machine',
      ours: fmtSummary(summary(devNoImage)),
      target: '≤ 10 s',
      met: verdict(devNoImage[0] <= 10_000),
    })
    row(s, {
      what: '3c. `npm run dev` again (dist/ up to date, the database exists)',
      ours: fmtSummary(devLater),
      ...nodePeer,
      ratio: fmtRatio(devLater.median, node.median),
      target: '≤ 5 s',
      met: verdict(devLater.median <= 5000),
    })
    notes.push(
      'First use: the CLI rows run `node bin/auto-migrations.js` in a copy of the playground apps without migrations (`bench/lib/first-use.mjs`); the dev rows clone HEAD (uncommitted changes are not in it), run `npm ci --prefer-offline` once, and reset dist/, the database and the caches before each fresh start; the type declarations that `npm run dev` builds in the background are awaited between runs.',
    )
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------------------------------------
if (wanted('cold') || wanted('dev')) {
  const s = section('Memory (peak RSS)')
  for (const n of CONFIG.lengths) {
    const ours = results.rss[`check ${n}`]
    if (!ours) continue
    for (const cmd of ['check', 'generate']) {
      const p = results.rss[`drizzle-kit ${cmd} ${n}`]
      row(s, {
        what: `cold check, ${n} migrations`,
        ours: fmtMB(ours.median),
        peer: `drizzle-kit ${cmd}`,
        peerValue: p ? fmtMB(p.median) : 'not run',
        ratio: p ? fmtRatio(ours.median, p.median) : 'n/a',
        target: n === 2000 && cmd === 'check' ? '≤ 150 MB' : '',
        met: n === 2000 && cmd === 'check' ? verdict(ours.median <= 150) : '',
      })
    }
  }
  if (results.rss.dev)
    row(s, {
      what: `Vite dev server with the plugin and the embedded database, after ${CONFIG.devEdits + 1} saves`,
      ours: fmtMB(results.rss.dev),
    })
}

// ------------------------------------------------------------------------------------------------
if (wanted('disk')) {
  const s = section('Disk: migration history')
  for (const n of CONFIG.lengths) {
    const dir = projects[n].dir
    const ours = await folderSize(path.join(dir, 'src'), (f) => f.includes(`${path.sep}migrations${path.sep}`))
    const theirs = await folderSize(path.join(dir, 'drizzle'))
    row(s, {
      what: `history on disk, ${n} migrations`,
      ours: `${(ours.bytes / 2 ** 20).toFixed(1)} MB (${ours.files} files)`,
      peer: 'drizzle-kit (SQL + snapshots + journal)',
      peerValue: `${(theirs.bytes / 2 ** 20).toFixed(1)} MB (${theirs.files} files)`,
      ratio: fmtRatio(ours.bytes, theirs.bytes),
      target: n === 2000 ? '≤ 10 MB' : '',
      met: n === 2000 ? verdict(ours.bytes <= 10 * 2 ** 20) : '',
    })
  }
}

// ------------------------------------------------------------------------------------------------
const totalMs = performance.now() - started
if (sections.length)
  sections[sections.length - 1].seconds = Math.round((performance.now() - sections[sections.length - 1].started) / 1000)
const md = [
  `# Benchmark results${QUICK ? ' (quick run)' : ''}`,
  '',
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`node bench/run.mjs ${argv.join(' ')}\` (what \`npm run bench\` runs after building dist/) in ${fmtMs(totalMs)}.`,
  '',
  `Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGB} GB RAM, Node ${host.node}, ${host.platform}.`,
  `Load average (1/5/15 min) at each section: ${loads.join('; ')}; at the end: ${load()}.`,
  'The machine was shared with other work while this ran: compare figures within one run (the ratios), not across runs.',
  '',
  '| measurement | ours | peer | peer figure | ours / peer | target | |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...sections.flatMap((s) => [
    `| **${s.title}** (load ${s.load}; ${s.seconds} s) | | | | | | |`,
    ...s.rows.map(
      (r) =>
        `| ${r.what} | ${r.ours} | ${r.peer ?? ''} | ${r.peerValue ?? ''} | ${r.ratio ?? ''} | ${r.target ?? ''} | ${r.met ?? ''} |`,
    ),
  ]),
  '',
  'Figures: median (min–max, n runs), each run a fresh process unless the row says otherwise.',
  ...notes.map((n) => `- ${n}`),
  ...(problems.length ? ['', '**Problems in this run:**', ...problems.map((p) => `- ${p.replace(/\n/g, ' ')}`)] : []),
  '',
]
// Only a complete default run replaces results.md (the README's table); others go beside it.
const out = path.join(
  here,
  QUICK ? 'results-quick.md' : only || skip.length || list('--apply-runs') ? 'results-partial.md' : 'results.md',
)
writeFileSync(out, md.join('\n'))
log(`\n${md.join('\n')}`)
log(`written to ${path.relative(REPO, out)}; total ${fmtMs(totalMs)}`)
if (problems.length) process.exitCode = 1
