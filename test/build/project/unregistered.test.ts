/**
 * A table class an app's files export but no app registers is warned about (src/build/project/unregistered.ts).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type ProjectSession, openProjectSession } from '../../../src/build/project/session.js'
import { project, removeProjects } from '../../cli/helpers.js'

const sessions: ProjectSession[] = []
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()))
  await removeProjects()
})

const TAG_AND_BASE = `
export abstract class Stamped extends Table {
  createdAt = new Timestamptz({ default: sql\`now()\` })
}

export class Base extends Table {}

export class Draft extends Base {
  title = new Varchar({ length: 200 })
}

export class Tag extends Stamped {
  label = new Varchar({ length: 50 })
}

class Hidden extends Table {}
`

describe('unregistered table classes', () => {
  it('warns about each exported table class no app registers, and what to do, without failing', async () => {
    const p = await project('cli-blog')
    await p.run(['new', 'blog', '--auto'])
    await p.write('src/blog/tables.ts', (await p.read('src/blog/tables.ts')) + TAG_AND_BASE)
    const session = await openProjectSession({ root: p.root })
    sessions.push(session)
    const result = await session.check()
    expect(result).toMatchObject({ ok: true, changes: [], errors: [] })
    // Base is extended by Draft (a base, not a table), Stamped is abstract and Hidden not exported.
    expect(result.warnings).toEqual([
      "table class Draft exported from src/blog/tables.ts is in no app's tables, so it is not migrated: " +
        'add it to tables in src/blog/app.ts, or stop exporting it',
      "table class Tag exported from src/blog/tables.ts is in no app's tables, so it is not migrated: " +
        'add it to tables in src/blog/app.ts, or stop exporting it',
    ])
    expect((await session.emit({ allowDestructive: false, apply: false })).warnings).toHaveLength(2)
    // Not recorded as a clean verdict: the next session's first check still warns.
    const next = await openProjectSession({ root: p.root })
    sessions.push(next)
    expect((await next.check()).warnings).toHaveLength(2)
  })

  it('says nothing when every exported table class is registered', async () => {
    const p = await project('cli-blog')
    const session = await openProjectSession({ root: p.root })
    sessions.push(session)
    expect((await session.check()).warnings).toBeUndefined()
  })
})
