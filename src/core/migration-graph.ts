/**
 * One migration graph across apps (SPEC §3, as in Django): each migration needs the one before it in
 * its app and what its `DEPENDS_ON` names. Files written before `DEPENDS_ON` existed need the latest
 * migration, by ID, of each app their app depends on that existed before them: an earlier file without
 * `DEPENDS_ON` too (a file with one was written later, whatever its ID, and may depend on them). The graph's order is
 * the order migrations run and replay in everywhere: an app's own in ID order, the rest by app order.
 */
import { AutoMigrationsError } from '../errors.js'
import { type GraphNode, priorityOrder } from './graph.js'

/** What the graph needs to know of a migration. */
export interface GraphMigration {
  readonly app: string
  readonly id: string
  /** The exported `DEPENDS_ON` (app → migration ID); undefined for a file written before it existed. */
  readonly dependsOn?: Readonly<Record<string, string>> | undefined
  /** The exported `REPLACES` of a squashed migration: the IDs of its app's migrations it stands for. */
  readonly replaces?: readonly string[] | undefined
  readonly file?: string | undefined
}

/** Apps in app order, with what each depends on. */
export interface GraphApp {
  readonly name: string
  readonly dependencies: readonly string[]
}

export const migrationKey = (app: string, id: string): string => `${app}\u0000${id}`

/** Every ID a squashed migration stands for, as `app\0id` keys (a replaced file may be gone). */
export function replacedKeys(migrations: readonly GraphMigration[]): Set<string> {
  const keys = new Set<string>()
  for (const m of migrations) for (const id of m.replaces ?? []) keys.add(migrationKey(m.app, id))
  return keys
}

/**
 * The migrations without those a squashed migration among them replaces: what replays, and what a
 * new database runs (a database's own history may choose otherwise, see replacements.ts).
 */
export function withoutReplaced<M extends GraphMigration>(migrations: readonly M[]): M[] {
  const replaced = replacedKeys(migrations)
  return replaced.size === 0 ? [...migrations] : migrations.filter((m) => !replaced.has(migrationKey(m.app, m.id)))
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const label = (m: GraphMigration) => `${m.app} ${m.id}`

/** An app's migrations, sorted by ID, with what the graph looks up in them. */
interface AppMigrations {
  readonly ids: ReadonlySet<string>
  /** The IDs of its files without `DEPENDS_ON`, sorted. */
  readonly legacy: readonly string[]
}

/** The last of sorted `ids` below `id`, by binary search (histories have thousands of files). */
function lastBefore(ids: readonly string[], id: string): string | undefined {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ids[mid]! < id) lo = mid + 1
    else hi = mid
  }
  return lo > 0 ? ids[lo - 1] : undefined
}

/**
 * The migrations that `m` needs directly, as keys: the previous one of its app, then its
 * `DEPENDS_ON` (or, for an older file, the latest earlier migration of each dependency app).
 */
function needsOf(
  m: GraphMigration,
  previous: GraphMigration | undefined,
  apps: ReadonlyMap<string, GraphApp>,
  byApp: ReadonlyMap<string, AppMigrations>,
  aliases: ReadonlyMap<string, string>,
): string[] {
  const needs = previous ? [migrationKey(previous.app, previous.id)] : []
  if (m.dependsOn) {
    for (const [app, id] of Object.entries(m.dependsOn)) {
      if (app === m.app) continue
      const alias = aliases.get(migrationKey(app, id))
      if (alias !== undefined) {
        needs.push(alias)
        continue
      }
      if (!byApp.get(app)?.ids.has(id)) {
        const where = m.file ? ` (${m.file})` : ''
        throw new AutoMigrationsError(
          'MIGRATION_DEPENDENCY_MISSING',
          `Migration ${label(m)}${where} depends on ${app} ${id}, which ${apps.has(app) ? `app "${app}" does not have` : `is of an app that is not registered`}. ` +
            `Restore that migration, or fix DEPENDS_ON in the file.`,
          { app: m.app, migrationId: m.id, file: m.file, dependsOn: { app, id } },
        )
      }
      needs.push(migrationKey(app, id))
    }
    return needs
  }
  for (const dependency of apps.get(m.app)?.dependencies ?? []) {
    const earlier = lastBefore(byApp.get(dependency)?.legacy ?? [], m.id)
    if (earlier === undefined) continue
    const key = migrationKey(dependency, earlier)
    needs.push(aliases.get(key) ?? key)
  }
  return needs
}

interface Node<M> extends GraphNode {
  migration: M
  rank: number
}

/**
 * Where a `DEPENDS_ON` that names a migration missing from the graph leads: to the squashed migration
 * that replaces it (its file may be gone), then to any alias the caller gives.
 */
function aliasesOf(
  migrations: readonly GraphMigration[],
  lookups: ReadonlyMap<string, AppMigrations>,
  given: ReadonlyMap<string, string>,
): Map<string, string> {
  const aliases = new Map<string, string>()
  for (const m of migrations)
    for (const id of m.replaces ?? [])
      if (!lookups.get(m.app)?.ids.has(id)) aliases.set(migrationKey(m.app, id), migrationKey(m.app, m.id))
  for (const [from, to] of given) aliases.set(from, to)
  return aliases
}

function nodesOf<M extends GraphMigration>(
  apps: readonly GraphApp[],
  migrations: readonly M[],
  given: ReadonlyMap<string, string>,
): Node<M>[] {
  const appIndex = new Map(apps.map((a) => [a.name, a]))
  const rank = new Map(apps.map((a, i) => [a.name, i]))
  const byApp = new Map<string, M[]>()
  for (const m of withoutReplaced(migrations)) {
    const list = byApp.get(m.app)
    if (list) list.push(m)
    else byApp.set(m.app, [m])
  }
  // Older files were written needing a replaced file perhaps: the alias leads them to its squash.
  const legacyIds = new Map<string, string[]>()
  for (const m of migrations) {
    if (m.dependsOn) continue
    const ids = legacyIds.get(m.app)
    if (ids) ids.push(m.id)
    else legacyIds.set(m.app, [m.id])
  }
  const lookups = new Map<string, AppMigrations>()
  for (const [app, list] of byApp) {
    list.sort(byId)
    lookups.set(app, { ids: new Set(list.map((m) => m.id)), legacy: (legacyIds.get(app) ?? []).sort() })
  }
  const aliases = aliasesOf(migrations, lookups, given)
  const nodes: Node<M>[] = []
  for (const list of byApp.values()) {
    list.forEach((m, i) => {
      nodes.push({
        name: migrationKey(m.app, m.id),
        needs: needsOf(m, list[i - 1], appIndex, lookups, aliases),
        migration: m,
        rank: rank.get(m.app) ?? apps.length,
      })
    })
  }
  return nodes
}

/** The migration graph of a project: its order, and what each migration needs or is needed by. */
export class MigrationGraph<M extends GraphMigration> {
  /** Every migration after what it needs; otherwise by app order, then ID. */
  readonly order: M[]
  /** True when no migration needs one of a later app's: the order is then app by app, each in ID order. */
  readonly appByApp: boolean
  readonly #nodes: Map<M, Node<M>>
  readonly #byKey: Map<string, Node<M>>
  readonly #neededBy = new Map<string, M[]>()

  /**
   * @throws `MIGRATION_CYCLE` naming the migrations that need one another, `MIGRATION_DEPENDENCY_MISSING`
   *   for a `DEPENDS_ON` that names a migration nobody has.
   * @param aliases graph key of a migration left out → key of the one standing for it (see replacements.ts).
   */
  constructor(apps: readonly GraphApp[], migrations: readonly M[], aliases: ReadonlyMap<string, string> = new Map()) {
    const nodes = nodesOf(apps, migrations, aliases)
    this.#nodes = new Map(nodes.map((n) => [n.migration, n]))
    this.#byKey = new Map(nodes.map((n) => [n.name, n]))
    for (const node of nodes)
      for (const need of node.needs) {
        const list = this.#neededBy.get(need)
        if (list) list.push(node.migration)
        else this.#neededBy.set(need, [node.migration])
      }
    // While no migration needs one of a later app, the order is app by app: no sort needed.
    this.appByApp = nodes.every((n) => n.needs.every((need) => this.#byKey.get(need)!.rank <= n.rank))
    if (this.appByApp) {
      this.order = [...nodes].sort((a, b) => a.rank - b.rank || byId(a.migration, b.migration)).map((n) => n.migration)
      return
    }
    this.order = priorityOrder(nodes, (a, b) => a.rank - b.rank || byId(a.migration, b.migration), {
      cycle: (names) => {
        const cycle = names.map((name) => this.#byKey.get(name)!.migration)
        return new AutoMigrationsError(
          'MIGRATION_CYCLE',
          `Migrations depend on one another in a cycle: ${cycle.map(label).join(' -> ')}. ` +
            `Fix DEPENDS_ON in one of their files (${cycle[0]!.file ?? label(cycle[0]!)}).`,
          { app: cycle[0]!.app, migrationId: cycle[0]!.id, file: cycle[0]!.file, cycle: cycle.map(label) },
        )
      },
      missing: (node) => new Error(`unreachable: ${node} needs a migration that was checked`),
    }).map((n) => n.migration)
  }

  /** The migrations `m` needs directly (the previous one of its app first). */
  needs(m: M): M[] {
    return (this.#nodes.get(m)?.needs ?? []).map((key) => this.#byKey.get(key)!.migration)
  }

  /** `targets` and everything they need, directly or not. */
  withNeeds(targets: Iterable<M>): Set<M> {
    return this.#walk(targets, (m) => this.needs(m))
  }

  /** `targets` and everything that needs them, directly or not (what must be reversed first). */
  withDependents(targets: Iterable<M>): Set<M> {
    return this.#walk(targets, (m) => this.#neededBy.get(migrationKey(m.app, m.id)) ?? [])
  }

  #walk(targets: Iterable<M>, next: (m: M) => readonly M[]): Set<M> {
    const out = new Set<M>()
    const stack = [...targets]
    while (stack.length > 0) {
      const m = stack.pop()!
      if (out.has(m)) continue
      out.add(m)
      stack.push(...next(m))
    }
    return out
  }
}

/** The migrations in graph order (see MigrationGraph). */
export function migrationOrder<M extends GraphMigration>(apps: readonly GraphApp[], migrations: readonly M[]): M[] {
  return new MigrationGraph(apps, migrations).order
}
