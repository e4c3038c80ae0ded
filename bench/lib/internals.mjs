/**
 * The tool's internals that the generator needs (differ, writer, table model → snapshot, replay
 * and SQL plans). The package exports none of them, and dist's chunks have hashed names, so they are
 * bundled from src/ with esbuild (a dependency of the package) into bench/.work, once per source
 * version. The bench measures the BUILT package (dist/, bin/); this bundle only writes its inputs.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const here = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.resolve(here, '../..')
export const WORK = path.join(REPO, 'bench/.work')

const ENTRY = `
export { diffApp } from './src/core/differ/diff.ts'
export { renderMigration } from './src/build/writer/render.ts'
export { newMigrationId, migrationFileName } from './src/build/writer/ids.ts'
export { autoDescription } from './src/build/project/plan.ts'
export { modelSnapshot } from './src/model/to-snapshot.ts'
export { createRegistry } from './src/model/registry.ts'
export { defineApp } from './src/model/define.ts'
export { replay, stepsOf } from './src/core/operations/replay.ts'
export { SchemaState, canonicalSnapshot, stableStringify } from './src/core/state/snapshot.ts'
export { checksumOf } from './src/core/operations/manager.ts'
export { Table } from './src/model/table.ts'
export { sql } from './src/core/state/sql.ts'
export { unique, index } from './src/model/constraints.ts'
export * as columns from './src/model/columns.ts'
export { loadProject, loadMigrationFiles, listMigrationFiles, runForwards, LoaderCache } from './src/build/loader/index.ts'
export { loadProjectState } from './src/build/project/project-state.ts'
export { planNewMigrations, reportPlans } from './src/build/project/plan.ts'
export { openProjectSession } from './src/build/project/session.ts'
`

function sourceHash() {
  const hash = createHash('sha256').update(ENTRY)
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name)
      if (statSync(file).isDirectory()) walk(file)
      else if (name.endsWith('.ts')) hash.update(file).update(readFileSync(file))
    }
  }
  walk(path.join(REPO, 'src'))
  return hash.digest('hex').slice(0, 12)
}

let loaded
/** The internals module (bundled on first use; reused while src/ is unchanged). */
export async function internals() {
  if (loaded) return loaded
  const hash = sourceHash()
  const out = path.join(WORK, 'internals', `internals-${hash}.mjs`)
  if (!existsSync(out)) {
    mkdirSync(path.dirname(out), { recursive: true })
    // Older bundles (src/ changed since) are of no use.
    for (const old of readdirSync(path.dirname(out)))
      if (old.startsWith('internals-')) rmSync(path.join(path.dirname(out), old), { force: true })
    await build({
      stdin: { contents: ENTRY, resolveDir: REPO, loader: 'ts', sourcefile: 'bench-internals.ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: out,
      logLevel: 'error',
    })
  }
  loaded = { ...(await import(pathToFileURL(out).href)), sourceHash: hash }
  return loaded
}
