/**
 * Ownership of an embedded (PGlite) database directory by one process.
 *
 * PGlite does not lock its data directory: two instances on one directory (in one process or two)
 * silently lose one side's writes. So before a directory is opened we create `<dir>.lock` next to
 * it (a sibling, not a file inside: a fresh PGlite data directory must be empty for initdb). The file
 * is created with `O_EXCL` (`'wx'`), which is atomic on local filesystems, and holds the owner's pid,
 * hostname, thread id, start time and a random token.
 *
 * - A lock whose pid is alive (on this host) means another process holds the directory:
 *   `EMBEDDED_DB_LOCKED`, naming the directory, the holder and what to do.
 * - A lock whose pid is dead is stale (the owner crashed or was killed with SIGKILL/Ctrl-C before it
 *   could clean up) and is taken over.
 * - A lock written on another host cannot be checked, so it is treated as held; the message says
 *   which file to delete when the user knows it is stale.
 *
 * The lock is released on close and, as a safety net, synchronously on process `exit`. No signal
 * handlers are installed: adding a SIGINT listener would change the host process' Ctrl-C behaviour;
 * a lock left behind by a killed process is found stale by the next opener instead.
 */
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { threadId } from 'node:worker_threads'
import { AutoMigrationsError } from '../errors.js'

/** What a lock file contains (JSON). */
export interface LockFileContent {
  pid: number
  hostname: string
  threadId: number
  /** ISO time at which the lock was taken. */
  startedAt: string
  /** The directory this lock protects (absolute). */
  dir: string
  /** Distinguishes our file from a later holder's, so that release never deletes someone else's. */
  token: string
}

export interface DirectoryLock {
  readonly dir: string
  readonly lockPath: string
  readonly content: LockFileContent
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void
}

/**
 * The one absolute name of a directory: its parent is created and resolved through symlinks, so
 * that `./db` and `/symlinked/project/db` in one process name the same lock and the same PGlite
 * instance (otherwise the second would look like a stale lock of our own and be taken over).
 */
export function canonicalDir(dir: string): string {
  const absDir = path.resolve(dir)
  const parent = path.dirname(absDir)
  fs.mkdirSync(parent, { recursive: true })
  return path.join(fs.realpathSync(parent), path.basename(absDir))
}

/** `<dir>.lock`, next to the directory. */
export function lockPathFor(dir: string): string {
  return `${canonicalDir(dir)}.lock`
}

/**
 * Whether `pid` is a running process on this host. `kill(pid, 0)` sends no signal; EPERM means the
 * process exists but belongs to another user, which still counts as alive.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readLockFile(lockPath: string): LockFileContent | undefined {
  let text: string
  try {
    text = fs.readFileSync(lockPath, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockFileContent>
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') throw new Error('shape')
    return {
      pid: parsed.pid,
      hostname: parsed.hostname,
      threadId: typeof parsed.threadId === 'number' ? parsed.threadId : 0,
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : 'unknown',
      dir: typeof parsed.dir === 'string' ? parsed.dir : '',
      token: typeof parsed.token === 'string' ? parsed.token : '',
    }
  } catch {
    // A file cut short by a crash between create and write: it protects nothing and names no
    // owner, so it is treated as stale (pid 0 is never alive).
    return { pid: 0, hostname: os.hostname(), threadId: 0, startedAt: 'unknown', dir: '', token: '' }
  }
}

type Liveness = 'alive' | 'stale' | 'this-thread' | 'other-thread' | 'unknown-host'

/**
 * Lock files this thread holds, shared by every copy of this module loaded in the thread (two
 * bundles of the package may each carry one), hence `globalThis` and `Symbol.for`.
 */
function heldHere(): Set<string> {
  const key = Symbol.for('unplugin-auto-migrations/held-directory-locks@1')
  const holder = globalThis as unknown as Record<symbol, Set<string> | undefined>
  holder[key] ??= new Set()
  return holder[key]
}

function liveness(holder: LockFileContent, lockPath: string): Liveness {
  if (holder.hostname !== os.hostname()) return 'unknown-host'
  if (holder.pid === process.pid) {
    // Our own pid: this thread holds it, another worker thread of this process holds it, or a
    // previous process had our pid (pid reuse) and died without cleaning up.
    if (holder.threadId !== threadId) return 'other-thread'
    return heldHere().has(lockPath) ? 'this-thread' : 'stale'
  }
  return isProcessAlive(holder.pid) ? 'alive' : 'stale'
}

function lockedError(dir: string, lockPath: string, holder: LockFileContent, state: Liveness): AutoMigrationsError {
  const who =
    state === 'this-thread'
      ? `this process (pid ${holder.pid}) already`
      : state === 'other-thread'
        ? `another thread (id ${holder.threadId}) of this process (pid ${holder.pid})`
        : state === 'unknown-host'
          ? `process ${holder.pid} on host "${holder.hostname}"`
          : `process ${holder.pid}`
  return new AutoMigrationsError(
    'EMBEDDED_DB_LOCKED',
    `The embedded database directory ${dir} is in use by ${who} since ${holder.startedAt}. ` +
      'PGlite cannot share a directory between processes (writes would be lost). ' +
      'Stop the other process (for example the dev server) and retry, or use a Postgres server by setting ' +
      `DATABASE_URL (or \`database\` in the config). If you are sure no process uses it, delete ${lockPath}.`,
    { dir, lockPath, holderPid: holder.pid, holderHostname: holder.hostname },
  )
}

/** Guard for the stale-lock takeover; a guard older than this was left by a crash mid-takeover. */
const TAKEOVER_GUARD_STALE_MS = 10_000

/**
 * Replaces a stale lock file, so that of two processes that both found it stale only one wins.
 * Without the guard, A could delete the stale file and create its own, and B (which read the stale
 * file before) would then delete A's fresh file and create another: two holders.
 */
function takeOverStaleLock(lockPath: string, stale: LockFileContent, content: LockFileContent): boolean {
  const guard = `${lockPath}.takeover`
  let guardFd: number
  try {
    guardFd = fs.openSync(guard, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > TAKEOVER_GUARD_STALE_MS) fs.rmSync(guard, { force: true })
    } catch {
      // The guard went away meanwhile: the next attempt will see the new state.
    }
    return false
  }
  try {
    const current = readLockFile(lockPath)
    // Someone replaced the stale file between our read and the guard: it is not stale any more.
    if (current && (current.pid !== stale.pid || current.token !== stale.token)) return false
    fs.rmSync(lockPath, { force: true })
    return writeLockFile(lockPath, content)
  } finally {
    fs.closeSync(guardFd)
    fs.rmSync(guard, { force: true })
  }
}

/** Creates the lock file atomically; false if it already exists. */
function writeLockFile(lockPath: string, content: LockFileContent): boolean {
  let fd: number
  try {
    fd = fs.openSync(lockPath, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(content, null, 2)}\n`)
  } finally {
    fs.closeSync(fd)
  }
  return true
}

function removeIfOurs(lockPath: string, token: string): void {
  try {
    if (readLockFile(lockPath)?.token === token) fs.rmSync(lockPath, { force: true })
  } catch {
    // Best effort: at exit there is nobody to report to, and a leftover file is found stale later.
  }
}

/**
 * Takes ownership of `dir` for this process, or throws `EMBEDDED_DB_LOCKED`. The parent directory
 * of `dir` is created if needed (the lock file lives there); `dir` itself is not touched.
 */
export function acquireDirectoryLock(dir: string): DirectoryLock {
  const absDir = canonicalDir(dir)
  const lockPath = `${absDir}.lock`
  const content: LockFileContent = {
    pid: process.pid,
    hostname: os.hostname(),
    threadId,
    startedAt: new Date().toISOString(),
    dir: absDir,
    token: randomUUID(),
  }

  // A few rounds: each failed round means another process changed the file under us (took over a
  // stale lock, or released its lock), so the state is re-read.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (writeLockFile(lockPath, content)) return makeLock(absDir, lockPath, content)
    const holder = readLockFile(lockPath)
    if (!holder) continue // released between our create and our read
    const state = liveness(holder, lockPath)
    if (state !== 'stale') throw lockedError(absDir, lockPath, holder, state)
    if (takeOverStaleLock(lockPath, holder, content)) return makeLock(absDir, lockPath, content)
    // Another process is taking the stale lock over right now: give it a moment to finish.
    sleepSync(20 + attempt * 20)
  }
  const holder = readLockFile(lockPath)
  throw lockedError(
    absDir,
    lockPath,
    holder ?? { ...content, pid: 0, startedAt: 'unknown' },
    holder ? liveness(holder, lockPath) : 'alive',
  )
}

function sleepSync(ms: number): void {
  // Opening a database is synchronous up to here; a short blocking wait keeps it that way.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function makeLock(dir: string, lockPath: string, content: LockFileContent): DirectoryLock {
  const onExit = (): void => removeIfOurs(lockPath, content.token)
  process.on('exit', onExit)
  heldHere().add(lockPath)
  let released = false
  return {
    dir,
    lockPath,
    content,
    release() {
      if (released) return
      released = true
      process.off('exit', onExit)
      heldHere().delete(lockPath)
      removeIfOurs(lockPath, content.token)
    },
  }
}
