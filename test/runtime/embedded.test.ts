import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAutoMigrationsError } from '../../src/errors.js'
import type { Engine } from '../../src/runtime/engines/engine.js'
import { DEFAULT_EMBEDDED_DIR, openEngine } from '../../src/runtime/engines/open.js'
import { embeddedDatabaseRefs, PgliteEngine } from '../../src/runtime/engines/pglite.js'
import { lockPathFor } from '../../src/runtime/lock-file.js'
import { disposeRuntimeBundle, spawnWithRuntime, waitForExit } from '../helpers/child.js'

/**
 * The embedded database on disk. Creating a PGlite directory costs seconds, so the project root is
 * created once and every scenario reopens it (a few hundred ms).
 */
describe('the embedded database directory', () => {
  let root: string
  let dir: string
  const opened: Engine[] = []
  const open = async (option: Parameters<typeof openEngine>[0]): Promise<Engine> => {
    const engine = await openEngine(option, { root })
    opened.push(engine)
    return engine
  }
  const closeAll = async (): Promise<void> => {
    for (const engine of opened.splice(0)) await engine.close()
  }

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'am-embedded-'))
    dir = path.join(root, DEFAULT_EMBEDDED_DIR)
    // Without a configured database: PGlite in <root>/.auto-migrations/db, created on first use.
    const engine = await open(undefined)
    expect(engine.kind).toBe('pglite')
    expect(fs.existsSync(path.join(dir, 'PG_VERSION'))).toBe(true)
    await engine.exec('create table note (id int primary key, body text)')
    await closeAll()
  })
  afterAll(async () => {
    await closeAll()
    fs.rmSync(root, { recursive: true, force: true })
    await disposeRuntimeBundle()
  })

  it('every way of naming the directory shares ONE PGlite instance in this process', async () => {
    const byDefault = (await open(undefined)) as PgliteEngine
    const byEmptyUrl = (await open('')) as PgliteEngine
    const byObject = (await open({ pglite: DEFAULT_EMBEDDED_DIR })) as PgliteEngine
    const byString = (await open(`pglite:${DEFAULT_EMBEDDED_DIR}`)) as PgliteEngine
    const direct = await PgliteEngine.open(dir)
    opened.push(direct)
    expect(new Set([byDefault.db, byEmptyUrl.db, byObject.db, byString.db, direct.db]).size).toBe(1)
    expect(embeddedDatabaseRefs(dir)).toBe(5)

    await byObject.exec(`insert into note values (1, 'shared')`)
    const { rows } = await byString.query<{ body: string }>('select body from note where id = 1')
    expect(rows).toEqual([{ body: 'shared' }])

    // Closing one handle leaves the others working; the last close releases the directory.
    await byDefault.close()
    await byDefault.close()
    expect(embeddedDatabaseRefs(dir)).toBe(4)
    await expect(direct.query('select 1 as one')).resolves.toEqual({ rows: [{ one: 1 }] })
    expect(fs.existsSync(lockPathFor(dir))).toBe(true)
    await closeAll()
    expect(embeddedDatabaseRefs(dir)).toBe(0)
    expect(fs.existsSync(lockPathFor(dir))).toBe(false)
    expect(byObject.db.closed).toBe(true)

    // What was written is on disk when the directory is opened again.
    const reopened = await open(undefined)
    const again = await reopened.query<{ body: string }>('delete from note where id = 1 returning body')
    expect(again.rows).toEqual([{ body: 'shared' }])
    await closeAll()
  })

  it('another process opening the directory gets EMBEDDED_DB_LOCKED naming the directory; after close it can', async () => {
    const holder = await open(undefined)
    const script = `
      try {
        const engine = await runtime.openEngine({ pglite: process.argv[1] }, { root: '/' })
        await engine.query('select 1')
        await engine.close()
        console.log(JSON.stringify({ ok: true }))
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }))
      }`
    const refused = await waitForExit(await spawnWithRuntime(script, [dir]))
    expect(refused.stderr).toBe('')
    const result = JSON.parse(refused.stdout) as { code?: string; message?: string }
    expect(result.code).toBe('EMBEDDED_DB_LOCKED')
    expect(result.message).toContain(dir)
    expect(result.message).toContain(`process ${process.pid}`)
    // Our handle is unaffected.
    await expect(holder.query('select count(*)::int as n from note')).resolves.toEqual({ rows: [{ n: 0 }] })

    await closeAll()
    const allowed = await waitForExit(await spawnWithRuntime(script, [dir]))
    expect(JSON.parse(allowed.stdout)).toEqual({ ok: true })
  })

  it('the migration lock is per directory: two engines on it exclude each other, with LOCK_TIMEOUT on time-out', async () => {
    const first = await open(undefined)
    const second = await open({ pglite: DEFAULT_EMBEDDED_DIR })
    const lock = await first.lock()
    const error = await second.lock({ timeoutMs: 150 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isAutoMigrationsError(error, 'LOCK_TIMEOUT')).toBe(true)
    expect((error as Error).message).toContain(dir)
    const waiting = second.lock({ timeoutMs: 5_000 })
    await lock.release()
    await (await waiting).release()
    await closeAll()
  })

  it('a transaction on the shared instance keeps other callers’ statements out of it', async () => {
    const a = await open(undefined)
    const b = await open(undefined)
    let inside: Promise<unknown> | undefined
    await expect(
      a.transaction(async (tx) => {
        await tx.exec(`insert into note values (10, 'rolled back')`)
        // Another caller writes while the transaction is open: it must wait, not join it.
        inside = b.exec(`insert into note values (11, 'kept')`)
        await new Promise((resolve) => setTimeout(resolve, 50))
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    await inside
    const { rows } = await a.query<{ id: number }>('select id from note order by id')
    expect(rows).toEqual([{ id: 11 }])
    await a.exec('delete from note')
    await closeAll()
  })
})
