/** Amend only touches what never left this machine: a migration file git does not track, in a git work tree. */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { untrackedInGit } from '../../../src/build/project/amend.js'

const made: string[] = []
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auto-migrations-amend-'))
  made.push(dir)
  return dir
}

describe('untrackedInGit', () => {
  it('is false outside a git repository: no amend there', async () => {
    const dir = await folder()
    await writeFile(path.join(dir, 'blog_1.ts'), '')
    expect(untrackedInGit(path.join(dir, 'blog_1.ts'))).toBe(false)
  })

  it('is true for a new file, and false once it is added (even only staged)', async () => {
    const dir = await folder()
    execFileSync('git', ['init', '-q'], { cwd: dir })
    const file = path.join(dir, 'blog_1.ts')
    await writeFile(file, '')
    expect(untrackedInGit(file)).toBe(true)
    execFileSync('git', ['add', 'blog_1.ts'], { cwd: dir })
    expect(untrackedInGit(file)).toBe(false)
  })
})
