/** The one order and closure of named things that need others (apps, modules). */
import { describe, expect, it } from 'vitest'
import { closure, dependencyOrder } from '../../src/core/graph.js'

const problems = {
  cycle: (names: string[]) => new Error(`cycle ${names.join(' -> ')}`),
  missing: (node: string, missing: string) => new Error(`${node} needs ${missing}`),
}
const names = (nodes: { name: string }[]) => nodes.map((n) => n.name)

describe('dependencyOrder', () => {
  it('puts every node after what it needs, and otherwise by name, whatever order they came in', () => {
    const nodes = [
      { name: 'shop', needs: ['auth', 'blog'] },
      { name: 'blog', needs: ['auth'] },
      { name: 'zoo', needs: [] },
      { name: 'auth', needs: [] },
    ]
    expect(names(dependencyOrder(nodes, problems))).toEqual(['auth', 'blog', 'shop', 'zoo'])
    expect(names(dependencyOrder([...nodes].reverse(), problems))).toEqual(['auth', 'blog', 'shop', 'zoo'])
  })

  it('names the cycle, from where it closes', () => {
    const nodes = [
      { name: 'a', needs: ['b'] },
      { name: 'b', needs: ['c'] },
      { name: 'c', needs: ['b'] },
    ]
    expect(() => dependencyOrder(nodes, problems)).toThrow('cycle b -> c -> b')
  })

  it('names a node that needs one that is not there', () => {
    expect(() => dependencyOrder([{ name: 'blog', needs: ['auth'] }], problems)).toThrow('blog needs auth')
  })
})

describe('closure', () => {
  it('is the start and everything it needs through others, each once, cycles included', () => {
    const needs = new Map([
      ['a', ['b', 'c']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ])
    expect([...closure('a', (n) => needs.get(n))].sort()).toEqual(['a', 'b', 'c'])
    expect([...closure('x', (n) => needs.get(n))]).toEqual(['x'])
  })
})
