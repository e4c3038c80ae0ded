/**
 * The order of one migration's operations. Each detected operation says what it needs and what it
 * gives (detect.ts); one stable topological sort puts every operation after the operations that give
 * what it needs, and otherwise keeps a reading order (see `PREFERRED`), then the order of detection.
 * This is Django's autodetector in spirit: a new kind of operation only declares its needs.
 * Pure: operations in, operations out.
 */
import { priorityOrder } from '../graph.js'
import type { Operation } from '../operations/index.js'

/** One operation with what it needs (from operations of the same migration) and what it gives. */
export interface Planned {
  operation: Operation
  /** Keys (see `need`) given by other operations, which must run first; a key nobody gives is there already. */
  needs: string[]
  gives: string[]
  /**
   * A rename or a move: it gives up the name `leaves` and takes `takes` (keys of `need.name`). In a
   * cycle of such moves (a swap), one goes through a temporary name, chosen from `name` within `space`:
   * `aside` gives the operations that do that.
   */
  move?: { leaves: string; takes: string; space: string; name: string; aside(temporary: string): Operation[] }
}

const NAME = 'name '
const OLD_NAMES = 'old names '

/**
 * What operations need and give. Tables and columns are named by their identity in the diff: the
 * model's class and property name, or the snapshot's for what is dropped.
 */
export const need = {
  /** The table exists (an added table). */
  table: (table: string) => `table ${table}`,
  /** The table has its new name and schema, and its columns their new names (renames give it). */
  renamed: (table: string) => `renamed ${table}`,
  columnsRenamed: (table: string) => `columns renamed ${table}`,
  /** Done with the table (and its columns) under the names they had: every rename of it waits. */
  oldNames: (table: string) => `${OLD_NAMES}${table}`,
  /** A column has its new definition; all of a table's columns have. */
  column: (table: string, column: string) => `column ${table}.${column}`,
  columns: (table: string) => `columns ${table}`,
  /** The column is a key (primary or unique, its own or a table's): what a foreign key to it needs. */
  key: (table: string, column: string) => `key ${table}.${column}`,
  /** No foreign key points at the column (its key may go) or at the table any more. */
  unreferenced: (table: string, column?: string) =>
    column === undefined ? `unreferenced ${table}` : `unreferenced ${table}.${column}`,
  /** The table's old primary key is gone (a table has one). */
  primaryKeyFree: (table: string) => `primary key free ${table}`,
  /** The table's constraints and indexes that go are gone (a new one may take a generated name). */
  declarationsDropped: (table: string) => `declarations dropped ${table}`,
  /** What runs on a table (or on a column) before it is dropped. */
  beforeDrop: (table: string, column?: string) =>
    column === undefined ? `before drop ${table}` : `before drop ${table}.${column}`,
  /** The enum has its new values; nothing uses the values it loses. */
  enum: (name: string) => `enum ${name}`,
  enumUnused: (name: string) => `enum unused ${name}`,
  /** A name is free: a table's in a schema (space `table <schema>`), a column's in a table (`column <table>`). */
  name: (space: string, name: string) => `${NAME}${space}\0${name}`,
  /** A foreign key let go of a key that goes, and may point again. */
  released: (table: string, column: string) => `released ${table}.${column}`,
  /** The extension is created. */
  extension: (name: string) => `extension ${name}`,
  /** The function has its new definition; nothing calls the old one any more (it may go). */
  function: (name: string) => `function ${name}`,
  functionUnused: (name: string) => `function unused ${name}`,
  /** The view (by class name) has its new definition; nothing reads it any more (it may go). */
  view: (name: string) => `view ${name}`,
  viewUnused: (name: string) => `view unused ${name}`,
  /** A view that a column change needs out of the way is gone, and may come back. */
  viewAside: (name: string) => `view aside ${name}`,
  viewBack: (name: string) => `view back ${name}`,
  /** One step of a table's renames and moves, for the next. */
  step: (table: string, at: number) => `step ${table} ${at}`,
}

/**
 * Where the needs allow, the order a person writes a migration in: extensions first, enums grow,
 * foreign keys let go, triggers, views and old declarations go, renames, foreign keys go, drops,
 * adds, foreign keys, functions, views, declarations, triggers, enums shrink, and functions and
 * extensions go last.
 */
const PREFERRED = [
  'add extension',
  'grow enum',
  'let go',
  'drop trigger',
  'drop view',
  'drop declaration',
  'rename table',
  'rename column',
  'stop pointing',
  'drop foreign key column',
  'drop table',
  'drop column',
  'add table',
  'column',
  'foreign key column',
  'add function',
  'add view',
  'add declaration',
  'add trigger',
  'shrink enum',
  'drop enum',
  'drop function',
  'drop extension',
] as const

type Preference = (typeof PREFERRED)[number]
const BY_KIND: Record<string, Preference> = {
  addEnum: 'grow enum',
  dropEnum: 'drop enum',
  dropConstraint: 'drop declaration',
  dropIndex: 'drop declaration',
  renameTable: 'rename table',
  changeTableSchema: 'rename table',
  alterTable: 'column',
  renameColumn: 'rename column',
  dropTable: 'drop table',
  addTable: 'add table',
  addExtension: 'add extension',
  dropExtension: 'drop extension',
  addFunction: 'add function',
  changeFunction: 'add function',
  dropFunction: 'drop function',
  addView: 'add view',
  changeView: 'add view',
  dropView: 'drop view',
  addTrigger: 'add trigger',
  changeTrigger: 'add trigger',
  dropTrigger: 'drop trigger',
}

function preferred({ operation: o, gives }: Planned): number {
  const p = o.params as Record<string, unknown>
  const foreignKey = p.columnClass === 'ForeignKey'
  const kind = ((): Preference => {
    if (o.kind === 'alterEnum')
      return grows(p.oldValues as string[], p.values as string[]) ? 'grow enum' : 'shrink enum'
    if (o.kind === 'dropColumn') return foreignKey ? 'drop foreign key column' : 'drop column'
    if (o.kind === 'addColumn') return foreignKey ? 'foreign key column' : 'column'
    if (o.kind === 'alterColumn') {
      const change = p.params as Record<string, unknown>
      if (!('references' in change)) return 'column'
      if (change.references !== null) return 'foreign key column'
      // A foreign key that lets go under the old names does so before anything else (see detect.ts).
      return gives.some((k) => k.startsWith(OLD_NAMES)) ? 'let go' : 'stop pointing'
    }
    return BY_KIND[o.kind] ?? 'add declaration'
  })()
  return PREFERRED.indexOf(kind)
}

/** Whether an enum's new values keep all the old ones in their order (only adds): removing or reordering waits. */
export function grows(oldValues: readonly string[], values: readonly string[]): boolean {
  const kept = values.filter((v) => oldValues.includes(v))
  return kept.length === oldValues.length && kept.every((v, i) => v === oldValues[i])
}

interface Node {
  name: string
  needs: string[]
  planned: Planned
  rank: number
  /**
   * Detection order (and the step of an operation that went aside). Moves through a temporary name
   * come after the other moves of their kind: only a cycle needs them.
   */
  at: readonly [number, number, number]
}

type Item = Omit<Node, 'name' | 'needs'>

class Cycle extends Error {
  constructor(readonly names: string[]) {
    super('cycle')
  }
}

/**
 * The operations of `planned` in an order Postgres accepts, forwards and backwards. `inUse(space,
 * name)` says whether a name is taken when the migration starts (temporary names avoid those).
 */
export function orderOperations(planned: Planned[], inUse: (space: string, name: string) => boolean): Operation[] {
  let items: Item[] = planned.map((p, at) => ({ planned: p, rank: preferred(p), at: [0, at, 0] }))
  const ignored = new Set<string>()
  const reserved = new Set<string>()
  for (const { move } of planned) if (move) reserved.add(move.leaves).add(move.takes)
  // A cycle that a temporary name cannot break (a name held by an operation that needs the renamed
  // object) gives up a need for a name: Postgres's refusal then says which name is taken.
  for (;;) {
    const needs = needsOf(items, ignored)
    // Most migrations need nothing against the preferred order: then that is the order.
    const preferred = items.map((_, i) => i).sort((x, y) => before(items[x]!, items[y]!))
    const position = new Array<number>(items.length)
    preferred.forEach((item, at) => {
      position[item] = at
    })
    if (preferred.every((item, at) => needs[item]!.every((giver) => position[giver]! < at)))
      return preferred.map((item) => items[item]!.planned.operation)
    const nodes: Node[] = items.map((item, i) => ({ ...item, name: String(i), needs: needs[i]!.map(String) }))
    try {
      return priorityOrder(nodes, before, {
        cycle: (names) => new Cycle(names),
        missing: (node, missing) => new Error(`${node} needs ${missing}, which is not planned`),
      }).map((n) => n.planned.operation)
    } catch (error) {
      if (!(error instanceof Cycle)) throw error
      const cycle = error.names.map((name) => nodes[Number(name)]!)
      const edges = cycle.slice(0, -1).map((n, i) => [n, cycle[i + 1]!] as const)
      const swap = edges
        .filter(([n, next]) => n.planned.move && next.planned.gives.includes(n.planned.move.takes))
        .sort(([a], [b]) => before(a, b))[0]
      if (!swap) {
        const [n, next] =
          edges.find(([n, next]) =>
            n.planned.needs.some((k) => k.startsWith(NAME) && next.planned.gives.includes(k)),
          ) ?? edges[0]!
        ignored.add(`${n.name}>${next.name}`)
        items = nodes
        continue
      }
      const [node] = swap
      const { space, name } = node.planned.move!
      const temporary = temporaryName(name, (n) => inUse(space, n) || reserved.has(need.name(space, n)))
      reserved.add(need.name(space, temporary))
      items = nodes.flatMap((n) => (n === node ? aside(n, temporary) : [n]))
      ignored.clear()
    }
  }
}

/** The steps of a move through `temporary`: the first leaves the old name, the last takes the new one. */
function aside(node: Node, temporary: string): Item[] {
  const { planned } = node
  const { leaves, takes } = planned.move!
  const steps = planned.move!.aside(temporary)
  const id = `${node.at[1]}`
  return steps.map((operation, i) => ({
    planned: {
      operation,
      needs: [
        ...planned.needs.filter((k) => k !== takes || i === steps.length - 1),
        ...(i > 0 ? [need.step(`aside ${id}`, i - 1)] : []),
      ],
      gives: [...planned.gives.filter((k) => k !== leaves || i === 0), need.step(`aside ${id}`, i)],
    },
    rank: node.rank,
    at: [1, node.at[1], i] as const,
  }))
}

/** For each item, the items that give what it needs (but the edges `ignored`, as `needer>giver`). */
function needsOf(items: readonly Item[], ignored: ReadonlySet<string>): number[][] {
  const givers = new Map<string, number[]>()
  items.forEach((item, i) => {
    for (const key of item.planned.gives) {
      const list = givers.get(key)
      if (list) list.push(i)
      else givers.set(key, [i])
    }
  })
  return items.map((item, i) => {
    const needs: number[] = []
    for (const key of item.planned.needs)
      for (const giver of givers.get(key) ?? [])
        if (giver !== i && !needs.includes(giver) && !(ignored.size && ignored.has(`${i}>${giver}`))) needs.push(giver)
    return needs
  })
}

const before = (a: Item, b: Item) => a.rank - b.rank || a.at[0] - b.at[0] || a.at[1] - b.at[1] || a.at[2] - b.at[2]

/** `name` with a numbered suffix that nothing uses, kept within Postgres's 63 bytes. */
function temporaryName(name: string, used: (candidate: string) => boolean): string {
  for (let n = 1; ; n++) {
    const suffix = `_swap${n}`
    let base = name
    while (Buffer.byteLength(base + suffix) > 63) base = base.slice(0, -1)
    if (!used(base + suffix)) return base + suffix
  }
}
