/**
 * The dev server's drift check at start keeps the expected schema (what the applied migrations
 * build) between runs: a second start with the same applied migrations builds no scratch database,
 * still sees a change made by hand to the live one, and a newly applied migration builds it again.
 */
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { findDrift } from '../../../src/build/project/drift.js'
import { loadProjectState } from '../../../src/build/project/project-state.js'
import { PgliteEngine } from '../../../src/runtime/engines/pglite.js'
import { project, removeProjects } from '../../cli/helpers.js'

afterEach(async () => {
  await removeProjects()
})

const TABLES = `import { Table, Varchar } from 'unplugin-auto-migrations'

export class Author extends Table {
  name = new Varchar({ length: 255 })
}

export class Post extends Table {
  title = new Varchar({ length: 200 })
}
`

/** findDrift as the dev server calls it, on the embedded database in `dir`. */
async function devDrift(root: string, dir: string) {
  const replayed = await loadProjectState({ root, operations: true })
  const engine = await PgliteEngine.open(dir)
  try {
    return await findDrift(replayed, { engine, cache: true })
  } finally {
    await engine.close()
  }
}

describe('the expected schema kept between dev server starts', () => {
  it('is used while the applied migrations stay the same, and built again after a new one ran', async () => {
    const p = await project('cli-blog')
    await p.write('src/blog/tables.ts', TABLES)
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    const dir = path.join(p.root, 'db')
    expect((await p.run(['forwards', '--database', `pglite:${dir}`])).code).toBe(0)

    const first = await devDrift(p.root, dir)
    expect(first.scratch).toBe('embedded')
    expect(first.differences).toEqual([])

    const byHand = await PgliteEngine.open(dir)
    await byHand.exec('alter table post add column hack integer')
    await byHand.close()
    const second = await devDrift(p.root, dir)
    expect(second.scratch).toBe('cache')
    expect(second.differences.map((d) => d.message)).toEqual(['extra column post.hack (integer, null)'])

    await p.edit(
      'src/blog/tables.ts',
      'title = new Varchar({ length: 200 })',
      'title = new Varchar({ length: 200 })\n  hack = new Varchar({ null: true })',
    )
    expect((await p.run(['new', 'blog', '--auto'], { now: new Date(Date.UTC(2030, 0, 1)) })).code).toBe(0)
    const fix = await PgliteEngine.open(dir)
    await fix.exec('alter table post drop column hack')
    await fix.close()
    expect((await p.run(['forwards', '--database', `pglite:${dir}`])).code).toBe(0)
    const third = await devDrift(p.root, dir)
    expect(third.scratch).toBe('embedded')
    expect(third.differences).toEqual([])
  })
})
