/**
 * A generated project's migrations as runner sources ({ app, id, description, forwards }), the way the
 * virtual module hands them to a server: every migration file bundled into one module with esbuild
 * (the package stays external, so `unplugin-auto-migrations` is the built dist/ one), then imported.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

export async function loadMigrationSources(dir) {
  return (await import(pathToFileURL(await bundleMigrationSources(dir)).href)).default
}

/**
 * Writes the bundle once (cached in `<dir>/.bench/migrations.mjs`) and returns its path. The boot
 * section calls it before starting its processes, so that they do not all build it at once.
 */
export async function bundleMigrationSources(dir) {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))
  const out = path.join(dir, '.bench', 'migrations.mjs')
  if (!existsSync(out)) {
    mkdirSync(path.dirname(out), { recursive: true })
    const entries = []
    for (const { name } of manifest.apps) {
      const folder = path.join(dir, 'src', name, 'migrations')
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.ts'))
        .sort())
        entries.push({ app: name, file: path.join(folder, file) })
    }
    const contents = [
      ...entries.map((e, i) => `import * as m${i} from ${JSON.stringify(e.file)}`),
      `export default [${entries.map((e, i) => `{ app: ${JSON.stringify(e.app)}, file: ${JSON.stringify(e.file)}, id: m${i}.ID, description: m${i}.DESCRIPTION, forwards: m${i}.forwards }`).join(',\n')}]`,
    ].join('\n')
    await build({
      stdin: { contents, resolveDir: dir, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: out,
      logLevel: 'error',
    })
  }
  return out
}
