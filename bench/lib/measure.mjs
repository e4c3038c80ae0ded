/** Timing helpers: child processes with wall time and peak RSS, statistics, the machine. */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const TIME = '/usr/bin/time'

/**
 * Runs a command in a fresh process. Wall time from spawn to exit (what a user waits for);
 * peak RSS from GNU time (%M, KiB) when it is installed, else undefined.
 * @returns {{ ms: number, code: number, stdout: string, stderr: string, rssMB?: number }}
 */
export function run(command, args, { cwd, env, timeoutMs = 600_000, input } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-time-'))
  const timeFile = path.join(dir, 'time')
  const useTime = existsSync(TIME)
  const [cmd, argv] = useTime ? [TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, args]
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    if (input !== undefined) child.stdin.end(input)
    else child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - started
      clearTimeout(timer)
      let rssMB
      try {
        const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop())
        if (Number.isFinite(kb) && kb > 0) rssMB = kb / 1024
      } catch {}
      rmSync(dir, { recursive: true, force: true })
      resolve({ ms, code: code ?? -1, stdout, stderr, rssMB })
    })
  })
}

/** Runs a node script that prints one JSON line starting with `@@result ` (last one wins). */
export async function runNodeJson(script, args, options = {}) {
  const result = await run(process.execPath, [...(options.nodeArgs ?? []), script, ...args], options)
  const line = result.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('@@result '))
  if (!line) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n')
    throw new Error(`${path.basename(script)} ${args.join(' ')} gave no result (exit ${result.code}):\n${tail}`)
  }
  return { ...result, json: JSON.parse(line.slice('@@result '.length)) }
}

/** For worker scripts: print the result line the parent reads. */
export function report(value) {
  process.stdout.write(`@@result ${JSON.stringify(value)}\n`)
}

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo)
}

export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x))
  return {
    n: v.length,
    median: quantile(v, 0.5),
    min: Math.min(...v),
    max: Math.max(...v),
    p95: quantile(v, 0.95),
    values: v,
  }
}

/** "1.23 s" / "456 ms" */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a'
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 100) return `${Math.round(ms)} ms`
  return `${ms.toFixed(1)} ms`
}

/** "1.23 s (1.10–1.40, n=5)" */
export function fmtSummary(s, unit = fmtMs) {
  if (!s || s.n === 0) return 'n/a'
  if (s.n === 1) return `${unit(s.median)} (n=1)`
  return `${unit(s.median)} (${unit(s.min)}–${unit(s.max)}, n=${s.n})`
}

export const fmtMB = (mb) => (Number.isFinite(mb) ? `${Math.round(mb)} MB` : 'n/a')

export function fmtRatio(ours, theirs) {
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return 'n/a'
  const r = ours / theirs
  return r >= 10 ? `${r.toFixed(0)}×` : r >= 1 ? `${r.toFixed(2)}×` : `${r.toFixed(3)}×`
}

export function load() {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
}

export function machine() {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  }
}

/** Size in bytes of the files under `dir` (apparent size, what `du --apparent-size -b` says) and their count. */
export async function folderSize(dir, filter = () => true) {
  const { readdir, stat } = await import('node:fs/promises')
  let bytes = 0
  let files = 0
  const walk = async (at) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const file = path.join(at, entry.name)
      if (entry.isDirectory()) await walk(file)
      else if (filter(file)) {
        bytes += (await stat(file)).size
        files++
      }
    }
  }
  if (existsSync(dir)) await walk(dir)
  return { bytes, files }
}
