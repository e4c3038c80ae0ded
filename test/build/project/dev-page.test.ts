/**
 * The dev page's answers through the project session (src/build/project/dev-page.ts): an answer
 * writes the very file `auto-migrations new <app> --auto` writes after the same answer, and an
 * answer to a question that is no longer open writes nothing.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { openProjectSession } from '../../../src/build/project/session.js'
import { type Project, project, removeProjects } from '../../cli/helpers.js'
import { TITLE_TO_HEADLINE } from '../../helpers/waiting.js'

afterAll(removeProjects)

/** The fixture migrated by the CLI, then `title` renamed to `headline` and `body` deleted. */
async function changedProject(): Promise<Project> {
  const app = await project('dev-page')
  expect((await app.run(['new', 'all', '--auto'])).code).toBe(0)
  await app.edit('src/blog/tables.ts', '  title = new Varchar', '  headline = new Varchar')
  await app.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
  return app
}

/** The migration files of `app` that `before` did not have, with their IDs taken out. */
async function newMigrations(app: Project, before: string[]): Promise<string[]> {
  const added = (await app.migrationFiles('blog')).filter((file) => !before.includes(file))
  return Promise.all(
    added.map(async (file) => {
      const text = await app.read(`src/blog/migrations/${file}`)
      const id = /export const ID = '([^']+)'/.exec(text)?.[1] ?? ''
      return text.replaceAll(id, '<ID>')
    }),
  )
}

describe('answering from the dev page', () => {
  it('writes the same migration as the CLI given the same answer, and keeps the drop waiting', async () => {
    const [byCli, byPage] = await Promise.all([changedProject(), changedProject()])
    const cliBefore = await byCli.migrationFiles('blog')
    // Without a terminal the CLI takes the rename from --rename and holds the drop (exit 1).
    expect((await byCli.run(['new', 'blog', '--auto', '--rename', 'Post.title=headline'])).code).toBe(1)
    const fromCli = await newMigrations(byCli, cliBefore)
    expect(fromCli).toHaveLength(1)
    expect(fromCli[0]).toContain('manager.renameColumn(')

    const pageBefore = await byPage.migrationFiles('blog')
    const session = await openProjectSession({ root: byPage.root })
    try {
      const overview = await session.overview()
      expect(overview.waiting).toEqual([
        TITLE_TO_HEADLINE,
        { kind: 'destructive', app: 'blog', changes: ['drop column Post.body'] },
      ])
      const answered = await session.answer(
        { kind: 'rename', app: 'blog', key: TITLE_TO_HEADLINE.key, rename: true },
        { apply: false },
      )
      expect(answered.errors).toEqual([])
      expect(answered.written.map((w) => w.lines)).toEqual([['rename column Post.title to headline']])
      expect(await newMigrations(byPage, pageBefore)).toEqual(fromCli)
      expect((await session.overview()).waiting).toEqual([
        { kind: 'destructive', app: 'blog', changes: ['drop column Post.body'] },
      ])

      // The question was answered: answering it again is refused, and writes nothing.
      const again = await session.answer(
        { kind: 'rename', app: 'blog', key: TITLE_TO_HEADLINE.key, rename: true },
        { apply: false },
      )
      expect(again.written).toEqual([])
      expect(again.errors.map((e) => e.message)).toEqual([
        'Nothing of app "blog" waits for that answer any more: the tables changed since the page was drawn. Reload the page.',
      ])
    } finally {
      await session.close()
    }
  })
})
