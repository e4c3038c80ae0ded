/**
 * The installed package's version (`auto-migrations --version`), read from its package.json: the
 * first one named `unplugin-auto-migrations` from this file's folder up (`dist/` in the package,
 * `src/cli/` when the sources run directly).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = 'unplugin-auto-migrations'

export function packageVersion(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let folder = from; ; folder = path.dirname(folder)) {
    const manifest = readManifest(path.join(folder, 'package.json'))
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version
    if (path.dirname(folder) === folder) break
  }
  throw new Error(`The package.json of ${PACKAGE_NAME} was not found above ${from}.`)
}

function readManifest(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown }
  } catch {
    return undefined
  }
}
