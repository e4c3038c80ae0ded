#!/usr/bin/env node
/**
 * Where the cold check's time goes, on the large project (2,000 migrations by default):
 *   node bench/profile.mjs [--steps 2000] [--runs 3] [--also dev,apply,vite-large]
 * 1. phases: the check split into loadProjectState's and plan's steps (bench/lib/check-worker.mjs phases),
 *    median over --runs fresh processes;
 * 2. a V8 CPU profile of the real command (`node --cpu-prof bin/auto-migrations.js check`): self and
 *    inclusive time per function, and time per origin (our code, esbuild, the migration bundle, GC…).
 * 3. a CPU profile of the playground's `vite build` with the plugin (the build gate);
 * --also dev: the Vite dev server with the plugin over 8 saves (needs bench/.work/dev-<steps>, left by
 *   `npm run bench`: a copy whose embedded database has every migration);
 * --also apply: our runner applying every migration to a new Postgres database;
 * --also vite-large: `vite build` of the large project with the plugin.
 * Writes bench/profile.md (and the .cpuprofile under bench/.work/profiles, for Chrome DevTools).
 */
import { readFileSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureProject } from './generate.mjs'
import { REPO, WORK } from './lib/internals.mjs'
import { analyzeProfile } from './lib/cpuprofile.mjs'
import { fmtMs, load, machine, run, runNodeJson, summary } from './lib/measure.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2)
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const steps = Number(opt('--steps', 2000))
const runs = Number(opt('--runs', 3))
const also = opt('--also', '').split(',').filter(Boolean)

const { dir, manifest } = await ensureProject({ steps })
const host = machine()
const out = [
  `# Profile of the cold check (${steps} migrations)`,
  '',
  `Machine: ${host.cpu}, ${host.cores} cores, Node ${host.node}; load average at start ${load()}.`,
  `Project: ${manifest.tables} tables, ${manifest.columns} columns, ${manifest.steps} migration files, ${manifest.counts.ourOperations} operations.`,
  '',
]

// ---- 1. phases ----
const phaseRuns = []
for (let k = 0; k < runs; k++)
  phaseRuns.push((await runNodeJson(path.join(here, 'lib/check-worker.mjs'), ['phases', dir], { cwd: dir })).json)
const names = Object.keys(phaseRuns[0].phases)
out.push(
  `## Phases (median of ${runs} fresh processes, in-process timers)`,
  '',
  '| phase | median | min–max | share |',
  '| --- | --- | --- | --- |',
)
const total = summary(phaseRuns.map((r) => r.totalMs))
for (const name of names) {
  const s = summary(phaseRuns.map((r) => r.phases[name]))
  out.push(
    `| ${name} | ${fmtMs(s.median)} | ${fmtMs(s.min)}–${fmtMs(s.max)} | ${Math.round((100 * s.median) / total.median)}% |`,
  )
}
const imp = summary(phaseRuns.map((r) => r.importMs))
out.push(
  `| (import of the tool's modules) | ${fmtMs(imp.median)} | ${fmtMs(imp.min)}–${fmtMs(imp.max)} | ${Math.round((100 * imp.median) / total.median)}% |`,
)
out.push(`| **total in process** | ${fmtMs(total.median)} | ${fmtMs(total.min)}–${fmtMs(total.max)} | |`, '')
console.log(out.join('\n'))

// ---- 2. CPU profile of the real command ----
const profDir = path.join(WORK, 'profiles')
rmSync(profDir, { recursive: true, force: true })
mkdirSync(profDir, { recursive: true })
const cmd = await run(
  process.execPath,
  [
    '--cpu-prof',
    `--cpu-prof-dir=${profDir}`,
    '--cpu-prof-interval=250',
    path.join(REPO, 'bin/auto-migrations.js'),
    'check',
  ],
  { cwd: dir },
)
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))

const prof = analyzeProfile(path.join(profDir, file), {
  REPO,
  title: `CPU profile of \`auto-migrations check\` (one run, ${fmtMs(cmd.ms)} wall; exit ${cmd.code})`,
})
console.log(prof.join('\n'))
out.push(...prof)

// ---- 3. the build gate: `vite build` of the playground with the plugin, profiled ----
const viteDir = path.join(profDir, 'vite')
mkdirSync(viteDir, { recursive: true })
const vite = await run(
  process.execPath,
  [
    '--cpu-prof',
    `--cpu-prof-dir=${viteDir}`,
    '--cpu-prof-interval=250',
    path.join(here, 'lib/vite-build.mjs'),
    path.join(REPO, 'playground'),
    'with',
    path.join(WORK, 'vite-out', 'profile'),
  ],
  { cwd: path.join(REPO, 'playground') },
)
const viteFile = readdirSync(viteDir).find((f) => f.endsWith('.cpuprofile'))
const viteProf = analyzeProfile(path.join(viteDir, viteFile), {
  REPO,
  title: `CPU profile of \`vite build\` of the playground WITH the plugin (one run, ${fmtMs(vite.ms)} wall)`,
  top: 20,
})
console.log(viteProf.join('\n'))
out.push('', ...viteProf)
/** Runs a node script under --cpu-prof and adds its analysis. */
async function profiled(name, title, script, args, options) {
  const dirOf = path.join(profDir, name)
  mkdirSync(dirOf, { recursive: true })
  const r = await run(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dirOf}`, '--cpu-prof-interval=500', script, ...args],
    options,
  )
  const result =
    r.stdout.split('\n').find((l) => l.startsWith('@@result ')) ??
    `(no result, exit ${r.code}: ${r.stderr.slice(-300)})`
  const f = readdirSync(dirOf).find((x) => x.endsWith('.cpuprofile'))
  const lines = analyzeProfile(path.join(dirOf, f), { REPO, title: `${title} (${fmtMs(r.ms)} wall)`, top: 25 })
  lines.splice(1, 0, '', `Result: \`${result.slice(0, 600)}\``)
  console.log(lines.join('\n'))
  out.push('', ...lines)
}
if (also.includes('dev')) {
  const devDir = path.join(WORK, `dev-${steps}`)
  await profiled(
    'dev',
    `the Vite dev server with the plugin, 9 saves of src/orders/tables.ts (${steps} migrations)`,
    path.join(here, 'lib/dev-worker.mjs'),
    [devDir, 'orders', '8'],
    { cwd: devDir, env: { BENCH_EDIT_PREFIX: `prof${Date.now() % 1_000_000}E` } },
  )
}
if (also.includes('apply')) {
  const { freshDatabase } = await import('./lib/pgdb.mjs')
  const db = await freshDatabase('profile')
  try {
    await profiled(
      'apply',
      `our runner applying ${steps} migrations to a new Postgres database`,
      path.join(here, 'lib/apply-worker.mjs'),
      ['ours', dir, db.url],
      { cwd: dir },
    )
  } finally {
    await db.drop()
  }
}
if (also.includes('vite-large')) {
  await profiled(
    'vite-large',
    `\`vite build\` of the large project (${steps} migrations) with the plugin`,
    path.join(here, 'lib/vite-build.mjs'),
    [dir, 'with', path.join(WORK, 'vite-out', 'profile-large')],
    { cwd: dir },
  )
}

writeFileSync(path.join(here, 'profile.md'), `${out.join('\n')}\n`)
console.log(`written to bench/profile.md; load average at the end ${load()}`)
