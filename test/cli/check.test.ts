import { afterEach, describe, expect, it } from 'vitest'
import { project, removeProjects } from './helpers.js'

afterEach(removeProjects)

describe('auto-migrations check', () => {
  it('exits 1 with the per-app list while a change is un-migrated, and 0 once it is migrated', async () => {
    const p = await project('cli-blog')
    const before = await p.run(['check'])
    expect(before.code).toBe(1)
    expect(before.stdout).toContain('blog: 2 un-migrated changes')
    // Each change points at the file that declares its table, and the app's fix is named.
    expect(before.stdout).toContain(
      '  - add table Post (id, title, body, views, createdAt, author)  (src/blog/tables.ts)',
    )
    expect(before.stdout).toContain('  fix: npx auto-migrations new blog --auto')

    expect((await p.run(['new', 'blog', '--auto'])).code).toBe(0)
    const after = await p.run(['check'])
    expect(after.code).toBe(0)
    expect(after.stdout).toContain('No changes')

    await p.edit(
      'src/blog/tables.ts',
      'views = new Integer({ default: 0 })',
      'views = new Integer({ default: 0, index: true })',
    )
    const changed = await p.run(['check'])
    expect(changed.code).toBe(1)
    expect(changed.stdout).toContain('alter column Post.views (index)')
  })

  it('reports ambiguous and destructive changes with their kind', async () => {
    const p = await project('cli-blog')
    await p.run(['new', 'blog', '--auto'])
    await p.edit('src/blog/tables.ts', 'title = new Varchar', 'name = new Varchar')
    await p.edit('src/blog/tables.ts', '  body = new Text({ null: true })\n', '')
    const result = await p.run(['check'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain(
      '  - ambiguous: did you rename column Post.title to Post.name?  (src/blog/tables.ts)',
    )
    expect(result.stdout).toContain('  - destructive: drop column Post.body  (src/blog/tables.ts)')
    // Where nobody can answer (CI), the fix says how to state the rename instead.
    expect(result.stdout).toContain(
      "fix: npx auto-migrations new blog --auto on a terminal (it asks), or add renamedFrom: 'title' to the column Post.name, or pass --rename Post.title=name",
    )
    expect(result.stdout).toContain('fix: npx auto-migrations new blog --auto\n')
    // Both ways do what the fix says.
    const hinted = await p.run(['new', 'blog', '--auto', '--rename', 'Post.title=name', '--yes'])
    expect(hinted.code).toBe(0)
    expect((await p.run(['check'])).code).toBe(0)
  })

  it('points a change of a table from another app at the file that declares it', async () => {
    const p = await project('cli-two-apps')
    const result = await p.run(['check'])
    expect(result.stdout).toContain('auth: ')
    expect(result.stdout).toContain('  - add table User (id, email)  (src/auth/tables.ts)')
    expect(result.stdout).toContain('  - add table Post (id, title, author)  (src/blog/tables.ts)')
  })

  it('honours --config', async () => {
    const p = await project('cli-blog')
    await p.write(
      'config/migrations.config.ts',
      (await p.read('migrations.config.ts')).replace("'./src/blog/app.ts'", "'../src/blog/app.ts'"),
    )
    await p.write('migrations.config.ts', 'throw new Error("not this one")\n')
    const result = await p.run(['check', '--config', 'config/migrations.config.ts'])
    expect(result.stdout).toContain('blog: 2 un-migrated changes')
    const missing = await p.run(['check', '--config', 'nope.config.ts'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('error [CONFIG_NOT_FOUND]')
  })
})

describe('check --scratch', () => {
  it('drops a table another app pointed at after that app lets go of it; check --scratch finds a hand-made order that cannot build', async () => {
    const p = await project('cli-two-apps')
    expect((await p.run(['new', 'all', '--auto'])).code).toBe(0)
    const sound = await p.run(['check', '--scratch'])
    expect(sound.stderr).toBe('')
    expect(sound.code).toBe(0)
    expect(sound.stdout).toContain('Built an empty database from every migration.')

    // One save removes blog's foreign key and auth's table: auth's drop depends on blog's migration.
    await p.edit('src/blog/tables.ts', '  author = new ForeignKey(() => User)\n', '')
    await p.edit('src/blog/tables.ts', "import { User } from '../auth/tables.js'\n", '')
    await p.edit('src/auth/app.ts', 'tables: [User]', 'tables: []')
    await p.edit('src/auth/app.ts', "import { User } from './tables.js'\n", '')
    const written = await p.run(['new', 'all', '--auto', '--yes'])
    expect(written.stderr).toBe('')
    expect(written.code).toBe(0)
    const blogDrop = (await p.migrationFiles('blog'))[1]!
    const authDrop = (await p.migrationFiles('auth'))[1]!
    const blogId = idOfFile(blogDrop)
    expect(await p.read(`src/auth/migrations/${authDrop}`)).toContain(`export const DEPENDS_ON = { blog: '${blogId}' }`)
    expect((await p.run(['check'])).code).toBe(0)
    expect((await p.run(['check', '--scratch'])).code).toBe(0)

    // Without that dependency nothing orders auth's drop after blog's migrations (ties go by app
    // order), so blog's foreign key would point at a table already dropped.
    await p.edit(
      `src/auth/migrations/${authDrop}`,
      `export const DEPENDS_ON = { blog: '${blogId}' }`,
      'export const DEPENDS_ON = {}',
    )
    const scratch = await p.run(['check', '--scratch'])
    expect(scratch.code).toBe(1)
    expect(scratch.stderr).toContain(
      `error [REPLAY_FAILED]: Migration blog ${idOfFile((await p.migrationFiles('blog'))[0]!)}`,
    )
    expect(scratch.stderr).toContain('Foreign key target auth.User.id does not exist at this point of the history.')
    expect(scratch.stderr).toContain('The migrations do not build an empty database')
  })
})

/** The migration ID of a file name: blog_2026_01_01T00_00_00_000000.ts → 2026-01-01T00:00:00:000000. */
function idOfFile(file: string): string {
  return file.replace(/^[a-z_]+?_(\d{4})_(\d{2})_(\d{2})T(\d{2})_(\d{2})_(\d{2})_(\d{6})\.ts$/, '$1-$2-$3T$4:$5:$6:$7')
}
