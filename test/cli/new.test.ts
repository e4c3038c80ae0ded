import { afterEach, describe, expect, it } from 'vitest'
import { MIGRATION_FILE, project, removeProjects } from './helpers.js'

afterEach(removeProjects)

/** A project with its first migration written (the fixture's tables as they are). */
async function migratedBlog() {
  const p = await project('cli-blog')
  const first = await p.run(['new', 'blog', '--auto'])
  expect(first.code).toBe(0)
  return p
}

const renameTitle = (p: Awaited<ReturnType<typeof migratedBlog>>) =>
  p.edit('src/blog/tables.ts', 'title = new Varchar', 'name = new Varchar')

describe('auto-migrations new <app> --auto', () => {
  it('writes the first migration of a fresh project, in the SPEC format', async () => {
    const p = await project('cli-blog')
    const result = await p.run(['new', 'blog', '--auto'], { now: new Date('2026-11-27T10:15:03.123Z') })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const files = await p.migrationFiles()
    expect(files).toEqual(['blog_2026_11_27T10_15_03_123000.ts'])
    expect(files[0]).toMatch(MIGRATION_FILE)
    const text = await p.read(`src/blog/migrations/${files[0]}`)
    expect(
      text.startsWith(
        "import { MigrationManager, sql } from 'unplugin-auto-migrations'\n\nexport const ID = '2026-11-27T10:15:03:123000'\n",
      ),
    ).toBe(true)
    expect(text).toContain("export const DESCRIPTION = 'add table Author, add table Post'")
    expect(text).toContain(
      "const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION })",
    )
    expect(text).toContain("  manager.addTable({ className: 'Author', tablename: 'author' })")
    expect(text).toContain('default: sql`now()`')
    expect(text).toContain("references: { app: 'blog', table: 'Author', column: 'id' }")
    expect(text).toMatch(/ {2}return manager\n}\n$/)
    // Self-contained: nothing from the app's own files.
    expect(text).not.toMatch(/from '\.\.?\//)
    expect(result.stdout).toContain(`blog: wrote src/blog/migrations/${files[0]}`)
    // A new table is one line, with its columns; the file keeps every operation.
    expect(result.stdout).toContain('\n  - add table Author (id, name)\n')
    expect(result.stdout).toContain('\n  - add table Post (id, title, body, views, createdAt, author)\n')
    expect(result.stdout).not.toContain('add column')
    expect(text).toMatch(/manager\.addColumn\(\{\s+tableClassName: 'Post',[^}]*columnName: 'author'/)
  })

  it('writes nothing and says so when nothing changed', async () => {
    const p = await migratedBlog()
    const before = await p.migrationFiles()
    const again = await p.run(['new', 'blog', '--auto'])
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe('No changes in blog')
    expect(await p.migrationFiles()).toEqual(before)
  })

  it('a key column gets no implicit default; a migration that recorded one still loads and is no change', async () => {
    const p = await project('cli-blog')
    await p.edit(
      'src/blog/tables.ts',
      'name = new Varchar({ length: 255 })',
      'code = new Varchar({ length: 8, primaryKey: true })',
    )
    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    const [file] = await p.migrationFiles()
    const text = await p.read(`src/blog/migrations/${file}`)
    const code = /columnName: 'code',[^)]*params: \{[^}]*\}/.exec(text)?.[0]
    expect(code).toContain('primaryKey: true')
    expect(code).toContain('default: null')
    // As written before keys lost Piccolo's implicit default.
    await p.write(`src/blog/migrations/${file}`, text.replace(code!, code!.replace('default: null', "default: ''")))
    const again = await p.run(['new', 'blog', '--auto'])
    expect(again.stderr).toBe('')
    expect(again.stdout.trim()).toBe('No changes in blog')
  })

  it('gives a later ID than every existing one, even within the same microsecond', async () => {
    const p = await project('cli-blog')
    const now = new Date('2026-11-27T10:15:03.999Z')
    await p.run(['new', 'blog', '--auto'], { now })
    await p.run(['new', 'blog', '--desc', 'backfill'], { now })
    await p.run(['new', 'blog'], { now })
    expect(await p.migrationFiles()).toEqual([
      'blog_2026_11_27T10_15_03_999000.ts',
      'blog_2026_11_27T10_15_03_999001.ts',
      'blog_2026_11_27T10_15_03_999002.ts',
    ])
    expect((await p.run(['check'])).code).toBe(0)
  })

  it('writes an empty migration without --auto, with the given description', async () => {
    const p = await migratedBlog()
    const result = await p.run(['new', 'blog', '--desc', "fill authors' names"])
    expect(result.code).toBe(0)
    const files = await p.migrationFiles()
    const text = await p.read(`src/blog/migrations/${files[1]}`)
    expect(text).toContain("export const DESCRIPTION = 'fill authors\\' names'")
    expect(text).toContain("import { MigrationManager } from 'unplugin-auto-migrations'")
    expect(text).toMatch(/description: DESCRIPTION }\)\n {2}return manager\n}\n$/)
  })

  it('renaming a column with --rename writes renameColumn', async () => {
    const p = await migratedBlog()
    await renameTitle(p)
    const result = await p.run(['new', 'blog', '--auto', '--rename', 'Post.title=name'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('  - rename column Post.title to name')
    const files = await p.migrationFiles()
    expect(files).toHaveLength(2)
    const text = await p.read(`src/blog/migrations/${files[1]}`)
    expect(text).toContain('manager.renameColumn(')
    expect(text).not.toContain('manager.dropColumn(')
    expect((await p.run(['check'])).code).toBe(0)
  })

  it('renaming a column with renamedFrom in the model needs no question', async () => {
    const p = await migratedBlog()
    await p.edit(
      'src/blog/tables.ts',
      'title = new Varchar({ length: 200 })',
      "name = new Varchar({ length: 200, renamedFrom: 'title' })",
    )
    const result = await p.run(['new', 'blog', '--auto'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('rename column Post.title to name')
  })

  it('a possible rename without a hint and without a terminal is reported as ambiguous, and nothing is written', async () => {
    const p = await migratedBlog()
    await renameTitle(p)
    const result = await p.run(['new', 'blog', '--auto'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('ambiguous: did you rename column Post.title to Post.name?')
    expect(result.stderr).toContain('--rename Post.title=name')
    expect(await p.migrationFiles()).toHaveLength(1)
    expect((await p.run(['check'])).code).toBe(1)
  })

  it('in a terminal, asks about the rename in Piccolo\'s words and writes renameColumn on "y"', async () => {
    const p = await migratedBlog()
    await renameTitle(p)
    const result = await p.run(['new', 'blog', '--auto'], { answers: ['y'] })
    expect(result.asked).toEqual(['Did you rename column "title" to "name" on table Post? (y/N)'])
    expect(result.code).toBe(0)
    const files = await p.migrationFiles()
    expect(await p.read(`src/blog/migrations/${files[1]}`)).toContain('manager.renameColumn(')
  })

  it('in a terminal, "n" to the rename makes it a drop and an add, and the drop is confirmed', async () => {
    const p = await migratedBlog()
    await renameTitle(p)
    const result = await p.run(['new', 'blog', '--auto'], { answers: ['n', 'y'] })
    expect(result.asked[0]).toBe('Did you rename column "title" to "name" on table Post? (y/N)')
    expect(result.asked[1]).toMatch(/^Write it into the migration of blog\? \(y\/N\)$/)
    expect(result.stdout).toContain('drop column Post.title')
    expect(result.code).toBe(0)
    const text = await p.read(`src/blog/migrations/${(await p.migrationFiles())[1]}`)
    expect(text).toContain('manager.dropColumn(')
    expect(text).toContain('manager.addColumn(')
  })

  it('in a terminal, declining the destructive change writes the rest and holds the drop', async () => {
    const p = await migratedBlog()
    await p.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    await p.edit(
      'src/blog/tables.ts',
      'views = new Integer({ default: 0 })',
      'views = new Integer({ default: 0 })\n  likes = new Integer({ default: 0 })',
    )
    const result = await p.run(['new', 'blog', '--auto'], { answers: ['n'] })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('add column Post.likes')
    expect(result.stderr).toContain('destructive: drop column Post.body')
    const text = await p.read(`src/blog/migrations/${(await p.migrationFiles())[1]}`)
    expect(text).not.toContain('dropColumn')
  })

  it('a dropped column without --yes is held; with --yes it is written', async () => {
    const p = await migratedBlog()
    await p.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    const held = await p.run(['new', 'blog', '--auto'])
    expect(held.code).toBe(1)
    expect(held.stderr).toContain('destructive: drop column Post.body')
    expect(held.stderr).toContain('--yes')
    expect(await p.migrationFiles()).toHaveLength(1)

    const yes = await p.run(['new', 'blog', '--auto', '--yes'])
    expect(yes.code).toBe(0)
    expect(yes.stdout).toContain('drop column Post.body')
    const text = await p.read(`src/blog/migrations/${(await p.migrationFiles())[1]}`)
    // The drop records the dropped definition, so backwards can restore it.
    expect(text).toMatch(/manager\.dropColumn\(\{[\s\S]*columnClass: 'Text'/)
  })

  it('--yes declines open rename questions, so they become a drop and an add', async () => {
    const p = await migratedBlog()
    await renameTitle(p)
    const result = await p.run(['new', 'blog', '--auto', '--yes'])
    expect(result.code).toBe(0)
    const text = await p.read(`src/blog/migrations/${(await p.migrationFiles())[1]}`)
    expect(text).toContain('manager.dropColumn(')
    expect(text).toContain('manager.addColumn(')
    expect(text).not.toContain('renameColumn')
  })

  it('renaming a table with --rename Old=New writes renameTable', async () => {
    const p = await migratedBlog()
    await p.edit('src/blog/tables.ts', 'class Post extends', 'class Article extends')
    await p.edit('src/blog/app.ts', /Post/g, 'Article')
    const result = await p.run(['new', 'blog', '--auto', '--rename', 'Post=Article'])
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('rename table Post to Article')
  })

  it('new all --auto writes one migration per app, dependencies first', async () => {
    const p = await project('cli-two-apps')
    const result = await p.run(['new', 'all', '--auto'])
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n').filter((l) => l.includes(': wrote '))
    expect(lines.map((l) => l.split(':')[0])).toEqual(['auth', 'blog'])
    const blog = await p.read(`src/blog/migrations/${(await p.migrationFiles('blog'))[0]}`)
    expect(blog).toContain("references: { app: 'auth', table: 'User', column: 'id' }")
    expect((await p.run(['check'])).code).toBe(0)
  })

  it('rejects bad arguments with a usage error', async () => {
    const p = await project('cli-blog')
    expect((await p.run(['new'])).stderr).toMatch(/^error \[USAGE\]: Which app\?/)
    const unknown = await p.run(['new', 'shop', '--auto'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('error [USAGE]: No app is named "shop". The apps are: blog.')
    expect((await p.run(['new', 'blog', '--auto', '--rename', 'Post.title'])).stderr).toContain(
      '--rename Post.title: write Table.oldColumn=newColumn',
    )
    expect((await p.run(['new', 'blog', '--auto', '--rename', 'Nope.a=b'])).stderr).toContain(
      'no table class Nope in app "blog"',
    )
    expect((await p.run(['new', 'blog', '--rename', 'Post.a=b'])).stderr).toContain('--rename only applies with --auto')
    expect((await p.run(['new', 'blog', '--bogus'])).stderr).toContain('error [USAGE]: Unknown option --bogus.')
    expect(await p.migrationFiles()).toEqual([])
  })
})
