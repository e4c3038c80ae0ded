/**
 * One booting server process of the boot section: our runner (createMigrator from dist/runtime.js)
 * with a generated project's migrations, as a server would call `migrate()` at start.
 *
 *   node boot-worker.mjs <project dir> <database url>
 *
 * Everything before `migrate()` (node's start, importing dist/runtime.js and the migration modules,
 * createMigrator) happens first; then it prints `@@ready` and waits for a line on stdin, so that the
 * parent can start every process's `migrate()` at the same instant. The wait is timed inside the
 * process, from the call of `migrate()` to its return (it includes forwards() of every migration,
 * as the apply section's figure does, the lock and the migrations it applies).
 * Prints `@@result {"ms", "applied", "readyMs", "startedAt", "endedAt", "rssMB"}`, or `@@result {"error", "code"}` and exits 1.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { report } from './measure.mjs'
import { loadMigrationSources } from './sources.mjs'

const [dir, database] = process.argv.slice(2)
const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))
const { createMigrator } = await import('../../dist/runtime.js')
const sources = await loadMigrationSources(dir)
const migrator = createMigrator({
  apps: manifest.apps.map((a) => ({ name: a.name, dependencies: a.dependencies })),
  migrations: sources,
  database,
  root: dir,
})
const readyMs = performance.now()

process.stdout.write('@@ready\n')
const lines = createInterface({ input: process.stdin })
await new Promise((resolve) => lines.once('line', resolve))
lines.close()

const started = performance.now()
try {
  const result = await migrator.migrate()
  const ms = performance.now() - started
  await migrator.close()
  // Wall-clock times too (ms since the epoch), for the parent to line them up with the history's.
  report({
    ms,
    applied: result.applied.length,
    readyMs,
    startedAt: performance.timeOrigin + started,
    endedAt: performance.timeOrigin + started + ms,
    rssMB: process.resourceUsage().maxRSS / 1024,
  })
} catch (error) {
  const ms = performance.now() - started
  report({ ms, error: String(error?.message ?? error).slice(0, 800), code: error?.code })
  await migrator.close().catch(() => undefined)
  process.exitCode = 1
}
