/**
 * A new migration's DEPENDS_ON (src/build/project/depends-on.ts) when an app drops the key that
 * several apps' migrations once pointed at: every one of those apps must have let go first on a
 * database built from the files, whichever app pointed at the key first.
 */
import { describe, expect, it } from 'vitest'
import { resolveDependencies } from '../../../src/build/project/depends-on.js'
import { planNewMigrations } from '../../../src/build/project/plan.js'
import type { AppState, FileMigration, ProjectState } from '../../../src/build/project/project-state.js'
import { referencesOf, renamesOf } from '../../../src/build/project/references.js'
import { migrationOrder } from '../../../src/core/migration-graph.js'
import { replay } from '../../../src/core/operations/replay.js'
import { ForeignKey, Table, Varchar } from '../../../src/index.js'
import { defineApp } from '../../../src/model/define.js'
import type { TableClass } from '../../../src/model/columns.js'
import { createRegistry } from '../../../src/model/registry.js'
import { modelSnapshot } from '../../../src/model/to-snapshot.js'

type Recorded = FileMigration

interface Tables {
  auth: TableClass[]
  blog: TableClass[]
  shop: TableClass[]
}

/** How the project's foreign keys into other apps are read: app by app (as a load does), or at once. */
type ReadReferences = 'app by app' | 'at once'

const APPS = [
  { name: 'auth', dependencies: [] as string[] },
  { name: 'blog', dependencies: ['auth'] },
  { name: 'shop', dependencies: ['auth', 'blog'] },
]

const idOf = (save: number, app: string, second = false) =>
  `2026-03-01T10:0${save}:00:0000${second ? 1 : 0}${APPS.findIndex((a) => a.name === app) + 1}`

/** The project after `written`, with the model `tables`, as resolveDependencies reads it. */
function projectOf(written: readonly Recorded[], tables: Tables, read: ReadReferences): ProjectState {
  const registry = createRegistry(APPS.map((a) => defineApp({ ...a, tables: tables[a.name as keyof Tables] })))
  const apps: AppState[] = registry.apps.map((app) => {
    const migrations = written.filter((m) => m.app === app.name)
    return { app, migrations, errors: [], renames: migrations.flatMap((m) => renamesOf(m.operations)) }
  })
  const references =
    read === 'at once'
      ? referencesOf(written)
      : apps.flatMap((a) => referencesOf(written.filter((m) => m.app === a.app.name)))
  return {
    apps,
    references,
    state: replay(migrationOrder(APPS, written)),
    model: modelSnapshot(registry),
  } as Partial<ProjectState> as ProjectState
}

/** Plans one save of `tables` after `written` and gives its migrations their DEPENDS_ON, as the writer does. */
function save(written: readonly Recorded[], at: number, tables: Tables, read: ReadReferences): Recorded[] {
  const project = projectOf(written, tables, read)
  const plans = planNewMigrations(project, { allowDestructive: true })
  expect(plans.flatMap((p) => [...p.questions, ...p.needsValue])).toEqual([])
  const drafts = plans
    .filter((p) => p.operations.length > 0)
    .map((p) => ({
      app: project.apps.find((a) => a.app.name === p.app)!,
      id: idOf(at, p.app),
      operations: p.operations,
      dependsOn: {},
    }))
  return resolveDependencies(project, drafts, (app) => idOf(at, app.app.name, true)).map((d) => ({
    app: d.app.app.name,
    id: d.id,
    file: `${d.app.app.name}/${d.id}.ts`,
    description: '',
    dependsOn: d.dependsOn,
    operations: d.operations,
  }))
}

// Save 0: blog and shop both point a foreign key at auth's User (its implicit id).
class User extends Table {
  name = new Varchar({ length: 100 })
}
class Post extends Table {
  owner = new ForeignKey(() => User)
}
class Line extends Table {
  owner = new ForeignKey(() => User)
}

// Save 2: User loses its key (and so its id) while blog points at auth's new Role instead.
const KeylessUser = class User extends Table {
  static override primaryKey = null
  name = new Varchar({ length: 100 })
}
class Role extends Table {
  title = new Varchar({ length: 50, primaryKey: true })
}
const PostOfRole = class Post extends Table {
  owner = new ForeignKey(() => Role)
}

describe.each<ReadReferences>(['app by app', 'at once'])(
  'DEPENDS_ON of a drop of a key several apps pointed at (references read %s)',
  (read) => {
    it("auth's drop of User.id needs shop's migration that dropped Line a save earlier, and blog's that lets go now", () => {
      const saves: Tables[] = [
        { auth: [User], blog: [Post], shop: [Line] },
        // Shop lets go of User first: Line goes.
        { auth: [User], blog: [Post], shop: [] },
        { auth: [KeylessUser, Role], blog: [PostOfRole], shop: [] },
      ]
      let written: Recorded[] = []
      for (const [at, tables] of saves.entries()) written = [...written, ...save(written, at, tables, read)]

      const last = written.filter((m) => m.id >= idOf(2, 'auth'))
      const dropsId = last.find((m) =>
        m.operations.some((o) => o.kind === 'dropColumn' && o.describe() === 'drop column User.id'),
      )!
      // Blog's new foreign key needs Role from auth, so the drop goes into a second auth migration.
      expect(last.map((m) => `${m.app} ${m.id}`)).toEqual([
        `auth ${idOf(2, 'auth')}`,
        `auth ${idOf(2, 'auth', true)}`,
        `blog ${idOf(2, 'blog')}`,
      ])
      expect(dropsId.id).toBe(idOf(2, 'auth', true))
      expect(dropsId.dependsOn).toEqual({ blog: idOf(2, 'blog'), shop: idOf(1, 'shop') })

      // A new database runs shop's drop of Line and blog's new key before User.id goes.
      const order = migrationOrder(APPS, written).map((m) => `${m.app} ${m.id}`)
      const ranAt = (app: string, id: string) => order.indexOf(`${app} ${id}`)
      expect(ranAt('shop', idOf(1, 'shop'))).toBeLessThan(ranAt('auth', dropsId.id))
      expect(ranAt('blog', idOf(2, 'blog'))).toBeLessThan(ranAt('auth', dropsId.id))
    })
  },
)

describe('referencesOf', () => {
  it('lists every app that points at a key, each with its first migration that does', () => {
    const written = save([], 0, { auth: [User], blog: [Post], shop: [Line] }, 'app by app')
    written.push(...save(written, 1, { auth: [User], blog: [Post], shop: [] }, 'app by app'))
    expect(referencesOf(written).map((r) => [r.app, r.migrationId, r.target])).toEqual([
      ['blog', idOf(0, 'blog'), { app: 'auth', table: 'User', column: 'id' }],
      ['shop', idOf(0, 'shop'), { app: 'auth', table: 'User', column: 'id' }],
    ])
  })
})
