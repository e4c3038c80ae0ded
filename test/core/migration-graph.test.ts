/** One migration graph across apps: the order migrations run in, and what each needs or is needed by. */
import { describe, expect, it } from 'vitest'
import { type GraphMigration, MigrationGraph, migrationOrder } from '../../src/core/migration-graph.js'

const apps = [
  { name: 'auth', dependencies: [] },
  { name: 'blog', dependencies: ['auth'] },
]
const m = (app: string, id: string, dependsOn?: Record<string, string>): GraphMigration => ({ app, id, dependsOn })
const labels = (list: Iterable<GraphMigration>) => [...list].map((x) => `${x.app} ${x.id}`)

describe('the migration graph', () => {
  it("runs each migration after its app's earlier ones and what DEPENDS_ON names; ties go by app order, then ID", () => {
    const migrations = [
      m('blog', '1', { auth: '1' }),
      m('auth', '3', { blog: '2' }),
      m('blog', '2', {}),
      m('auth', '1', {}),
      m('auth', '2', {}),
    ]
    expect(labels(migrationOrder(apps, migrations))).toEqual(['auth 1', 'auth 2', 'blog 1', 'blog 2', 'auth 3'])
    expect(labels(migrationOrder(apps, [...migrations].reverse()))).toEqual(labels(migrationOrder(apps, migrations)))
  })

  it('reads a file without DEPENDS_ON as needing the latest earlier file without it of each dependency app', () => {
    const migrations = [
      m('auth', '1'),
      m('blog', '5'),
      // Written after DEPENDS_ON existed (so after blog 5, whatever its ID): blog 5 cannot need it.
      m('auth', '3', { blog: '5' }),
    ]
    const graph = new MigrationGraph(apps, migrations)
    expect(labels(graph.needs(migrations[1]!))).toEqual(['auth 1'])
    expect(labels(graph.needs(migrations[2]!))).toEqual(['auth 1', 'blog 5'])
    expect(labels(graph.order)).toEqual(['auth 1', 'blog 5', 'auth 3'])
  })

  it('gives what a migration needs and what needs it, transitively', () => {
    const migrations = [m('auth', '1', {}), m('blog', '1', { auth: '1' }), m('auth', '2', {}), m('blog', '2', {})]
    const graph = new MigrationGraph(apps, migrations)
    expect(labels(graph.withNeeds([migrations[3]!])).sort()).toEqual(['auth 1', 'blog 1', 'blog 2'])
    expect(labels(graph.withDependents([migrations[0]!])).sort()).toEqual(['auth 1', 'auth 2', 'blog 1', 'blog 2'])
    expect(labels(graph.withDependents([migrations[2]!]))).toEqual(['auth 2'])
  })

  it('names the migrations that need one another, and the file to fix', () => {
    const migrations = [{ ...m('auth', '1', { blog: '1' }), file: 'auth/auth_1.ts' }, m('blog', '1', { auth: '1' })]
    expect(() => migrationOrder(apps, migrations)).toThrow(
      expect.objectContaining({
        code: 'MIGRATION_CYCLE',
        message: expect.stringContaining('in a cycle: auth 1 -> blog 1 -> auth 1.'),
      }),
    )
  })

  it('names a DEPENDS_ON that points at a migration nobody has', () => {
    const migrations = [{ ...m('blog', '1', { auth: '9' }), file: 'blog/blog_1.ts' }, m('auth', '1', {})]
    expect(() => migrationOrder(apps, migrations)).toThrow(
      expect.objectContaining({
        code: 'MIGRATION_DEPENDENCY_MISSING',
        message:
          'Migration blog 1 (blog/blog_1.ts) depends on auth 9, which app "auth" does not have. Restore that migration, or fix DEPENDS_ON in the file.',
      }),
    )
  })
})
