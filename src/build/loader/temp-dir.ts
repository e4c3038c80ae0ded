import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Where the loader writes its temporary bundles (each deleted right after import): under the
 * project's node_modules, so packages resolve from there and watchers ignore it.
 */
export function tempDirOf(root: string): string {
  return path.join(root, 'node_modules', '.auto-migrations')
}

/**
 * Writes a cache file whole or not at all: a temporary file next to it, renamed over it, so that a
 * process reading it meanwhile (or after a crash) sees the old file or the new one, never half of
 * one. Caches are only optimisations: no fsync. Throws what the file system throws (the temporary
 * file removed); callers treat that as "no cache".
 */
export function replaceCacheFile(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(temp, text)
    renameSync(temp, file)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
