// `npm run dev`: builds the package only when dist/ is older than what it is built from (src/ and
// the build's config), so a restart of the playground does not rebuild the type declarations.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

const INPUTS = ['src', 'tsup.config.ts', 'tsconfig.json', 'package.json']

/** The newest (or oldest) mtime under `file`, directories included (a deleted file changes its folder's). */
function mtimes(file, pick) {
  const stat = statSync(file)
  let found = stat.mtimeMs
  if (stat.isDirectory()) {
    for (const entry of readdirSync(file)) found = pick(found, mtimes(path.join(file, entry), pick))
  }
  return found
}

function stale() {
  if (!existsSync('dist') || readdirSync('dist').length === 0) return 'no dist/'
  const built = mtimes('dist', Math.min)
  const changed = INPUTS.filter((input) => existsSync(input) && mtimes(input, Math.max) > built)
  return changed.length > 0 ? `changed since the last build: ${changed.join(', ')}` : undefined
}

const reason = stale()
if (reason === undefined) {
  console.log('dist/ is up to date with src/: skipping the build (npm run build forces one).')
} else {
  console.log(`Building the package (${reason})…`)
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' })
  process.exit(result.status ?? 1)
}
