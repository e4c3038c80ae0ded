/**
 * The rename question through a real pseudo-terminal (util-linux `script` provides one): the built
 * CLI sees a TTY on stdin, asks in Piccolo's words, and takes the typed answer.
 */
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { project, removeProjects, repo } from './helpers.js'

afterEach(removeProjects)

const hasScript = spawnSync('script', ['--version']).status === 0

/** Runs the bin in a pseudo-terminal and types `answer` when a question appears. */
function runInTerminal(cwd: string, args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, path.join(repo, 'bin/auto-migrations.js'), ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    let answered = false
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`no answer in time; output so far:\n${output}`))
    }, 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (!answered && output.includes('(y/N)')) {
        answered = true
        child.stdin.write(`${answer}\n`)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

describe.skipIf(!hasScript)('in a terminal', () => {
  it('asks about a possible rename and writes renameColumn when the answer is y', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    await p.edit('src/blog/tables.ts', 'title = new Varchar', 'name = new Varchar')
    const result = await runInTerminal(p.root, ['new', 'blog', '--auto'], 'y')
    expect(result.output).toContain('Did you rename column "title" to "name" on table Post? (y/N)')
    expect(result.output).toContain('rename column Post.title to name')
    expect(result.code).toBe(0)
    const files = await p.migrationFiles()
    expect(await p.read(`src/blog/migrations/${files[1]}`)).toContain('manager.renameColumn(')
  })
})
