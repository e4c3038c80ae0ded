import path from 'node:path'

/**
 * Where the loader writes its temporary bundles (each deleted right after import): under the
 * project's node_modules, so packages resolve from there and watchers ignore it.
 */
export function tempDirOf(root: string): string {
  return path.join(root, 'node_modules', '.auto-migrations')
}
