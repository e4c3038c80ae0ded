/**
 * The CLI in a real pseudo-terminal (util-linux `script` provides one), for what it does only when
 * stdin is a TTY: asking (y/N) questions and taking the typed answer.
 */
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { repo } from '../cli/helpers.js'

/** Whether `script` is installed; terminal tests are skipped without it. */
export const hasScript = spawnSync('script', ['--version']).status === 0

/** Runs the bin in a pseudo-terminal and types `answer` at the first `question` (default: a (y/N)); rejects after 30 s. */
export function runInTerminal(
  cwd: string,
  args: string[],
  answer: string,
  question = '(y/N)',
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, path.join(repo, 'bin/auto-migrations.js'), ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    let answered = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`still running after 30 s; output so far:\n${output}`))
    }, 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (!answered && output.includes(question)) {
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
