/**
 * Save-to-migration-file latency in a running Vite dev server with the plugin (dist/vite.js), on a
 * copy of a generated project whose embedded database already has every migration applied.
 *
 *   node dev-worker.mjs <project copy> <app> <edits>
 *
 * Each edit adds a nullable column to a table of `<app>`'s tables.ts (written in place, as editors
 * do). Measured per edit, from the moment the write returned:
 *   file     the new migration file appears in the app's migrations folder (fs.watch);
 *   applied  the plugin logs the written migration, which it does once the migration is also applied
 *            to the dev database.
 * The first edit after the server started is reported apart (it includes the first load of the
 * project, which the plugin starts in the background at server start).
 * Prints `@@result { startMs, first: {file, applied}, file: [...], applied: [...], debounceMs, rssMB }`.
 */
import { readFileSync, watch, writeFileSync } from 'node:fs'
import path from 'node:path'
import { report } from './measure.mjs'

const [dir, app, editsArg] = process.argv.slice(2)
const edits = Number(editsArg ?? 20)
const PREFIX = process.env.BENCH_EDIT_PREFIX ?? 'benchEdit'
const DEBOUNCE_MS = 50 // the plugin's default (src/plugin/index.ts); the bench does not change it

let plugin
try {
  plugin = (await import('../../dist/vite.js')).default
} catch (error) {
  report({
    skipped: `dist/vite.js could not be imported (${error.message.split('\n')[0]}): the plugin is not built yet`,
  })
  process.exit(0)
}
if (typeof plugin !== 'function') {
  report({ skipped: 'dist/vite.js has no default export: the plugin is not finished yet' })
  process.exit(0)
}
const { createServer, createLogger } = await import('vite')

const logged = []
const waiters = []
const logger = createLogger('info', { allowClearScreen: false })
const quiet = { ...logger }
for (const level of ['info', 'warn', 'warnOnce', 'error']) {
  quiet[level] = (message) => {
    const text = String(message)
    if (text.includes('[auto-migrations]')) {
      logged.push({ at: performance.now(), level, text })
      for (const w of waiters.splice(0)) w()
    }
    if (level === 'error' && process.env.BENCH_VERBOSE) console.error(text)
  }
}

const migrationsDir = path.join(dir, 'src', app, 'migrations')
const tablesFile = path.join(dir, 'src', app, 'tables.ts')
const appeared = []
const fileWaiters = []
const watcher = watch(migrationsDir, (event, name) => {
  if (!name || name.startsWith('.') || !name.endsWith('.ts') || appeared.some((a) => a.name === name)) return
  appeared.push({ at: performance.now(), name })
  for (const w of fileWaiters.splice(0)) w()
})

/** Resolves with predicate()'s first truthy value, re-checked whenever `waitList`'s event fires. */
const until = (waitList, predicate, timeoutMs, what) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; the plugin said: ${logged
              .map((l) => l.text)
              .join(' | ')
              .slice(0, 2000)}`,
          ),
        ),
      timeoutMs,
    )
    const check = () => {
      const found = predicate()
      if (!found) return waitList.push(check)
      clearTimeout(timer)
      resolve(found)
    }
    check()
  })

const started = performance.now()
const server = await createServer({
  root: dir,
  configFile: false,
  customLogger: quiet,
  logLevel: 'info',
  appType: 'custom',
  clearScreen: false,
  // Each edit is a new migration here (as in a repository whose migrations are committed), not an amend.
  plugins: [plugin({ amend: false })],
  server: { port: 0, host: '127.0.0.1', hmr: false },
  optimizeDeps: { noDiscovery: true, include: [] },
})
await server.listen()
const startMs = performance.now() - started

let source = readFileSync(tablesFile, 'utf8')
const classes = [...source.matchAll(/^export class (\w+) extends Table \{$/gm)].map((m) => m[1])
const results = []
for (let n = 0; n <= edits; n++) {
  const cls = classes[n % classes.length]
  source = source.replace(
    `export class ${cls} extends Table {\n`,
    `export class ${cls} extends Table {\n  ${PREFIX}${n} = new Integer({ null: true })\n`,
  )
  if (!/\bInteger\b/.test(source.split('\n')[0])) source = source.replace('import { ', 'import { Integer, ')
  const fileCount = appeared.length
  const logCount = logged.length
  writeFileSync(tablesFile, source)
  const t0 = performance.now()
  const file = await until(fileWaiters, () => appeared[fileCount], 120_000, `a migration file after edit ${n}`)
  const done = await until(
    waiters,
    () => logged.slice(logCount).find((l) => l.level !== 'info' || l.text.includes(PREFIX)),
    120_000,
    `the plugin's log line after edit ${n}`,
  )
  results.push({ file: file.at - t0, applied: done.at - t0, level: done.level })
  if (done.level !== 'info') throw new Error(`the plugin reported a problem: ${done.text}`)
  // Let the watcher deliver the events of the plugin's own write before the next edit.
  await new Promise((r) => setTimeout(r, 150))
}
watcher.close()
await server.close()
const [first, ...rest] = results
report({
  startMs,
  first,
  file: rest.map((r) => r.file),
  applied: rest.map((r) => r.applied),
  debounceMs: DEBOUNCE_MS,
  migrationsWritten: appeared.length,
  sample: logged.slice(-1)[0]?.text,
  rssMB: process.resourceUsage().maxRSS / 1024,
})
process.exit(0)
