/**
 * Evidence for the loader proposal: how long esbuild takes to bundle every migration of a generated
 * project in ONE build (as src/build/loader/migrations.ts does), with and without an onResolve plugin
 * (one JS round trip per import of the package, as the loader's resolve-packages plugin does).
 *   node esbuild-experiment.mjs <project dir> [runs]
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { report } from './measure.mjs'

const [dirArg, runsArg] = process.argv.slice(2)
const dir = path.resolve(dirArg)
const runs = Number(runsArg ?? 3)
const files = []
for (const app of readdirSync(path.join(dir, 'src'))) {
  const folder = path.join(dir, 'src', app, 'migrations')
  for (const f of readdirSync(folder).filter((f) => f.endsWith('.ts'))) files.push(path.join(folder, f))
}
const contents = files.map((f, i) => `export * as m${i} from ${JSON.stringify(f)}`).join('\n')
const base = {
  stdin: { contents, resolveDir: dir, loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'silent',
  packages: 'external',
}
const resolvedOnce = new Map()
const variants = {
  'no plugin (packages external)': {},
  'onResolve plugin, answers at once': {
    plugins: [
      {
        name: 'p',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true }))
        },
      },
    ],
  },
  'onResolve plugin + build.resolve (cached per folder), as the loader does': {
    plugins: [
      {
        name: 'p',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, async (a) => {
            if (a.pluginData === 'x') return undefined
            const key = `${a.resolveDir}\0${a.path}`
            if (!resolvedOnce.has(key)) {
              const r = await b.resolve(a.path, {
                kind: a.kind,
                resolveDir: a.resolveDir,
                importer: a.importer,
                pluginData: 'x',
              })
              resolvedOnce.set(
                key,
                r.errors.length || r.external || !path.isAbsolute(r.path) ? null : pathToFileURL(r.path).href,
              )
            }
            return { path: resolvedOnce.get(key) ?? a.path, external: true }
          })
        },
      },
    ],
  },
  'onResolve plugin + build.resolve, the PROMISE cached per folder (proposed fix)': {
    plugins: [
      {
        name: 'p',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, async (a) => {
            if (a.pluginData === 'x') return undefined
            const key = `${a.resolveDir}\0${a.path}`
            if (!resolvedOnce.has(key)) {
              resolvedOnce.set(
                key,
                b
                  .resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: 'x' })
                  .then((r) =>
                    r.errors.length || r.external || !path.isAbsolute(r.path) ? null : pathToFileURL(r.path).href,
                  ),
              )
            }
            return { path: (await resolvedOnce.get(key)) ?? a.path, external: true }
          })
        },
      },
    ],
  },
}
const out = {}
for (const [name, extra] of Object.entries(variants)) {
  const times = []
  for (let k = 0; k < runs; k++) {
    resolvedOnce.clear()
    const t = performance.now()
    const r = await build({ ...base, ...extra })
    times.push(performance.now() - t)
    out[`${name} output`] = r.outputFiles[0].text.length
  }
  out[name] = times
}
// What follows the build in the loader: write the module, import it (Node parses and links it).
const r = await build(base)
const tmp = path.join(dir, '.bench', 'experiment')
mkdirSync(tmp, { recursive: true })
const importMs = []
for (let k = 0; k < runs; k++) {
  const file = path.join(tmp, `m${process.pid}-${k}.mjs`)
  const t = performance.now()
  writeFileSync(file, r.outputFiles[0].text)
  await import(pathToFileURL(file).href)
  importMs.push(performance.now() - t)
  rmSync(file)
}
out['write + import() the bundle'] = importMs
report({ files: files.length, ...out })
