/** Squashed migrations (REPLACES): which of a squashed migration and what it replaces a database runs. */
import { describe, expect, it } from 'vitest'
import { type GraphMigration, MigrationGraph } from '../../src/core/migration-graph.js'
import { resolveSquashes } from '../../src/core/replacements.js'

const apps = [
  { name: 'auth', dependencies: [] },
  { name: 'blog', dependencies: ['auth'] },
]
const m = (app: string, id: string, more: Partial<GraphMigration> = {}): GraphMigration => ({
  app,
  id,
  dependsOn: {},
  ...more,
})
const labels = (list: Iterable<GraphMigration>) => [...list].map((x) => `${x.app} ${x.id}`)
const ranOf =
  (...keys: string[]) =>
  (app: string, id: string) =>
    keys.includes(`${app} ${id}`)

// auth 1..3 squashed into auth 3s; blog 1 depends on auth 2, which the squash replaces.
const history = [
  m('auth', '1'),
  m('auth', '2'),
  m('auth', '3'),
  m('auth', '3s', { replaces: ['1', '2', '3'] }),
  m('auth', '4'),
  m('blog', '1', { dependsOn: { auth: '2' } }),
]

describe('squashed migrations', () => {
  it('without a database, the squashed one stands for what it replaces, and a DEPENDS_ON on a replaced one leads to it', () => {
    const graph = new MigrationGraph(apps, history)
    expect(labels(graph.order)).toEqual(['auth 3s', 'auth 4', 'blog 1'])
    expect(labels(graph.needs(history[5]!))).toEqual(['auth 3s'])
  })

  it('a file written before DEPENDS_ON that needed a replaced migration needs the squashed one', () => {
    const legacy = [m('auth', '1', { dependsOn: undefined }), m('auth', '2', { dependsOn: undefined })]
    const squash = m('auth', '2s', { replaces: ['1', '2'] })
    const blog = m('blog', '3', { dependsOn: undefined })
    const graph = new MigrationGraph(apps, [...legacy, squash, blog])
    expect(labels(graph.needs(blog))).toEqual(['auth 2s'])
    expect(labels(graph.order)).toEqual(['auth 2s', 'blog 3'])
  })

  it('keeps working when the replaced files are gone', () => {
    const graph = new MigrationGraph(apps, history.slice(3))
    expect(labels(graph.order)).toEqual(['auth 3s', 'auth 4', 'blog 1'])
  })

  it('a database that ran every replaced one counts the squashed one as ran', () => {
    const squashes = resolveSquashes(history, ranOf('auth 1', 'auth 2', 'auth 3'))
    expect(labels(squashes.active)).toEqual(['auth 3s', 'auth 4', 'blog 1'])
    expect(labels(squashes.ranByReplaced)).toEqual(['auth 3s'])
    expect(squashes.waiting.size).toBe(0)
  })

  it('a database that ran some runs the rest of the replaced ones, and DEPENDS_ON on the squashed one leads to the last', () => {
    const later = m('blog', '2', { dependsOn: { auth: '3s' } })
    const squashes = resolveSquashes([...history, later], ranOf('auth 1'))
    expect(labels(squashes.active)).toEqual(['auth 1', 'auth 2', 'auth 3', 'auth 4', 'blog 1', 'blog 2'])
    expect([...squashes.waiting].map(([s, replaced]) => [s.id, labels(replaced)])).toEqual([
      ['3s', ['auth 1', 'auth 2', 'auth 3']],
    ])
    const graph = new MigrationGraph(apps, squashes.active, squashes.aliases)
    expect(labels(graph.needs(later))).toEqual(['blog 1', 'auth 3'])
  })

  it('a database that ran some, with a replaced file it did not run gone, is told to restore it', () => {
    const withoutTwo = history.filter((x) => !(x.app === 'auth' && x.id === '2'))
    expect(() => resolveSquashes(withoutTwo, ranOf('auth 1'))).toThrow(
      expect.objectContaining({ code: 'SQUASH_INCOMPLETE', message: expect.stringContaining('auth 2') }),
    )
  })

  it('a database that ran the squashed one (or none of the run) runs it, not the replaced ones', () => {
    expect(labels(resolveSquashes(history, ranOf('auth 3s')).active)).toEqual(['auth 3s', 'auth 4', 'blog 1'])
    expect(labels(resolveSquashes(history, ranOf()).active)).toEqual(['auth 3s', 'auth 4', 'blog 1'])
  })
})
