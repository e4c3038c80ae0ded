/**
 * Graphs of named things that need other named things (apps and their dependencies): one order and
 * one closure, for the registry, the runner and the CLI alike. Pure: no product types, no errors of
 * its own; the caller says what a cycle or a missing name means to its user.
 */

export interface GraphNode {
  readonly name: string
  readonly needs: readonly string[]
}

export interface OrderProblems {
  /** A cycle, as the names along it with the first repeated last. */
  cycle(names: string[]): Error
  /** `node` needs `missing`, which is not among the nodes. */
  missing(node: string, missing: string): Error
}

const byName = <N extends GraphNode>(a: N, b: N) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/**
 * Every node after the nodes it needs; otherwise by name (so the order never depends on the order
 * they were given in).
 */
export function dependencyOrder<N extends GraphNode>(nodes: readonly N[], problems: OrderProblems): N[] {
  const index = new Map(nodes.map((n) => [n.name, n]))
  const done = new Set<string>()
  const visiting: string[] = []
  const out: N[] = []
  const visit = (node: N): void => {
    if (done.has(node.name)) return
    const at = visiting.indexOf(node.name)
    if (at >= 0) throw problems.cycle([...visiting.slice(at), node.name])
    visiting.push(node.name)
    for (const need of [...node.needs].sort()) {
      const found = index.get(need)
      if (!found) throw problems.missing(node.name, need)
      visit(found)
    }
    visiting.pop()
    done.add(node.name)
    out.push(node)
  }
  for (const node of [...nodes].sort(byName)) visit(node)
  return out
}

/** `start` and everything it needs, directly or not (names not among the nodes are kept, not followed). */
export function closure(start: string, needsOf: (name: string) => readonly string[] | undefined): Set<string> {
  const out = new Set<string>()
  const stack = [start]
  while (stack.length > 0) {
    const next = stack.pop()!
    if (out.has(next)) continue
    out.add(next)
    stack.push(...(needsOf(next) ?? []))
  }
  return out
}

/**
 * Every node after the nodes it needs; of the nodes ready at each point, the first by `before` (so
 * the order is the caller's preference wherever the needs allow it).
 */
export function priorityOrder<N extends GraphNode>(
  nodes: readonly N[],
  before: (a: N, b: N) => number,
  problems: OrderProblems,
): N[] {
  const index = new Map(nodes.map((n) => [n.name, n]))
  const waiting = new Map<string, number>()
  const dependents = new Map<string, N[]>()
  for (const node of nodes) {
    const needs = new Set(node.needs)
    for (const need of needs) {
      if (!index.has(need)) throw problems.missing(node.name, need)
      const list = dependents.get(need)
      if (list) list.push(node)
      else dependents.set(need, [node])
    }
    waiting.set(node.name, needs.size)
  }
  const ready = nodes.filter((n) => waiting.get(n.name) === 0)
  const out: N[] = []
  while (ready.length > 0) {
    let best = 0
    for (let i = 1; i < ready.length; i++) if (before(ready[i]!, ready[best]!) < 0) best = i
    const node = ready[best]!
    ready[best] = ready[ready.length - 1]!
    ready.pop()
    out.push(node)
    for (const dependent of dependents.get(node.name) ?? []) {
      const left = waiting.get(dependent.name)! - 1
      waiting.set(dependent.name, left)
      if (left === 0) ready.push(dependent)
    }
  }
  if (out.length < nodes.length)
    throw problems.cycle(
      cycleAmong(
        nodes.filter((n) => waiting.get(n.name)! > 0),
        index,
      ),
    )
  return out
}

/** A cycle among nodes that all wait on one another (each has a need among them). */
function cycleAmong<N extends GraphNode>(stuck: readonly N[], index: ReadonlyMap<string, N>): string[] {
  const inStuck = new Set(stuck.map((n) => n.name))
  const path: string[] = []
  let node = stuck[0]!
  while (!path.includes(node.name)) {
    path.push(node.name)
    node = index.get([...node.needs].sort().find((need) => inStuck.has(need))!)!
  }
  return [...path.slice(path.indexOf(node.name)), node.name]
}
