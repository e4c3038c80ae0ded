import { existsSync } from 'node:fs'
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

export default defineConfig({
  // While the package is being built up, an entry whose file does not exist yet is skipped.
  entry: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  splitting: true,
  sourcemap: true,
})
