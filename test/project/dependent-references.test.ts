/**
 * What an app must keep for its dependent apps: a table class and key column that a dependent app's
 * migration pointed a foreign key at can't be dropped or renamed, since on a database built from
 * scratch all of the app's migrations run before the dependent app's. Physical names may change.
 */
import { describe, expect, it } from 'vitest'
import { ForeignKey, Table, Text, Varchar } from '../../src/index.js'
import { SchemaState } from '../../src/migration/snapshot.js'
import {
  checkReferencedKeys,
  type DependentReference,
  referencesOf,
  unbuildableReferences,
} from '../../src/project/dependent-references.js'
import { app, diffAll, emptySnapshot, model } from '../helpers/engine.js'

class User extends Table {
  email = new Varchar({ length: 320, unique: true })
}
class Post extends Table {
  author = new ForeignKey(() => User)
  editor = new ForeignKey(() => User, { targetColumn: 'email' })
}
const start = model(app('auth', [User]), app('blog', [Post], ['auth']))
/** Every app's tables as their migrations leave them. */
const history = SchemaState.from(start.snapshot)

/** blog's first migration, as the differ writes it. */
const blogMigration = () => {
  const { diffs } = diffAll(emptySnapshot(), start)
  return {
    app: 'blog',
    id: '2026-01-01T00:00:00:000000',
    file: '/project/src/blog/migrations/blog_1.ts',
    operations: diffs.find((d) => d.app === 'blog')!.operations,
  }
}

/** A class that the model reads as `User` (the class name is the table's identity). */
const asUser = <T extends typeof Table>(cls: T): T => Object.defineProperty(cls, 'name', { value: 'User' })

/** The auth model after a change, blog without its foreign keys (they went first). */
const authNow = (...tables: (typeof Table)[]) => model(app('auth', tables), app('blog', [], ['auth'])).snapshot

describe('keys kept for dependent apps', () => {
  it('a migration of blog points at auth.User.id and auth.User.email: both are recorded once, with the migration', () => {
    const migration = blogMigration()
    const refs = referencesOf([migration, { ...migration, id: '2026-01-02T00:00:00:000000' }])
    expect(refs).toEqual([
      {
        app: 'blog',
        migrationId: migration.id,
        file: migration.file,
        target: { app: 'auth', table: 'User', column: 'id' },
      },
      {
        app: 'blog',
        migrationId: migration.id,
        file: migration.file,
        target: { app: 'auth', table: 'User', column: 'email' },
      },
    ])
    // auth's own foreign keys (none here) and keys within blog are not references to another app.
    expect(referencesOf([{ ...migration, app: 'auth' }]).map((r) => r.target.app)).toEqual([])
  })

  const refs = (): DependentReference[] => referencesOf([blogMigration()])
  const check = (snapshot = authNow(User)) => checkReferencedKeys(refs(), history, snapshot, '/project')

  it('keeping the class and its keys passes, even after blog let go of them; physical renames are free', () => {
    expect(check()).toBeUndefined()
    class Renamed extends Table {
      static override tablename = 'account'
      email = new Varchar({ length: 320, unique: true, dbColumnName: 'mail' })
    }
    expect(check(authNow(asUser(Renamed)))).toBeUndefined()
  })

  it('dropping or renaming the class is refused, naming the migration that points at it and what to do instead', () => {
    const dropped = check(authNow())
    expect(dropped?.code).toBe('KEPT_FOR_DEPENDENT_APP')
    expect(dropped?.message).toBe(
      `App "auth" can't drop or rename the table class User: migration 2026-01-01T00:00:00:000000 of app "blog" (src/blog/migrations/blog_1.ts) points a foreign key at User.id. ` +
        `Every migration of "auth" runs before those of "blog", so a database built from scratch would no longer find it. ` +
        'Keep class User with its key id as it is; to rename the table in the database set `static tablename`, to rename the column set `dbColumnName`.',
    )
    expect(dropped?.details).toMatchObject({ app: 'auth', table: 'User', column: 'id', dependent: 'blog' })
    class Account extends Table {
      static override renamedFrom = 'User'
      email = new Varchar({ length: 320, unique: true })
    }
    expect(check(authNow(Account))?.message).toContain(`App "auth" can't drop or rename the table class User`)
  })

  it('dropping, renaming or re-keying a column blog points at is refused; other columns may change', () => {
    class Kept extends Table {
      email = new Varchar({ length: 320, unique: true })
      name = new Text()
    }
    class Gone extends Table {
      name = new Text()
    }
    class NotKey extends Table {
      email = new Varchar({ length: 320 })
    }
    // Its unique constraint would go (a foreign key depends on its index) even to become the primary key.
    class PrimaryNow extends Table {
      email = new Varchar({ length: 320, primaryKey: true })
    }
    expect(check(authNow(asUser(Kept)))).toBeUndefined()
    expect(check(authNow(asUser(Gone)))?.message).toContain(
      `App "auth" can't drop or rename its column email: migration`,
    )
    const toEmail = refs().filter((r) => r.target.column === 'email')
    expect(checkReferencedKeys(toEmail, history, authNow(asUser(PrimaryNow)), '/project')?.message).toContain(
      `App "auth" can't change its column email, which is unique, into another kind of key or none`,
    )
    expect(check(authNow(asUser(NotKey)))?.message).toContain(
      `App "auth" can't change its column email, which is unique, into another kind of key or none`,
    )
  })

  it('a target the history itself no longer has is for another check: the history is unbuildable for a new database', () => {
    const without = SchemaState.from(authNow())
    expect(checkReferencedKeys(refs(), without, authNow(), '/project')).toBeUndefined()
    const unbuildable = unbuildableReferences(refs(), without, '/project')
    expect(unbuildable.map((e) => e.code)).toEqual(['UNBUILDABLE_HISTORY', 'UNBUILDABLE_HISTORY'])
    expect(unbuildable[0]!.message).toContain(
      'Migration 2026-01-01T00:00:00:000000 of app "blog" (src/blog/migrations/blog_1.ts) points a foreign key at User.id of app "auth", but the migrations of "auth" no longer have a table class User.',
    )
    expect(unbuildable[0]!.message).toContain(
      "a new database can't be built from this history (databases that already ran it are not affected",
    )
    // A history that keeps them is buildable.
    expect(unbuildableReferences(refs(), history, '/project')).toEqual([])
    class NotKey extends Table {
      email = new Varchar({ length: 320 })
    }
    const unkeyed = unbuildableReferences(refs(), SchemaState.from(authNow(asUser(NotKey))), '/project')
    expect(unkeyed).toHaveLength(1)
    expect(unkeyed[0]!.message).toContain(
      'points a foreign key at User.email of app "auth", but the migrations of "auth" leave User.email without a primary key or unique constraint.',
    )
  })
})
