/**
 * One `vite build` in a fresh process, with or without the plugin (dist/vite.js), as `vite build`
 * would run it; the parent times the whole process.
 *   node vite-build.mjs <root> <with|without> <outDir>
 */
import { report } from './measure.mjs'

const [root, mode, outDir] = process.argv.slice(2)
const { build } = await import('vite')
const plugins = mode === 'with' ? [(await import('../../dist/vite.js')).default()] : []
const started = performance.now()
try {
  await build({ root, configFile: false, logLevel: 'silent', plugins, build: { outDir, emptyOutDir: true } })
  report({ mode, buildMs: performance.now() - started })
} catch (error) {
  report({ mode, error: String(error?.message ?? error).slice(0, 1000) })
}
