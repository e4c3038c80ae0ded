import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { threadId } from 'node:worker_threads'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import { acquireDirectoryLock, type LockFileContent, lockPathFor } from '../../src/runtime/lock-file.js'
import { deadPid, disposeRuntimeBundle, spawnWithRuntime, waitForExit, waitForOutput } from '../helpers/child.js'

function writeLock(dir: string, content: Partial<LockFileContent>): void {
  const full: LockFileContent = {
    pid: 1,
    hostname: os.hostname(),
    threadId: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    dir,
    token: 'theirs',
    ...content,
  }
  fs.writeFileSync(lockPathFor(dir), JSON.stringify(full))
}

function readLock(dir: string): LockFileContent {
  return JSON.parse(fs.readFileSync(lockPathFor(dir), 'utf8')) as LockFileContent
}

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('directory ownership through <dir>.lock', () => {
  let base: string
  let dir: string
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'am-lock-'))
    dir = path.join(base, 'nested', 'db')
  })
  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true })
  })
  afterAll(disposeRuntimeBundle)

  it('creates <dir>.lock next to the directory with pid, host and start time, and removes it on release', () => {
    const lock = acquireDirectoryLock(dir)
    expect(lock.lockPath).toBe(`${dir}.lock`)
    expect(readLock(dir)).toMatchObject({ pid: process.pid, hostname: os.hostname(), dir })
    expect(Date.parse(readLock(dir).startedAt)).not.toBeNaN()
    // The directory itself is left untouched: a new PGlite data directory must start empty.
    expect(fs.existsSync(dir)).toBe(false)
    lock.release()
    lock.release()
    expect(fs.existsSync(lockPathFor(dir))).toBe(false)
  })

  it('a second lock on the same directory in this process is refused, and allowed after release', () => {
    const lock = acquireDirectoryLock(dir)
    const error = catchError(() => acquireDirectoryLock(dir))
    expect(isAutoMigrationsError(error, 'EMBEDDED_DB_LOCKED')).toBe(true)
    expect((error as Error).message).toContain('this process')
    lock.release()
    acquireDirectoryLock(dir).release()
  })

  it('a lock held by a live process is refused with a message naming the directory, the pid and the way out', async () => {
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      fs.mkdirSync(path.dirname(dir), { recursive: true })
      writeLock(dir, { pid: other.pid })
      const error = catchError(() => acquireDirectoryLock(dir))
      expect(isAutoMigrationsError(error, 'EMBEDDED_DB_LOCKED')).toBe(true)
      const message = (error as Error).message
      expect(message).toContain(dir)
      expect(message).toContain(`process ${other.pid}`)
      expect(message).toMatch(/Stop the other process/)
      expect(message).toMatch(/DATABASE_URL/)
      // The holder's file is left alone.
      expect(readLock(dir).pid).toBe(other.pid)
    } finally {
      other.kill()
    }
  })

  it('a lock left by a dead process is taken over', async () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    writeLock(dir, { pid: await deadPid() })
    const lock = acquireDirectoryLock(dir)
    expect(readLock(dir).pid).toBe(process.pid)
    lock.release()
  })

  it('a lock file cut short by a crash (not JSON) is taken over', () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    fs.writeFileSync(lockPathFor(dir), '{"pid": 12')
    const lock = acquireDirectoryLock(dir)
    expect(readLock(dir).pid).toBe(process.pid)
    lock.release()
  })

  it('a lock written on another host cannot be checked, so it is refused and the message says which file to delete', () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    writeLock(dir, { pid: process.pid, hostname: 'some-other-host.invalid' })
    const error = catchError(() => acquireDirectoryLock(dir))
    expect(isAutoMigrationsError(error, 'EMBEDDED_DB_LOCKED')).toBe(true)
    expect((error as Error).message).toContain('some-other-host.invalid')
    expect((error as Error).message).toContain(`delete ${lockPathFor(dir)}`)
  })

  it('a lock with our pid that this process does not hold was left by an earlier process (pid reuse) and is taken over', () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    writeLock(dir, { pid: process.pid, threadId })
    const lock = acquireDirectoryLock(dir)
    expect(readLock(dir).token).toBe(lock.content.token)
    lock.release()
  })

  it('release never deletes a lock file that is no longer ours', () => {
    const lock = acquireDirectoryLock(dir)
    writeLock(dir, { pid: 424242, token: 'someone-else' })
    lock.release()
    expect(readLock(dir).token).toBe('someone-else')
  })

  it('a process that exits without releasing removes its lock file on exit', async () => {
    const child = await spawnWithRuntime(`runtime.acquireDirectoryLock(process.argv[1]); console.log('locked')`, [dir])
    const result = await waitForExit(child)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('locked')
    expect(fs.existsSync(lockPathFor(dir))).toBe(false)
  })

  it('a process killed with SIGKILL leaves a stale lock that the next process takes over', async () => {
    const child = await spawnWithRuntime(
      `runtime.acquireDirectoryLock(process.argv[1]); console.log('locked'); setInterval(() => {}, 1000)`,
      [dir],
    )
    const exited = waitForExit(child)
    await waitForOutput(child, 'locked')
    expect(readLock(dir).pid).toBe(child.pid)
    expect(
      isAutoMigrationsError(
        catchError(() => acquireDirectoryLock(dir)),
        'EMBEDDED_DB_LOCKED',
      ),
    ).toBe(true)
    child.kill('SIGKILL')
    await exited
    expect(readLock(dir).pid).toBe(child.pid)
    const lock = acquireDirectoryLock(dir)
    expect(readLock(dir).pid).toBe(process.pid)
    lock.release()
  })
})
