/**
 * A new embedded database starts from a pre-initialised data directory instead of running initdb.
 *
 * initdb is most of the cost of a new PGlite database (several seconds, far more under load). The
 * data directory right after initdb is the same for every project, so the first creation on a
 * machine dumps it (`dumpDataDir('gzip')`, a few MB) into a per-user cache folder, and every later
 * creation loads it (`loadDataDir`). The image is keyed by the PGlite version (whatever extensions
 * a database loads), and written through a temp file and a rename, so two processes never
 * read half an image; its header holds the SHA-256 of the tarball, so a damaged image is found,
 * ignored and rebuilt. `AUTO_MIGRATIONS_CACHE=off` turns it off (initdb every time, as before).
 *
 * It ships in server bundles: Node built-ins only.
 */
import { createHash, randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { type Extension, PGlite, type PGliteInterface } from '@electric-sql/pglite'
import { diskCachesEnabled } from '../../version.js'

/**
 * What happens while a new embedded database is created (nothing is reported when one is reopened),
 * with `message`, the line to print (see describeEmbeddedProgress).
 */
export type EmbeddedProgress = EmbeddedProgressEvent & { message: string }

type EmbeddedProgressEvent =
  | { phase: 'creating'; dir: string }
  | {
      phase: 'created'
      dir: string
      ms: number
      /** `image`: loaded from the cached image; `initdb`: initialised (and the image written). */
      from: 'image' | 'initdb'
      /** The image file loaded, or written after initdb; undefined when there is none (cache off, write failed). */
      image: string | undefined
    }

export type EmbeddedProgressListener = (event: EmbeddedProgress) => void

export interface EmbeddedCreateOptions {
  onProgress?: EmbeddedProgressListener | undefined
  /**
   * The folder the image is cached in; `false`: no image (initdb every time). Default: the user's
   * cache folder (see imageCacheDir), unless `AUTO_MIGRATIONS_CACHE` is off.
   */
  imageDir?: string | false | undefined
}

/** One line for a progress event, as the CLI and the dev server print it. */
export function describeEmbeddedProgress(event: EmbeddedProgressEvent): string {
  if (event.phase === 'creating') return `Creating the embedded database in ${event.dir} (first use)…`
  const how =
    event.from === 'image'
      ? 'from the cached image'
      : event.image
        ? 'initialised; image cached for next time'
        : 'initialised'
  return `Created the embedded database in ${(event.ms / 1000).toFixed(1)} s (${how}).`
}

const FORMAT = 'unplugin-auto-migrations pglite image 1'

/**
 * The per-user cache folder of images: `$XDG_CACHE_HOME/unplugin-auto-migrations`, else
 * `~/.cache/unplugin-auto-migrations`, else (no home, or not writable) under `os.tmpdir()`.
 */
export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = []
  const xdg = env.XDG_CACHE_HOME
  if (xdg && path.isAbsolute(xdg)) candidates.push(path.join(xdg, 'unplugin-auto-migrations'))
  try {
    const home = os.homedir()
    if (home) candidates.push(path.join(home, '.cache', 'unplugin-auto-migrations'))
  } catch {
    // No home directory (some service users): the temp folder below.
  }
  for (const dir of candidates) {
    try {
      fs.mkdirSync(dir, { recursive: true })
      fs.accessSync(dir, fs.constants.W_OK)
      return dir
    } catch {
      // Read-only or missing home: try the next one.
    }
  }
  return path.join(os.tmpdir(), `unplugin-auto-migrations-${userTag()}`)
}

function userTag(): string {
  try {
    return os.userInfo().username.replace(/[^\w.-]/g, '_') || 'user'
  } catch {
    return 'user'
  }
}

/** The installed PGlite's version, from its package.json; undefined when it cannot be found (bundled). */
function pgliteVersion(): string | undefined {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
    for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json')
      if (!fs.existsSync(file)) continue
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string }
      if (manifest.name === '@electric-sql/pglite') return manifest.version
    }
  } catch {
    // import.meta.url or the package not resolvable (a CJS or bundled copy): no image.
  }
  return undefined
}

let version: string | undefined | null = null

/**
 * The image file for this PGlite version; undefined when there is no version. Not per set of
 * extensions: the data directory holds none until CREATE EXTENSION (PGlite keeps their files outside
 * it), and each database loads the set its apps declare.
 */
export function imageFile(imageDir: string): string | undefined {
  if (version === null) version = pgliteVersion()
  if (version === undefined) return undefined
  return path.join(imageDir, `pglite-${version.replace(/[^\w.-]/g, '_')}.img`)
}

/** The tarball of a cached image, or undefined when there is none or it is damaged (then it is removed). */
export function readImage(file: string): Buffer | undefined {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch {
    return undefined
  }
  const end = bytes.indexOf(0x0a)
  const header = end > 0 && end < 512 ? bytes.subarray(0, end).toString('latin1') : ''
  const match = /^(.+) sha256=([0-9a-f]{64}) bytes=(\d+)$/.exec(header)
  const tarball = bytes.subarray(end + 1)
  if (
    match?.[1] === FORMAT &&
    Number(match[3]) === tarball.length &&
    createHash('sha256').update(tarball).digest('hex') === match[2]
  ) {
    return tarball
  }
  removeQuietly(file)
  return undefined
}

/** Writes an image atomically: a temp file in the same folder, then a rename over the old one. */
export function writeImage(file: string, tarball: Uint8Array): void {
  const header = `${FORMAT} sha256=${createHash('sha256').update(tarball).digest('hex')} bytes=${tarball.length}\n`
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`
  try {
    fs.writeFileSync(temp, Buffer.concat([Buffer.from(header, 'latin1'), tarball]))
    fs.renameSync(temp, file)
  } catch (error) {
    removeQuietly(temp)
    throw error
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true })
  } catch {
    // Someone else's file, or already gone: the next writer replaces it.
  }
}

/** Whether `dir` has no data directory yet: absent or empty (a new database, not a reopen). */
export function isNewDataDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }
}

function emptyDir(dir: string): void {
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true })
}

/**
 * Creates the embedded database in `dir` (absent or empty, created here): from the cached image
 * when there is a sound one, else by initdb, after which the image is written for next time. A
 * failure to read or write the image never fails the creation.
 */
export async function createEmbeddedDataDir(
  dir: string,
  extensions: Record<string, Extension>,
  options: EmbeddedCreateOptions = {},
): Promise<PGliteInterface> {
  const started = performance.now()
  const tell = (event: EmbeddedProgressEvent) =>
    options.onProgress?.({ ...event, message: describeEmbeddedProgress(event) })
  tell({ phase: 'creating', dir })
  fs.mkdirSync(dir, { recursive: true })
  const imageDir = options.imageDir ?? (diskCachesEnabled() ? imageCacheDir() : false)
  const file = imageDir === false ? undefined : imageFile(imageDir)
  const tarball = file === undefined ? undefined : readImage(file)
  let db: PGliteInterface | undefined
  if (tarball) {
    try {
      db = (await PGlite.create(dir, { extensions, loadDataDir: new Blob([tarball]) })) as PGliteInterface
    } catch {
      // A sound file PGlite still refuses: start over with initdb (which rewrites the image).
      emptyDir(dir)
    }
  }
  const from = db ? 'image' : 'initdb'
  let image = db ? file : undefined
  if (!db) {
    db = (await PGlite.create(dir, { extensions })) as PGliteInterface
    if (file !== undefined) {
      try {
        writeImage(file, new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer()))
        image = file
      } catch {
        // A full disk or a read-only cache: the next creation runs initdb again.
      }
    }
  }
  tell({ phase: 'created', dir, ms: performance.now() - started, from, image })
  return db
}
