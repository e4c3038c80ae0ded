/**
 * One new (or reopened) embedded database, in a fresh process, through the runtime of dist/:
 *
 *   node embedded-worker.mjs <data dir>
 *
 * `XDG_CACHE_HOME` picks the folder of the cached image and `AUTO_MIGRATIONS_CACHE=off` turns it
 * off. Timed from after the import of dist/runtime.js to the first query answered.
 * Prints `@@result {"ms", "from", "rssMB"}` (`from`: image, initdb, or reopen).
 */
import { report } from './measure.mjs'

const [dir] = process.argv.slice(2)
const { openEngine } = await import('../../dist/runtime.js')
const started = performance.now()
let from = 'reopen'
const engine = await openEngine(
  { pglite: dir },
  {
    root: dir,
    onEmbeddedProgress: (event) => {
      if (event.phase === 'created') from = event.from
    },
  },
)
await engine.query('SELECT 1')
const ms = performance.now() - started
await engine.close()
report({ ms, from, rssMB: process.memoryUsage().rss / 2 ** 20 })
