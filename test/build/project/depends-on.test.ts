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
import { emptyAnswers } from '../../../src/core/differ/renames.js'
import { migrationOrder } from '../../../src/core/migration-graph.js'
import { replay, stepsOf } from '../../../src/core/operations/replay.js'
import { SchemaState } from '../../../src/core/state/snapshot.js'
import { ForeignKey, Integer, Table, Varchar } from '../../../src/index.js'
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
  // Every possible rename is a drop and an add here.
  const answers = emptyAnswers()
  let plans = planNewMigrations(project, { allowDestructive: true, answers })
  for (const q of plans.flatMap((p) => p.questions)) answers.declined.add(q.key)
  plans = planNewMigrations(project, { allowDestructive: true, answers })
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

/** Every migration's SQL in graph order, from an empty database: throws where a file cannot run. */
const sqlOfNewDatabase = (written: readonly Recorded[]) => {
  const state = new SchemaState()
  return migrationOrder(APPS, written).flatMap((m) => stepsOf(m, state, 'forwards'))
}

// Save 0: blog's Post has no key; shop points at blog's Tag.
const KeylessPost = class Post extends Table {
  static override primaryKey = null
  title = new Varchar({ length: 100 })
}
class Tag extends Table {
  name = new Varchar({ length: 50 })
}
const OrderOfTag = class Order extends Table {
  tag = new ForeignKey(() => Tag)
}
// Save 1: blog drops Tag (shop lets go of it) while shop points at blog's new Item, and Post gets its
// implicit id, which Item points at.
const KeyedPost = class Post extends Table {
  title = new Varchar({ length: 100 })
}
class Item extends Table {
  post = new ForeignKey(() => KeyedPost)
}
const OrderOfItem = class Order extends Table {
  item = new ForeignKey(() => Item)
  quantity = new Integer({ null: true })
}

describe('a draft split around another app', () => {
  it("keeps a foreign key to its own app's table with that table's held changes, in the second half", () => {
    let written = save([], 0, { auth: [], blog: [KeylessPost, Tag], shop: [OrderOfTag] }, 'app by app')
    written = [
      ...written,
      ...save(written, 1, { auth: [], blog: [KeyedPost, Item], shop: [OrderOfItem] }, 'app by app'),
    ]
    const last = written.filter((m) => m.id >= idOf(1, 'auth'))
    const [first, second] = last.filter((m) => m.app === 'blog')
    const kinds = (m: Recorded | undefined) => m?.operations.map((o) => o.describe())
    // Shop points at Item, and blog's drop of Tag needs shop to let go first: blog's migration is split.
    expect(last.map((m) => `${m.app} ${m.id}`)).toEqual([
      `blog ${idOf(1, 'blog')}`,
      `blog ${idOf(1, 'blog', true)}`,
      `shop ${idOf(1, 'shop')}`,
    ])
    expect(kinds(first)).toContain('add table Item')
    expect(kinds(second)).toEqual(
      expect.arrayContaining(['drop table Tag', 'add column Post.id', 'add column Item.post']),
    )
    expect(second!.dependsOn).toEqual({ shop: idOf(1, 'shop') })
    // A new database runs every file: Item.post comes after Post has its id.
    expect(() => sqlOfNewDatabase(written)).not.toThrow()
  })
})

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
