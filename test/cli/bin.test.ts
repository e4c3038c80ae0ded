/** The installed command: `node bin/auto-migrations.js` runs the built CLI and sets the exit code. */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { project, removeProjects, repo } from './helpers.js'

afterEach(removeProjects)

const bin = path.join(repo, 'bin/auto-migrations.js')

async function spawnCli(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('the auto-migrations bin', () => {
  it('checks, writes and checks again with the right exit codes', async () => {
    const p = await project('cli-blog')
    const before = await spawnCli(p.root, ['check'])
    expect(before.code).toBe(1)
    expect(before.stdout).toContain('blog: 2 un-migrated changes')

    // Without a terminal (stdin is not a TTY here), so nothing is asked.
    const written = await spawnCli(p.root, ['new', 'blog', '--auto'])
    expect(written.code).toBe(0)
    expect(written.stdout).toMatch(
      /blog: wrote src\/blog\/migrations\/blog_\d{4}_\d{2}_\d{2}T\d{2}_\d{2}_\d{2}_\d{6}\.ts/,
    )

    const after = await spawnCli(p.root, ['check'])
    expect(after.code).toBe(0)
  })

  it('prints a user error without a stack, and exits 1', async () => {
    const p = await project(null)
    const result = await spawnCli(p.root, ['check'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^error \[CONFIG_NOT_FOUND\]: /)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
