import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { defineConfig } from 'tsup'

const entries: Record<string, string> = {
  index: 'src/index.ts',
  runtime: 'src/runtime.ts',
  vite: 'src/entries/vite.ts',
  esbuild: 'src/entries/esbuild.ts',
  rollup: 'src/entries/rollup.ts',
  rolldown: 'src/entries/rolldown.ts',
  webpack: 'src/entries/webpack.ts',
  rspack: 'src/entries/rspack.ts',
  cli: 'src/cli/main.ts',
}

/** `<version>+<hash of src>`: keys the caches of derived data (see src/version.ts). */
function buildId(): string {
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else hash.update(file).update(readFileSync(file))
    }
  }
  walk('src')
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
  return `${version}+${hash.digest('hex').slice(0, 12)}`
}

export default defineConfig({
  define: { __AUTO_MIGRATIONS_BUILD__: JSON.stringify(buildId()) },
  // While the package is being built up, an entry whose file does not exist yet is skipped.
  entry: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
  format: ['esm'],
  target: 'node20',
  // `npm run dev` builds the declarations after the JavaScript, in the background (scripts/build-if-stale.mjs).
  dts: process.env.AUTO_MIGRATIONS_DECLARATIONS !== 'later',
  clean: true,
  splitting: true,
  sourcemap: true,
})
