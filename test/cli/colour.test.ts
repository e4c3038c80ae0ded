/**
 * Colour only on a terminal: captured output (a pipe) is plain; FORCE_COLOR or a terminal (injected
 * here) colour error labels red, warnings yellow and what went well green; NO_COLOR wins.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { colourEnabled } from '../../src/cli/colour.js'
import { project, removeProjects, repo } from './helpers.js'

afterEach(removeProjects)

const ESC = '\u001b['
const RED = '\u001b[31m'
const GREEN = '\u001b[32m'
const YELLOW = '\u001b[33m'

describe('colour', () => {
  it('is absent from captured output, and present with FORCE_COLOR=1', async () => {
    const p = await project('cli-blog')
    const piped = await p.run(['check', '--config', 'nope.ts'])
    expect(piped.stderr).toMatch(/^error \[CONFIG_NOT_FOUND\]: /)
    const forced = await p.run(['check', '--config', 'nope.ts'], { env: { FORCE_COLOR: '1' } })
    expect(forced.stderr.startsWith(`${RED}error [CONFIG_NOT_FOUND]:${ESC}39m `)).toBe(true)

    await p.run(['new', 'blog', '--auto'])
    await p.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    const plain = await p.run(['check'])
    expect(plain.stdout).not.toContain(ESC)
    expect(plain.stdout).toContain('  - destructive: drop column Post.body')
    const coloured = await p.run(['check'], { env: { FORCE_COLOR: '1' } })
    expect(coloured.stdout).toContain(`  - ${YELLOW}destructive${ESC}39m: drop column Post.body`)
  })

  it('follows whether each stream is a terminal, and NO_COLOR', async () => {
    const p = await project('cli-blog')
    const both = { stdout: true, stderr: true }
    const written = await p.run(['new', 'blog', '--auto'], { isTTY: both })
    expect(written.stdout.startsWith(`${GREEN}blog: wrote `)).toBe(true)
    // Lines that are data (the operations written) stay plain.
    expect(written.stdout).toContain('\n  - add table Post (id, title, body, views, createdAt, author)\n')
    const clean = await p.run(['check'], { isTTY: { stdout: true } })
    expect(clean.stdout.startsWith(`${GREEN}No changes`)).toBe(true)
    const onlyStderr = await p.run(['check', '--config', 'nope.ts'], { isTTY: { stdout: true } })
    expect(onlyStderr.stderr).not.toContain(ESC)
    const noColor = await p.run(['check'], { isTTY: both, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })
    expect(noColor.stdout).not.toContain(ESC)
    // --json is never coloured: it is for programs.
    const json = await p.run(['check', '--json'], { isTTY: both })
    expect(JSON.parse(json.stdout).ok).toBe(true)
  })

  it('the built bin writes no colour into a pipe, in CI too', async () => {
    const p = await project('cli-blog')
    const { NO_COLOR: _n, FORCE_COLOR: _f, ...env } = process.env
    const result = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/auto-migrations.js'), 'check'], {
      cwd: p.root,
      env: { ...env, CI: 'true' },
    }).catch((error: { stdout: string; stderr: string; code: number }) => error)
    expect(result.stdout).toContain('blog: 2 un-migrated changes')
    expect(result.stdout + result.stderr).not.toContain(ESC)
  })

  it('decides as Node does for FORCE_COLOR, and TERM=dumb is no colour', () => {
    expect(colourEnabled(false, {})).toBe(false)
    expect(colourEnabled(true, {})).toBe(true)
    expect(colourEnabled(true, { TERM: 'dumb' })).toBe(false)
    expect(colourEnabled(true, { NO_COLOR: '1' })).toBe(false)
    expect(colourEnabled(true, { NO_COLOR: '' })).toBe(true)
    expect(colourEnabled(false, { FORCE_COLOR: '1' })).toBe(true)
    expect(colourEnabled(false, { FORCE_COLOR: '' })).toBe(true)
    expect(colourEnabled(true, { FORCE_COLOR: '0' })).toBe(false)
    expect(colourEnabled(false, { CI: 'true' })).toBe(false)
  })
})
