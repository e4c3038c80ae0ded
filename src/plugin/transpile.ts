/**
 * The virtual module imports the registry and the migration files, which are TypeScript by default.
 * Rollup, webpack and rspack do not read TypeScript without a plugin or loader the user may not
 * have, and the user never imported these files themselves: the plugin makes them loadable.
 */
import { readFile } from 'node:fs/promises'

export const TYPESCRIPT_FILE = /\.[cm]?tsx?$/

export async function transpileTypeScript(file: string): Promise<{ code: string; map: string }> {
  // Loaded on first use: only three bundlers ever need it.
  const { transform } = await import('esbuild')
  const source = await readFile(file, 'utf8')
  const result = await transform(source, {
    loader: file.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    target: 'es2022',
    sourcefile: file,
    sourcemap: 'external',
  })
  return { code: result.code, map: result.map }
}
