/**
 * The order of one migration's renames. A table (or column) may take the name another one gives up in
 * the same migration (a chain: `group` → `team` while `team` → `member`), or two may swap names (a
 * cycle). Postgres refuses a name that is still taken ("relation … already exists"), so a rename that
 * frees a name runs before the rename that takes it, and a cycle goes through a temporary name.
 * Pure: operations in, operations out.
 */
import { ChangeTableSchema, type Operation, RenameColumn, RenameTable } from '../operations/index.js'

/** Where a table or column is named: `[schema, table name]` or `[table class, column name]`. */
type Slot = readonly [string, string]

interface Moves<T extends Operation> {
  /** The name the operation starts from, and the one it takes. */
  from(o: T): Slot
  to(o: T): Slot
  /** The operations that take `o` through `temporary` instead of straight to its name. */
  aside(o: T, temporary: string): T[]
  /** The same moves of one object in another order (through another intermediate name), if any. */
  reordered?(queue: readonly T[]): T[] | undefined
}

const slotKey = (slot: Slot) => JSON.stringify(slot)

/**
 * Orders `queues` (each one object's renames, in the order they must run) so that no rename takes a
 * name in `taken` (the names in use when the renames start) before its owner has moved away.
 */
function orderMoves<T extends Operation>(queues: T[][], taken: Iterable<Slot>, moves: Moves<T>): T[] {
  const pending = queues.map((q) => [...q]).filter((q) => q.length)
  const occupied = new Set([...taken].map(slotKey))
  // A temporary name is never one that any rename starts from or goes to.
  const reserved = new Set(pending.flatMap((q) => q.flatMap((o) => [slotKey(moves.from(o)), slotKey(moves.to(o))])))
  const out: T[] = []
  const take = (queue: T[]) => {
    const o = queue.shift()!
    occupied.delete(slotKey(moves.from(o)))
    occupied.add(slotKey(moves.to(o)))
    out.push(o)
  }
  for (;;) {
    const live = pending.filter((q) => q.length)
    if (!live.length) return out
    const ready = (q: readonly T[]) => {
      const to = slotKey(moves.to(q[0]!))
      return to === slotKey(moves.from(q[0]!)) || !occupied.has(to)
    }
    const free = live.find(ready)
    if (free) {
      take(free)
      continue
    }
    // A rename and a move whose intermediate name is taken may go the other way round.
    const other = live
      .map((q) => [q, moves.reordered?.(q)] as const)
      .find(([, reordered]) => reordered !== undefined && ready(reordered))
    if (other) {
      other[0].splice(0, other[0].length, ...other[1]!)
      take(other[0])
      continue
    }
    // Every next rename waits for a name. If the name is held by another object that is about to
    // move (a cycle), one of them steps aside to a temporary name; otherwise the name is held by
    // something that stays, and Postgres's refusal says which.
    const starts = new Set(live.map((q) => slotKey(moves.from(q[0]!))))
    const cyclic = live.find((q) => starts.has(slotKey(moves.to(q[0]!))))
    if (!cyclic) {
      for (const q of live) out.push(...q.splice(0))
      return out
    }
    const [space, name] = moves.from(cyclic[0]!)
    const temporary = temporaryName(name, (n) => occupied.has(slotKey([space, n])) || reserved.has(slotKey([space, n])))
    reserved.add(slotKey([space, temporary]))
    cyclic.splice(0, 1, ...moves.aside(cyclic[0]!, temporary))
    take(cyclic)
  }
}

/** `name` with a numbered suffix that nothing uses, kept within Postgres's 63 bytes. */
function temporaryName(name: string, used: (candidate: string) => boolean): string {
  for (let n = 1; ; n++) {
    const suffix = `_swap${n}`
    let base = name
    while (Buffer.byteLength(base + suffix) > 63) base = base.slice(0, -1)
    if (!used(base + suffix)) return base + suffix
  }
}

type TableMove = RenameTable | ChangeTableSchema
const schemaParam = (schema: string) => (schema === 'public' ? undefined : schema)

const tableMoves = (app: string): Moves<TableMove> => ({
  from: (o) =>
    o instanceof RenameTable
      ? [o.params.schema ?? 'public', o.params.oldTablename]
      : [o.params.oldSchema, o.params.tablename],
  to: (o) =>
    o instanceof RenameTable
      ? [o.params.schema ?? 'public', o.params.newTablename]
      : [o.params.newSchema, o.params.tablename],
  aside: (o, temporary) => {
    if (o instanceof RenameTable) {
      const p = o.params
      return [
        new RenameTable(app, { ...p, newTablename: temporary }),
        new RenameTable(app, {
          oldClassName: p.newClassName,
          newClassName: p.newClassName,
          oldTablename: temporary,
          newTablename: p.newTablename,
          schema: p.schema,
        }),
      ]
    }
    // A move into a schema where its name is taken: renamed aside, moved, then renamed back there.
    const p = o.params
    const aside = new RenameTable(app, {
      oldClassName: p.className,
      newClassName: p.className,
      oldTablename: p.tablename,
      newTablename: temporary,
      schema: schemaParam(p.oldSchema),
    })
    return [
      aside,
      new ChangeTableSchema(app, { ...p, tablename: temporary }),
      new RenameTable(app, {
        oldClassName: p.className,
        newClassName: p.className,
        oldTablename: temporary,
        newTablename: p.tablename,
        schema: schemaParam(p.newSchema),
      }),
    ]
  },
  // Renamed in its old schema then moved, or moved under its old name then renamed in the new one.
  reordered: (queue) => {
    const [rename, move] = queue
    if (queue.length !== 2 || !(rename instanceof RenameTable) || !(move instanceof ChangeTableSchema)) return undefined
    const r = rename.params
    return [
      new ChangeTableSchema(app, {
        className: r.oldClassName,
        tablename: r.oldTablename,
        oldSchema: move.params.oldSchema,
        newSchema: move.params.newSchema,
      }),
      new RenameTable(app, { ...r, schema: schemaParam(move.params.newSchema) }),
    ]
  },
})

/**
 * Table renames and schema moves of `app` in an order Postgres accepts. `renames` holds each table's
 * rename before its move; `taken` is every `[schema, table name]` in use when they start.
 */
export function orderTableRenames(app: string, renames: TableMove[], taken: Iterable<Slot>): TableMove[] {
  const byTable = new Map<string, TableMove[]>()
  for (const o of renames) {
    const table = o instanceof RenameTable ? o.params.newClassName : o.params.className
    byTable.set(table, [...(byTable.get(table) ?? []), o])
  }
  return orderMoves([...byTable.values()], taken, tableMoves(app))
}

const columnMoves = (app: string): Moves<RenameColumn> => ({
  from: (o) => [o.params.tableClassName, o.params.oldDbColumnName],
  to: (o) => [o.params.tableClassName, o.params.newDbColumnName],
  aside: (o, temporary) => {
    const p = o.params
    return [
      new RenameColumn(app, { ...p, newDbColumnName: temporary }),
      new RenameColumn(app, { ...p, oldColumnName: p.newColumnName, oldDbColumnName: temporary }),
    ]
  },
})

/** Column renames of `app` in an order Postgres accepts; `taken` is every `[table class, column name]` in use. */
export function orderColumnRenames(app: string, renames: RenameColumn[], taken: Iterable<Slot>): RenameColumn[] {
  return orderMoves(
    renames.map((o) => [o]),
    taken,
    columnMoves(app),
  )
}
