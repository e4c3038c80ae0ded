/**
 * What the dev page shows, as pure functions (src/build/project/overview.ts): the diagram of the
 * tables and their foreign keys, the timeline, what waits for a person, and what an answer writes.
 */
import { describe, expect, it } from 'vitest'
import {
  diagramOf,
  operationsToWrite,
  timelineOf,
  type WaitingAnswer,
  waitingOf,
} from '../../../src/build/project/overview.js'
import type { AppPlan } from '../../../src/build/project/plan.js'
import { diffApp } from '../../../src/core/differ/diff.js'
import { emptyAnswers } from '../../../src/core/differ/renames.js'
import { migrationKey } from '../../../src/core/migration-graph.js'
import type { SnapshotData } from '../../../src/core/state/snapshot.js'
import { ForeignKey, Table, Text, Varchar } from '../../../src/index.js'
import type { MigrationStatus } from '../../../src/runtime/runner.js'
import { app, model } from '../../helpers/models.js'
import { TITLE_TO_HEADLINE } from '../../helpers/waiting.js'

class User extends Table {
  email = new Varchar({ length: 320 })
}
class Post extends Table {
  title = new Varchar({ length: 200 })
  body = new Text({ null: true })
  author = new ForeignKey(() => User)
  parent = new ForeignKey(() => Post)
}

const project = () => model(app('auth', [User]), app('blog', [Post], ['auth']))

describe('diagramOf', () => {
  it('draws each app’s tables with their columns, and one edge per foreign key, across apps too', () => {
    const diagram = diagramOf(project().snapshot.tables, ['auth', 'blog'])
    expect(diagram.apps.map((a) => [a.name, a.tables.map((t) => t.id)])).toEqual([
      ['auth', ['auth.User']],
      ['blog', ['blog.Post']],
    ])
    const post = diagram.apps[1]!.tables[0]!
    expect(
      post.columns.map((c) => `${c.name}: ${c.type}${c.nullable ? '?' : ''}${c.primaryKey ? ' (pk)' : ''}`),
    ).toEqual([
      'id: Serial (pk)',
      'title: Varchar(200)',
      'body: Text?',
      'author: ForeignKey → User?',
      'parent: ForeignKey → Post?',
    ])
    expect(diagram.foreignKeys).toEqual([
      { from: 'blog.Post', to: 'auth.User', column: 'author' },
      { from: 'blog.Post', to: 'blog.Post', column: 'parent' },
    ])
  })

  it('leaves out a foreign key to a table that is not drawn', () => {
    const tables = project().snapshot.tables.filter((t) => t.app === 'blog')
    expect(diagramOf(tables, ['blog']).foreignKeys).toEqual([{ from: 'blog.Post', to: 'blog.Post', column: 'parent' }])
  })
})

describe('timelineOf', () => {
  const migrations = [
    { app: 'auth', id: '1', description: 'add table User', file: '/p/auth_1.ts' },
    { app: 'blog', id: '1', description: 'add table Post', file: '/p/blog_1.ts' },
    { app: 'blog', id: '2', description: 'add column Post.views', file: '/p/blog_2.ts' },
  ]
  const sql = new Map([[migrationKey('auth', '1'), ['CREATE TABLE "public"."user" ();']]])

  it('gives each migration its state from the dev database, its SQL, and lists history rows without a file last', () => {
    const ranOn = new Date('2026-11-27T10:00:00Z')
    const statuses: MigrationStatus[] = [
      { app: 'auth', id: '1', description: 'add table User', state: 'ran', ranOn },
      {
        app: 'blog',
        id: '1',
        description: 'add table Post',
        state: 'partial',
        steps: { done: 1, total: 2, direction: 'forwards' },
      },
      { app: 'blog', id: '0', description: 'gone', state: 'missing', ranOn },
    ]
    expect(timelineOf(migrations, statuses, sql)).toEqual([
      {
        app: 'auth',
        id: '1',
        description: 'add table User',
        state: 'ran',
        ranOn: '2026-11-27T10:00:00.000Z',
        file: '/p/auth_1.ts',
        sql: ['CREATE TABLE "public"."user" ();'],
      },
      {
        app: 'blog',
        id: '1',
        description: 'add table Post',
        state: 'partial',
        file: '/p/blog_1.ts',
        steps: { done: 1, total: 2, direction: 'forwards' },
        sql: [],
      },
      { app: 'blog', id: '2', description: 'add column Post.views', state: 'pending', file: '/p/blog_2.ts', sql: [] },
      { app: 'blog', id: '0', description: 'gone', state: 'missing', ranOn: '2026-11-27T10:00:00.000Z', sql: [] },
    ])
  })

  it('says "unknown" for every migration when the dev database could not be read', () => {
    expect(timelineOf(migrations, undefined, sql).map((m) => m.state)).toEqual(['unknown', 'unknown', 'unknown'])
  })
})

/** The blog app migrated with `Post` as above; now `title` is `headline` and `body` is gone. */
function changedBlog(options: { answers?: ReturnType<typeof emptyAnswers>; allowDestructive?: boolean } = {}): AppPlan {
  class Renamed extends Table {
    static override tablename = 'post'
    headline = new Varchar({ length: 200 })
    author = new ForeignKey(() => User)
    parent = new ForeignKey(() => Renamed)
  }
  Object.defineProperty(Renamed, 'name', { value: 'Post' })
  const from: SnapshotData = project().snapshot
  const to = model(app('auth', [User]), app('blog', [Renamed], ['auth'])).snapshot
  const diff = diffApp(from, to, 'blog', {
    answers: options.answers ?? emptyAnswers(),
    allowDestructive: options.allowDestructive ?? false,
  })
  return { app: 'blog', operations: diff.operations, questions: diff.questions, held: diff.held, needsValue: [] }
}

describe('waitingOf', () => {
  it('lists each open rename question, and an app’s destructive changes as one', () => {
    const waiting = waitingOf([changedBlog()])
    expect(waiting).toEqual([
      TITLE_TO_HEADLINE,
      { kind: 'destructive', app: 'blog', changes: ['drop column Post.body'] },
    ])
    const answers = emptyAnswers()
    answers.accepted.add('column:blog:Post:title->headline')
    expect(waitingOf([changedBlog({ answers })])).toEqual([
      { kind: 'destructive', app: 'blog', changes: ['drop column Post.body'] },
    ])
  })

  it('is empty when nothing waits', () => {
    expect(waitingOf([{ app: 'blog', operations: [], questions: [], held: [], needsValue: [] }])).toEqual([])
  })
})

describe('operationsToWrite', () => {
  const key = 'column:blog:Post:title->headline'
  const question = changedBlog().questions[0]
  const written = (answer: WaitingAnswer, accepted: boolean) => {
    const answers = emptyAnswers()
    ;(accepted ? answers.accepted : answers.declined).add(key)
    return operationsToWrite(changedBlog({ answers, allowDestructive: true }), answer, question).map((o) =>
      o.describe(),
    )
  }

  it('"it is a rename" writes the rename and holds the other destructive changes', () => {
    expect(written({ kind: 'rename', app: 'blog', key, rename: true }, true)).toEqual([
      'rename column Post.title to headline',
    ])
  })

  it('"drop and add" writes the drop of the old column and the new one, nothing else destructive', () => {
    const lines = written({ kind: 'rename', app: 'blog', key, rename: false }, false)
    expect(lines).toContain('drop column Post.title')
    expect(lines).toContain('add column Post.headline')
    expect(lines).not.toContain('drop column Post.body')
  })

  it('"write the destructive changes" writes every one of the app', () => {
    const answers = emptyAnswers()
    answers.accepted.add(key)
    const plan = changedBlog({ answers, allowDestructive: true })
    expect(operationsToWrite(plan, { kind: 'destructive', app: 'blog' }, undefined).map((o) => o.describe())).toContain(
      'drop column Post.body',
    )
  })
})
