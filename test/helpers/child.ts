/**
 * Runs a snippet of code in ANOTHER Node process against this package's runtime, for scenarios
 * that only make sense across processes (directory ownership, stale locks).
 *
 * Node 20 cannot run our TypeScript directly, so the runtime is bundled once per test worker with
 * esbuild (packages stay external) into node_modules/.cache, where bare imports such as
 * `@electric-sql/pglite` resolve to the project's node_modules.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'auto-migrations-test')

let bundle: Promise<string> | undefined

/** An ESM bundle exporting openEngine, PgliteEngine, openEmbeddedDatabase and acquireDirectoryLock. */
export function runtimeBundle(): Promise<string> {
  bundle ??= (async () => {
    fs.mkdirSync(CACHE_DIR, { recursive: true })
    const outfile = path.join(CACHE_DIR, `runtime-${process.pid}-${Date.now()}.mjs`)
    await build({
      stdin: {
        contents: [
          `export * from ${JSON.stringify(path.join(ROOT, 'src/runtime/engines/open.ts'))}`,
          `export * from ${JSON.stringify(path.join(ROOT, 'src/runtime/engines/pglite.ts'))}`,
          `export * from ${JSON.stringify(path.join(ROOT, 'src/runtime/lock-file.ts'))}`,
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'silent',
    })
    return outfile
  })()
  return bundle
}

/** Removes the bundle (call from afterAll: test workers may be killed without an 'exit' event). */
export async function disposeRuntimeBundle(): Promise<void> {
  if (!bundle) return
  const outfile = await bundle.catch(() => undefined)
  bundle = undefined
  if (outfile) fs.rmSync(outfile, { force: true })
}

/**
 * Starts `node` with an ES module body in which `runtime` is the bundled runtime; `process.argv[1..]`
 * holds `args`. The caller waits for it (`waitForExit`) or kills it.
 */
export async function spawnWithRuntime(body: string, args: string[] = []): Promise<ChildProcess> {
  const runtimeUrl = pathToFileURL(await runtimeBundle()).href
  const code = `const runtime = await import(${JSON.stringify(runtimeUrl)});\n${body}`
  return spawn(process.execPath, ['--input-type=module', '-e', code, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

export interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export function waitForExit(child: ChildProcess): Promise<ChildResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** Resolves once the child has printed `text` on stdout. */
export function waitForOutput(child: ChildProcess, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(
      () => reject(new Error(`child did not print ${JSON.stringify(text)}; got ${seen}`)),
      timeoutMs,
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.includes(text)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('close', () => {
      clearTimeout(timer)
      if (!seen.includes(text)) reject(new Error(`child exited without printing ${JSON.stringify(text)}; got ${seen}`))
    })
  })
}

/** A pid that is certainly dead: a child that has exited (pids are not reused that fast). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  const pid = child.pid
  await new Promise((resolve) => child.on('close', resolve))
  if (pid === undefined) throw new Error('could not spawn node')
  return pid
}
