/**
 * The rename question through a real pseudo-terminal (util-linux `script` provides one): the built
 * CLI sees a TTY on stdin, asks in Piccolo's words, and takes the typed answer.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { hasScript, runInTerminal } from '../helpers/terminal.js'
import { project, removeProjects } from './helpers.js'

afterEach(removeProjects)

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
