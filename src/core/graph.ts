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
