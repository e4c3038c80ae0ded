/**
 * One `vite build` in a fresh process, with or without the plugin (dist/vite.js), as `vite build`
 * would run it; the parent times the whole process. Reports the plugin's import time and build()'s.
 *   node vite-build.mjs <root> <with|without> <outDir>
 */
import { report } from './measure.mjs'

const [root, mode, outDir] = process.argv.slice(2)
const { build } = await import('vite')
const beforeImport = performance.now()
const plugins = mode === 'with' ? [(await import('../../dist/vite.js')).default()] : []
const importMs = performance.now() - beforeImport
const started = performance.now()
try {
  await build({ root, configFile: false, logLevel: 'silent', plugins, build: { outDir, emptyOutDir: true } })
  report({ mode, importMs, buildMs: performance.now() - started })
} catch (error) {
  report({ mode, error: String(error?.message ?? error).slice(0, 1000) })
}
