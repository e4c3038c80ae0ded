/**
 * A new embedded database from the cached image of an initialised data directory (PGlite only, no
 * Postgres server): the first creation runs initdb and writes the image, the next ones load it.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openEmbeddedDatabase } from '../../../src/runtime/engines/pglite.js'
import {
  describeEmbeddedProgress,
  type EmbeddedProgress,
  imageCacheDir,
  imageFile,
  readImage,
  writeImage,
} from '../../../src/runtime/engines/pglite-image.js'
import { disposeRuntimeBundle, spawnWithRuntime, waitForExit } from '../../helpers/child.js'

let tmp: string
let imageDir: string

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'am-image-'))
  imageDir = path.join(tmp, 'cache')
})

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true })
})

afterAll(async () => {
  await disposeRuntimeBundle()
})

async function theImageFile(): Promise<string> {
  return imageFile(imageDir)!
}

/** Creates (or reopens) the database in `<tmp>/<name>`, checks it works, closes it; the events seen. */
async function createIn(name: string): Promise<EmbeddedProgress[]> {
  const events: EmbeddedProgress[] = []
  const handle = await openEmbeddedDatabase(path.join(tmp, name), { imageDir, onProgress: (e) => events.push(e) })
  try {
    await handle.db.exec('CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, $$one$$)')
    expect((await handle.db.query('SELECT name FROM t')).rows).toEqual([{ name: 'one' }])
  } finally {
    await handle.release()
  }
  return events
}

describe('a new embedded database from the cached image', () => {
  it('runs initdb once, then loads the image into the next new folder', async () => {
    const first = await createIn('a')
    expect(first.map((e) => e.phase)).toEqual(['creating', 'created'])
    expect(first[1]).toMatchObject({ from: 'initdb', image: await theImageFile() })
    const file = await theImageFile()
    expect(readImage(file)).toBeDefined()
    const written = fs.statSync(file).mtimeMs

    const second = await createIn('b')
    expect(second[1]).toMatchObject({ phase: 'created', from: 'image' })
    // Not rewritten: the image was loaded, initdb did not run.
    expect(fs.statSync(file).mtimeMs).toBe(written)

    // Reopening an existing database reports nothing and keeps its data.
    const events: EmbeddedProgress[] = []
    const handle = await openEmbeddedDatabase(path.join(tmp, 'b'), { imageDir, onProgress: (e) => events.push(e) })
    expect((await handle.db.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 1 }])
    await handle.release()
    expect(events).toEqual([])
  }, 120_000)

  it('ignores a damaged image and replaces it', async () => {
    const file = await theImageFile()
    fs.mkdirSync(imageDir, { recursive: true })
    fs.writeFileSync(file, 'not an image at all')
    const events = await createIn('a')
    expect(events[1]).toMatchObject({ from: 'initdb' })
    const sound = readImage(file)
    expect(sound).toBeDefined()

    // A truncated image (sound header, half the tarball) is found too.
    const bytes = fs.readFileSync(file)
    fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1))
    expect((await createIn('b'))[1]).toMatchObject({ from: 'initdb' })
    expect(readImage(file)).toBeDefined()
    expect((await createIn('c'))[1]).toMatchObject({ from: 'image' })
  }, 120_000)

  it('with the image off (imageDir: false), runs initdb and writes nothing', async () => {
    const events: EmbeddedProgress[] = []
    const handle = await openEmbeddedDatabase(path.join(tmp, 'a'), {
      imageDir: false,
      onProgress: (e) => events.push(e),
    })
    await handle.release()
    expect(events[1]).toMatchObject({ from: 'initdb', image: undefined })
    expect(events[1]?.message).toMatch(/\(initialised\)\.$/)
    expect(fs.existsSync(imageDir)).toBe(false)
  }, 120_000)

  it('writes an image atomically and reads back exactly what it wrote', () => {
    const file = path.join(imageDir, 'x.img')
    const tarball = new Uint8Array([1, 2, 3, 10, 0, 255])
    writeImage(file, tarball)
    expect(readImage(file)).toEqual(Buffer.from(tarball))
    expect(fs.readdirSync(imageDir)).toEqual(['x.img'])
    // One byte flipped: damaged, removed.
    const bytes = fs.readFileSync(file)
    bytes[bytes.length - 1] = 254
    fs.writeFileSync(file, bytes)
    expect(readImage(file)).toBeUndefined()
    expect(fs.existsSync(file)).toBe(false)
  })

  it('two processes creating databases at once both succeed, and leave a sound image', async () => {
    const body = `
      const [dir, imageDir] = process.argv.slice(1)
      let from
      const handle = await runtime.openEmbeddedDatabase(dir, { imageDir, onProgress: (e) => { if (e.phase === 'created') from = e.from } })
      await handle.db.exec('CREATE TABLE t (id int)')
      const { rows } = await handle.db.query('SELECT count(*)::int AS n FROM t')
      await handle.release()
      console.log(JSON.stringify({ from, rows }))
    `
    const children = await Promise.all(
      ['a', 'b'].map((name) => spawnWithRuntime(body, [path.join(tmp, name), imageDir])),
    )
    const results = await Promise.all(children.map(waitForExit))
    for (const result of results) {
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout.trim())).toMatchObject({ rows: [{ n: 0 }] })
    }
    expect(readImage(await theImageFile())).toBeDefined()
    expect(fs.readdirSync(imageDir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  }, 120_000)
})

describe('imageCacheDir', () => {
  it('is under XDG_CACHE_HOME, else ~/.cache, else the temp folder', () => {
    expect(imageCacheDir({ XDG_CACHE_HOME: path.join(tmp, 'xdg') })).toBe(
      path.join(tmp, 'xdg', 'unplugin-auto-migrations'),
    )
    // A cache folder that cannot be created (its parent is a file): ~/.cache, else the temp folder.
    fs.writeFileSync(path.join(tmp, 'file'), '')
    const fallback = imageCacheDir({ XDG_CACHE_HOME: path.join(tmp, 'file') })
    const home = path.join(os.homedir(), '.cache', 'unplugin-auto-migrations')
    expect(fallback === home || fallback.startsWith(os.tmpdir())).toBe(true)
  })
})

describe('describeEmbeddedProgress', () => {
  it('says where and how long', () => {
    expect(describeEmbeddedProgress({ phase: 'creating', dir: '/p/.auto-migrations/db' })).toBe(
      'Creating the embedded database in /p/.auto-migrations/db (first use)…',
    )
    expect(describeEmbeddedProgress({ phase: 'created', dir: '/p', ms: 1234, from: 'image', image: undefined })).toBe(
      'Created the embedded database in 1.2 s (from the cached image).',
    )
    expect(describeEmbeddedProgress({ phase: 'created', dir: '/p', ms: 2500, from: 'initdb', image: '/c/x.img' })).toBe(
      'Created the embedded database in 2.5 s (initialised; image cached for next time).',
    )
    // The cache off (AUTO_MIGRATIONS_CACHE=off), or the image could not be written.
    expect(describeEmbeddedProgress({ phase: 'created', dir: '/p', ms: 2500, from: 'initdb', image: undefined })).toBe(
      'Created the embedded database in 2.5 s (initialised).',
    )
  })
})
