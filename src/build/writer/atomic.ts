/**
 * Atomic file writes: the text goes to a temporary file in the same folder, which is then renamed
 * over the target. A rename within one filesystem is atomic, so a watcher, a bundler or a crash never
 * sees a half-written migration. The temporary name starts with a dot, which the migration loader
 * skips, and it is removed if anything fails.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true })
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(text)
      // Flushed before the rename: otherwise a crash can leave the new name with empty contents.
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
