/**
 * Progress (the embedded database being created on first use) is for a person watching a terminal:
 * a pipe or a log gets only the results, and --json gets neither progress nor colour.
 */
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { project, removeProjects } from './helpers.js'

afterEach(removeProjects)

const ESC = '\u001b['
const now = new Date('2026-01-01T00:00:00Z')

describe('progress lines', () => {
  it('are left out of a pipe: forwards creating the embedded database prints only what it applied', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'], { now })).code).toBe(0)
    const run = await p.run(['forwards'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^applied blog 2026-01-01T00:00:00:000000 /m)
    expect(existsSync(p.file('.auto-migrations/db'))).toBe(true)
  })

  it('are left out with --json, even on a terminal, and so is colour', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'], { now })).code).toBe(0)
    const terminal = { stdout: true, stderr: true }
    const run = await p.run(['forwards', '--json'], { isTTY: terminal })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { applied: { app: string; id: string }[] }
    expect(report.applied.map((m) => `${m.app} ${m.id}`)).toEqual(['blog 2026-01-01T00:00:00:000000'])

    const status = await p.run(['status', '--json'], { isTTY: terminal })
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ app: 'blog', state: 'ran' })])

    const failed = await p.run(['status', '--json', '--config', 'nope.ts'], { isTTY: terminal })
    expect(failed.code).toBe(1)
    expect(JSON.parse(failed.stdout).error.code).toBe('CONFIG_NOT_FOUND')
    expect(failed.stderr).toMatch(/^error \[CONFIG_NOT_FOUND\]: /)
    expect(failed.stderr).not.toContain(ESC)
  })
})
