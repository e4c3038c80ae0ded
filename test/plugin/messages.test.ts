import { describe, expect, it } from 'vitest'
import { AutoMigrationsError } from '../../src/errors.js'
import {
  describeChanges,
  describeErrors,
  describeWritten,
  heldHeading,
  toAutoMigrationsError,
  unmigratedHeading,
} from '../../src/plugin/messages.js'
import type { ChangeReport } from '../../src/build/project/types.js'

const post = (overrides: Partial<ChangeReport>): ChangeReport => ({
  app: 'blog',
  kind: 'change',
  table: 'Post',
  file: '/p/src/blog/tables.ts',
  description: 'add column Post.views',
  fix: 'npx auto-migrations new blog --auto',
  ...overrides,
})

describe('plugin messages', () => {
  it('group changes by app, with the table file relative to the root and each distinct fix', () => {
    const changes = [
      post({}),
      post({
        kind: 'ambiguous',
        description: 'ambiguous: did you rename Post.title to Post.name?',
        fix: 'npx auto-migrations new blog --rename Post.title=name',
      }),
      post({ kind: 'destructive', description: 'drop column Post.body' }),
      post({
        app: 'auth',
        table: 'User',
        file: '/elsewhere/user.ts',
        description: 'add table User',
        fix: 'npx auto-migrations new auth --auto',
      }),
      post({
        app: 'auth',
        table: undefined,
        file: undefined,
        description: 'add enum mood',
        fix: 'npx auto-migrations new auth --auto',
      }),
    ]
    expect(
      describeChanges(changes, '/p', unmigratedHeading(changes)),
    ).toBe(`5 un-migrated changes in 2 apps; the commands below write their migrations:

blog:
  - add column Post.views  (src/blog/tables.ts)
  - ambiguous: did you rename Post.title to Post.name?  (src/blog/tables.ts)
  - destructive: drop column Post.body  (src/blog/tables.ts)
  fix: npx auto-migrations new blog --auto
  fix: npx auto-migrations new blog --rename Post.title=name

auth:
  - add table User  (/elsewhere/user.ts)
  - add enum mood
  fix: npx auto-migrations new auth --auto`)
  })

  it('say when changes were held rather than written', () => {
    expect(heldHeading([post({})])).toBe(
      '1 change not written automatically (ambiguous or destructive): run the command shown to resolve it.',
    )
    expect(heldHeading([post({}), post({ kind: 'needs-value' })])).toContain(
      'not written automatically (ambiguous, destructive, or a new NOT NULL column that needs a value for existing rows)',
    )
  })

  it('name the code, the app, the migration and the file of each history problem', () => {
    const errors = [
      new AutoMigrationsError('MIGRATION_FORWARDS_THREW', 'forwards() threw: x is not defined', {
        app: 'blog',
        migrationId: '2026-11-27T10:15:03:123456',
        file: '/p/src/blog/migrations/blog_2026_11_27T10_15_03_123456.ts',
      }),
      new AutoMigrationsError('APP_CYCLE', 'Apps depend on each other: blog -> auth -> blog.'),
    ]
    expect(describeErrors(errors, '/p')).toBe(`2 problems in the migration history or the registry:
  - [MIGRATION_FORWARDS_THREW] forwards() threw: x is not defined  (app blog, migration 2026-11-27T10:15:03:123456, src/blog/migrations/blog_2026_11_27T10_15_03_123456.ts)
  - [APP_CYCLE] Apps depend on each other: blog -> auth -> blog.`)
  })

  it('log one line per operation written', () => {
    expect(
      describeWritten(
        [
          {
            app: 'blog',
            id: '1',
            file: '/p/src/blog/migrations/blog_1.ts',
            lines: ['add table Author', 'add column Post.author'],
          },
        ],
        '/p',
      ),
    ).toEqual([
      'blog: add table Author  (src/blog/migrations/blog_1.ts)',
      'blog: add column Post.author  (src/blog/migrations/blog_1.ts)',
    ])
  })

  it('turn an unexpected failure into an AutoMigrationsError that keeps the cause', () => {
    const cause = new TypeError('x is undefined')
    const error = toAutoMigrationsError(cause)
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain('x is undefined')
    expect(error.cause).toBe(cause)
  })
})
