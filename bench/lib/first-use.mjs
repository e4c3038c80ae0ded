/**
 * First use, as a new user meets the tool (issue 12): a new project on the embedded database through
 * the CLI, and `npm run dev` of the playground on a fresh clone. Every figure is a fresh process (or
 * a fresh dev server), timed from spawn to what the user waits for.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { run } from './measure.mjs'

/**
 * A new project like the playground (its two apps and config) with no migration yet and no
 * database: what `app new` and a first edit of tables.ts give a user.
 */
export function newProject(repo, dir) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  cpSync(path.join(repo, 'playground', 'migrations.config.ts'), path.join(dir, 'migrations.config.ts'))
  cpSync(path.join(repo, 'playground', 'src'), path.join(dir, 'src'), { recursive: true })
  for (const app of readdirSync(path.join(dir, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const migrations = path.join(dir, 'src', app.name, 'migrations')
    rmSync(migrations, { recursive: true, force: true })
    mkdirSync(migrations)
  }
}

/**
 * `new all --auto` then `forwards` in a new project (the database created from nothing), then
 * `status` (a later command that opens it). Throws when a command fails or says something else.
 */
export async function cliFirstUse({ bin, dir, env }) {
  const cli = (args) => run(process.execPath, [bin, ...args], { cwd: dir, env: { ...env, NO_COLOR: '1' } })
  const written = await cli(['new', 'all', '--auto'])
  if (written.code !== 0 || !/wrote/.test(written.stdout))
    throw new Error(`new all --auto exited ${written.code}: ${written.stdout}${written.stderr}`.slice(0, 600))
  const applied = await cli(['forwards'])
  if (applied.code !== 0 || !/^applied blog /m.test(applied.stdout))
    throw new Error(`forwards exited ${applied.code}: ${applied.stdout}${applied.stderr}`.slice(0, 600))
  const status = await cli(['status'])
  if (status.code !== 0 || !/ ran\./.test(status.stdout))
    throw new Error(`status exited ${status.code}: ${status.stdout}${status.stderr}`.slice(0, 600))
  return { newMs: written.ms, forwardsMs: applied.ms, firstUseMs: written.ms + applied.ms, statusMs: status.ms }
}

/** A clone of the repository's HEAD with `npm ci` run in it: what a new contributor starts from. */
export async function freshClone(repo, dir) {
  rmSync(dir, { recursive: true, force: true })
  const cloned = await run('git', ['clone', '--quiet', repo, dir])
  if (cloned.code !== 0) throw new Error(`git clone failed: ${cloned.stderr}`)
  const installed = await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir })
  if (installed.code !== 0) throw new Error(`npm ci failed in the clone: ${installed.stderr.slice(-600)}`)
  return { npmCiMs: installed.ms }
}

/** What `npm run dev` made in a clone: the clone is as fresh from `npm ci` again. */
export function resetClone(dir) {
  for (const made of [
    'dist',
    'playground/.auto-migrations',
    'node_modules/.auto-migrations',
    'playground/node_modules',
    'node_modules/.vite',
    'node_modules/.cache/auto-migrations-dev',
  ])
    rmSync(path.join(dir, made), { recursive: true, force: true })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * `npm run dev -- --port PORT` in `dir`, timed from spawn until the page is served and the route it
 * fetches its data from (`/api/schema`) answers with rows; then the dev server is stopped (its whole
 * process group). Throws after `timeoutMs` with the server's output.
 */
export async function devFirstData({ dir, port, env, timeoutMs = 120_000 }) {
  const started = performance.now()
  const child = spawn('npm', ['run', 'dev', '--', '--port', String(port), '--strictPort'], {
    cwd: dir,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  let exited = false
  child.on('exit', () => (exited = true))
  const base = `http://127.0.0.1:${port}`
  const get = async (url) => {
    try {
      const response = await fetch(`${base}${url}`, { signal: AbortSignal.timeout(30_000) })
      return { status: response.status, text: await response.text() }
    } catch {
      return undefined
    }
  }
  try {
    let page = false
    while (performance.now() - started < timeoutMs && !exited) {
      if (!page) page = (await get('/'))?.status === 200
      if (page) {
        const data = await get('/api/schema')
        if (data?.status === 200 && data.text.includes('column_name'))
          return { ms: performance.now() - started, output }
      }
      await sleep(50)
    }
    throw new Error(
      `npm run dev gave no page with data (${exited ? 'it exited' : 'timed out'}):\n${output.slice(-1500)}`,
    )
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {}
    await new Promise((resolve) => (exited ? resolve() : child.on('exit', resolve)))
  }
}

/** Waits for the declarations `npm run dev` builds in the background (they compete for the cores). */
export async function declarationsBuilt(dir, timeoutMs = 120_000) {
  const started = performance.now()
  while (!existsSync(path.join(dir, 'dist', 'index.d.ts'))) {
    if (performance.now() - started > timeoutMs) return false
    await sleep(250)
  }
  // The declaration build writes several files; give it a moment to finish the rest.
  await sleep(2000)
  return true
}
