/**
 * A real PgBouncer in transaction pooling mode in front of the test server, as many production
 * deployments put one in front of Postgres: each transaction may run on a different server
 * connection, so session state (advisory locks, SET, prepared statements) does not follow a client.
 *
 * PgBouncer refuses to run as root: under root it is started with `-u postgres`, and its temp folder
 * (config, log, pid file) belongs to that user. It runs in the foreground as our child, so an early
 * exit (a bad config, a port taken meanwhile) is seen with its message, and `stop()` kills it by pid.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { accessSync, chownSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './ports.js'

export interface PgBouncer {
  port: number
  /** PgBouncer's process id (it runs in the foreground: no fork). */
  pid: number
  /** `postgres://postgres@127.0.0.1:<port>/<database>`: any database of the test server, through PgBouncer. */
  url(database: string): string
  /** Kills PgBouncer (by its pid), waits for it to exit and removes its folder. */
  stop(): Promise<void>
}

export interface PgBouncerOptions {
  /**
   * Server connections per database and user (`default_pool_size`, default 20). A small pool makes
   * tests deterministic: with every server connection held, the next transaction must wait for one.
   */
  poolSize?: number
}

/** Where the binary is: on PATH, or in /usr/sbin (Debian's place, often not on a user's PATH). */
function findPgBouncer(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin']
  for (const dir of dirs) {
    const candidate = path.join(dir, 'pgbouncer')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  throw new Error('pgbouncer is not installed (not on PATH, nor in /usr/sbin). Run .ci/run, or: apt-get install -y pgbouncer')
}

/** The user PgBouncer runs as: `postgres` under root (it refuses root), else whoever we are. */
function runAs(): { args: string[]; owner: { uid: number; gid: number } | undefined } {
  if (process.getuid?.() !== 0) return { args: [], owner: undefined }
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { args: ['-u', 'postgres'], owner: { uid: id('-u'), gid: id('-g') } }
}

function config(dir: string, port: number, poolSize: number): string {
  return [
    '[databases]',
    '* = host=127.0.0.1 port=5432 user=postgres',
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    // No Unix socket: two instances (parallel test workers) would fight over one in /tmp.
    'unix_socket_dir =',
    // `any` logs every client in as the database line's user, with no password.
    'auth_type = any',
    'pool_mode = transaction',
    'max_client_conn = 500',
    `default_pool_size = ${poolSize}`,
    // Startup parameters some clients send that PgBouncer would otherwise refuse the login for.
    'ignore_startup_parameters = extra_float_digits,options',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n')
}

/** True when something accepts a TCP connection on the port right now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Resolves once PgBouncer accepts connections; rejects when `failed` (its early exit) comes first. */
async function waitForListener(port: number, failed: Promise<never>): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await Promise.race([accepts(port), failed]))) {
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on 127.0.0.1:${port} within 10 s`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Every PgBouncer still running: killed if the test process exits without stopping it, or it would outlive the run. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

async function startOn(binary: string, port: number, poolSize: number): Promise<PgBouncer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auto-migrations-pgbouncer-'))
  const file = path.join(dir, 'pgbouncer.ini')
  writeFileSync(file, config(dir, port, poolSize))
  const user = runAs()
  if (user.owner) {
    chownSync(dir, user.owner.uid, user.owner.gid)
    chownSync(file, user.owner.uid, user.owner.gid)
  }
  const child = spawn(binary, [...user.args, file], { stdio: ['ignore', 'ignore', 'pipe'] })
  running.add(child)
  // It logs to stderr as well as to its log file: read it all (a full pipe would block it), keep
  // only what it says while starting, for the error when it exits then.
  let starting = true
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (starting) stderr += chunk.toString()
  })
  // 'close' (not 'exit'): by then its last words on stderr are read. 'error': it could not be started.
  const exited = new Promise<Error | undefined>((resolve) => {
    child.once('close', () => resolve(undefined))
    child.once('error', resolve)
  })
  const failed = exited.then((error): never => {
    throw error ?? new Error(`pgbouncer exited at start-up: ${stderr.trim() || '(no output)'}`)
  })
  // Once PgBouncer is up nobody awaits `failed`: its exit at stop() must not be an unhandled rejection.
  failed.catch(() => undefined)
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  try {
    await waitForListener(port, failed)
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    running.delete(child)
    removeDir()
    throw error
  }
  starting = false
  const pid = child.pid!
  let stopped: Promise<void> | undefined
  return {
    port,
    pid,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      stopped ??= (async () => {
        // SIGTERM: PgBouncer exits at once, dropping its clients (SIGINT would wait for them).
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
        running.delete(child)
        removeDir()
      })()
      return stopped
    },
  }
}

/**
 * Starts PgBouncer on a free port of 127.0.0.1 and resolves once it accepts connections.
 * @example
 * const bouncer = await startPgBouncer()
 * const client = new pg.Client(bouncer.url(database.name))
 * // …
 * await bouncer.stop()
 */
export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const binary = findPgBouncer()
  const poolSize = options.poolSize ?? 20
  // The free port is closed again before PgBouncer binds it: another process (a parallel worker)
  // can take it in between. PgBouncer then exits with "Address already in use"; try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(binary, await freePort(), poolSize)
    } catch (error) {
      if (attempt >= 5 || !String((error as Error).message).includes('Address already in use')) throw error
    }
  }
}
