// `npm run dev`: builds the package only when dist/ is older than what it is built from (src/ and
// the build's config), so a restart of the playground does not rebuild anything.
//
// The dev server needs only the JavaScript of dist/ (under a second to build); the type declarations
// take most of a full build and only editors need them, so they are built afterwards in a background
// process of low priority, while Vite starts. `npm run build` still builds everything in one go.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const INPUTS = ['src', 'tsup.config.ts', 'tsconfig.json', 'package.json']
const DECLARATIONS = path.join('dist', 'index.d.ts')
const LOG = path.join('node_modules', '.cache', 'auto-migrations-dev', 'declarations.log')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

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

/** `tsup --dts-only` in the background (it removes old declarations only), its output in LOG. */
function buildDeclarationsLater() {
  mkdirSync(path.dirname(LOG), { recursive: true })
  const log = openSync(LOG, 'w')
  const child = spawn(npm, ['run', 'build', '--', '--dts-only'], {
    detached: true,
    stdio: ['ignore', log, log],
    shell: process.platform === 'win32',
  })
  try {
    // Below the dev server and the first page, which wait on the same cores (npm's children inherit it).
    if (child.pid !== undefined) os.setPriority(child.pid, 19)
  } catch {}
  child.unref()
  console.log(`Building the type declarations in the background (log: ${LOG}).`)
}

const reason = stale()
if (reason === undefined) {
  console.log('dist/ is up to date with src/: skipping the build (npm run build forces one).')
  if (!existsSync(DECLARATIONS)) buildDeclarationsLater()
} else {
  console.log(`Building the package's JavaScript (${reason})…`)
  const result = spawnSync(npm, ['run', 'build'], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: { ...process.env, AUTO_MIGRATIONS_DECLARATIONS: 'later' },
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
  buildDeclarationsLater()
}
