/**
 * A real PgBouncer in transaction pooling mode in front of the bench's Postgres server, for the boot
 * section and for the tests (test/helpers/pgbouncer.ts is its typed face; types in pgbouncer.d.mts).
 *
 * PgBouncer refuses to run as root: under root it is started with `-u postgres`, and its temp folder
 * (config, log, pid file) belongs to that user. It runs in the foreground as our child, so an early
 * exit (a bad config, a port taken meanwhile) is seen with its message, and `stop()` kills it by pid.
 *
 *   const bouncer = await startPgBouncer({ server: SERVER_URL })
 *   bouncer.url('bench_x')   // postgres://postgres@127.0.0.1:<port>/bench_x
 *   bouncer.problems()       // the log's ERROR / WARNING / FATAL lines so far
 *   await bouncer.stop()
 */
import { execFileSync, spawn } from 'node:child_process'
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './ports.mjs'

/** Where the binary is: on PATH, or in /usr/sbin (Debian's place, often not on a user's PATH); undefined if not installed. */
export function findPgBouncer() {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin']
  for (const dir of dirs) {
    const candidate = path.join(dir, 'pgbouncer')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** "PgBouncer 1.18.0" (its `--version`'s first line), or undefined. */
export function pgBouncerVersion(binary = findPgBouncer()) {
  if (!binary) return undefined
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim()
  } catch {
    return undefined
  }
}

/** The user PgBouncer runs as: `postgres` under root (it refuses root), else whoever we are. */
function runAs() {
  if (process.getuid?.() !== 0) return { args: [], owner: undefined }
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { args: ['-u', 'postgres'], owner: { uid: id('-u'), gid: id('-g') } }
}

function config(dir, port, { host, serverPort, user, poolSize, maxClients }) {
  return [
    '[databases]',
    `* = host=${host} port=${serverPort} user=${user}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    // No Unix socket: it could clash with another instance's (a test run's) in /tmp.
    'unix_socket_dir =',
    // `any` logs every client in as the database line's user, with no password.
    'auth_type = any',
    'pool_mode = transaction',
    `max_client_conn = ${maxClients}`,
    `default_pool_size = ${poolSize}`,
    // Startup parameters some clients send that PgBouncer would otherwise refuse the login for.
    'ignore_startup_parameters = extra_float_digits,options',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n')
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function startOn(binary, port, settings) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-pgbouncer-'))
  const file = path.join(dir, 'pgbouncer.ini')
  const logFile = path.join(dir, 'pgbouncer.log')
  writeFileSync(file, config(dir, port, settings))
  const user = runAs()
  if (user.owner) {
    chownSync(dir, user.owner.uid, user.owner.gid)
    chownSync(file, user.owner.uid, user.owner.gid)
  }
  const child = spawn(binary, [...user.args, file], { stdio: ['ignore', 'ignore', 'pipe'] })
  // It logs to stderr as well as to its log file: read it all (a full pipe would block it), keep
  // only what it says while starting, for the error when it exits then.
  let starting = true
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    if (starting) stderr += chunk.toString()
  })
  const exited = new Promise((resolve) => {
    child.once('close', () => resolve(undefined))
    child.once('error', resolve)
  })
  const failed = exited.then((error) => {
    throw error ?? new Error(`pgbouncer exited at start-up: ${stderr.trim() || '(no output)'}`)
  })
  failed.catch(() => undefined)
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.once('exit', kill) // never outlive the bench
  try {
    const deadline = Date.now() + 10_000
    while (!(await Promise.race([accepts(port), failed]))) {
      if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on 127.0.0.1:${port} within 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  } catch (error) {
    kill()
    await exited
    process.removeListener('exit', kill)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  starting = false
  let stopped
  return {
    port,
    pid: child.pid,
    version: pgBouncerVersion(binary),
    poolSize: settings.poolSize,
    url: (database) => `postgres://${settings.user}@127.0.0.1:${port}/${database}`,
    /** ERROR / WARNING / FATAL lines of its log so far (login failures, pool timeouts, server errors). */
    problems() {
      if (!existsSync(logFile)) return []
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => /\b(ERROR|WARNING|FATAL)\b/.test(l))
    },
    stop() {
      stopped ??= (async () => {
        // SIGTERM: PgBouncer exits at once, dropping its clients (SIGINT would wait for them).
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM')
        const timer = setTimeout(kill, 5_000)
        await exited
        clearTimeout(timer)
        process.removeListener('exit', kill)
        rmSync(dir, { recursive: true, force: true })
      })()
      return stopped
    },
  }
}

/**
 * Starts PgBouncer (transaction mode) in front of `server` (a postgres:// URL; its host, port and user)
 * on a free port of 127.0.0.1, and resolves once it accepts connections.
 */
export async function startPgBouncer({ server, poolSize = 20, maxClients = 500 } = {}) {
  const binary = findPgBouncer()
  if (!binary)
    throw new Error('pgbouncer is not installed (not on PATH, nor in /usr/sbin): apt-get install -y pgbouncer')
  const url = new URL(server)
  const settings = {
    host: url.hostname || '127.0.0.1',
    serverPort: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    poolSize,
    maxClients,
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(binary, await freePort(), settings)
    } catch (error) {
      if (attempt >= 5 || !String(error?.message).includes('Address already in use')) throw error
    }
  }
}
