/**
 * Every bad input gets its own clear error, naming the file, app, table or column to fix; `check`
 * and `new --auto` both fail on it, and nothing is written.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Project, project, removeProjects, THROWING_MIGRATION } from './helpers.js'

afterEach(removeProjects)

interface Case {
  name: string
  setup(p: Project): Promise<void>
  code: string
  /** Words the message must contain: the names that say where to look. */
  mentions: string[]
}

const cases: Case[] = [
  {
    name: 'an app dependency cycle',
    setup: (p) => p.edit('src/auth/app.ts', 'tables: [User],', "tables: [User],\n  dependencies: ['blog'],"),
    code: 'APP_CYCLE',
    mentions: ['auth -> blog -> auth'],
  },
  {
    name: 'a missing app file',
    setup: (p) => p.edit('migrations.config.ts', "'./src/blog/app.ts'", "'./src/blog/app.ts', './src/shop/app.ts'"),
    code: 'APP_MISSING',
    mentions: ['./src/shop/app.ts', 'migrations.config.ts'],
  },
  {
    name: 'a dependency on an app that is not registered',
    setup: (p) => p.edit('src/blog/app.ts', 'dependencies: [auth]', "dependencies: [auth, 'payments']"),
    code: 'APP_MISSING',
    mentions: ['"blog"', '"payments"'],
  },
  {
    name: 'two apps with one name',
    setup: (p) => p.edit('src/auth/app.ts', "name: 'auth'", "name: 'blog'"),
    code: 'APP_DUPLICATE',
    mentions: ['"blog"', 'src/auth/app.ts', 'src/blog/app.ts'],
  },
  {
    name: 'a table registered in two apps',
    setup: async (p) => {
      await p.edit(
        'src/auth/app.ts',
        "import { User } from './tables.js'",
        "import { User } from './tables.js'\nimport { Post } from '../blog/tables.js'",
      )
      await p.edit('src/auth/app.ts', 'tables: [User]', 'tables: [User, Post]')
    },
    code: 'TABLE_IN_TWO_APPS',
    mentions: ['Post', '"auth"', '"blog"'],
  },
  {
    name: 'a foreign key to a table no app registers',
    setup: (p) =>
      p.edit(
        'src/blog/tables.ts',
        'export class Post extends Table {',
        'export class Category extends Table {}\n\nexport class Post extends Table {\n  category = new ForeignKey(() => Category)',
      ),
    code: 'UNKNOWN_FK_TARGET',
    mentions: ['Post.category', 'Category'],
  },
  {
    name: 'a foreign key to an app that is not a dependency',
    setup: (p) => p.edit('src/blog/app.ts', 'dependencies: [auth],', ''),
    code: 'FK_APP_NOT_DEPENDENCY',
    mentions: ['Post.author', '"blog"', '"auth"'],
  },
  {
    name: 'two columns with one database name',
    setup: (p) =>
      p.edit(
        'src/blog/tables.ts',
        'title = new Varchar({ length: 200 })',
        "title = new Varchar({ length: 200 })\n  heading = new Varchar({ length: 200, dbColumnName: 'title' })",
      ),
    code: 'DUPLICATE_COLUMN',
    mentions: ['Post', '"title"', 'heading'],
  },
  {
    name: 'a 64-byte table name',
    setup: (p) =>
      p.edit(
        'src/blog/tables.ts',
        'export class Post extends Table {',
        `export class Post extends Table {\n  static tablename = '${'p'.repeat(64)}'`,
      ),
    code: 'IDENTIFIER_TOO_LONG',
    mentions: ['Post', 'p'.repeat(64), '64 bytes'],
  },
  {
    name: 'a default of the wrong type',
    setup: (p) =>
      p
        .edit(
          'src/blog/tables.ts',
          'title = new Varchar({ length: 200 })',
          "title = new Varchar({ length: 200 })\n  views = new Integer({ default: 'many' as never })",
        )
        .then(() => p.edit('src/blog/tables.ts', 'import { ForeignKey,', 'import { Integer, ForeignKey,')),
    code: 'INVALID_DEFAULT',
    mentions: ['Post.views', 'Integer', '"many"'],
  },
  {
    name: 'a constraint naming an unknown column',
    setup: async (p) => {
      await p.edit(
        'src/blog/tables.ts',
        'title = new Varchar({ length: 200 })',
        "title = new Varchar({ length: 200 })\n  static constraints = [unique('title', 'slug')]",
      )
      await p.edit('src/blog/tables.ts', 'import { ForeignKey,', 'import { unique, ForeignKey,')
    },
    code: 'UNKNOWN_COLUMN',
    mentions: ['Post', '"slug"'],
  },
  {
    name: 'a migration whose forwards() throws',
    setup: (p) => p.write('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts', THROWING_MIGRATION),
    code: 'MIGRATION_FORWARDS_THREW',
    mentions: ['blog_2026_01_01T00_00_00_000000.ts', '"blog"', 'backfill exploded'],
  },
  {
    name: 'two migrations with one ID',
    setup: async (p) => {
      const valid = THROWING_MIGRATION.replace("  throw new Error('backfill exploded')\n", '')
      await p.write('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts', valid)
      await p.write('src/blog/migrations/blog_copy.ts', valid)
    },
    code: 'DUPLICATE_MIGRATION_ID',
    mentions: ['"blog"', '2026-01-01T00:00:00:000000', 'blog_copy.ts', 'blog_2026_01_01T00_00_00_000000.ts'],
  },
  {
    name: 'a migration that does not fit the history before it',
    setup: (p) =>
      p.write(
        'src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts',
        THROWING_MIGRATION.replace(
          "  throw new Error('backfill exploded')\n",
          "  manager.renameTable({ oldClassName: 'Ghost', newClassName: 'Spirit', oldTablename: 'ghost', newTablename: 'spirit' })\n",
        ),
      ),
    code: 'REPLAY_FAILED',
    mentions: ['blog_2026_01_01T00_00_00_000000.ts', 'Ghost', '"blog"'],
  },
  {
    name: 'a migration recorded for another app',
    setup: (p) =>
      p.write(
        'src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts',
        THROWING_MIGRATION.replace("  throw new Error('backfill exploded')\n", '').replace(
          "appName: 'blog'",
          "appName: 'auth'",
        ),
      ),
    code: 'INVALID_MIGRATION',
    mentions: ['blog_2026_01_01T00_00_00_000000.ts', '"blog"', '"auth"'],
  },
]

describe('bad input', () => {
  it.each(cases)('$name: $code', async (c) => {
    const p = await project('cli-two-apps')
    await c.setup(p)
    const before = { auth: await p.migrationFiles('auth'), blog: await p.migrationFiles('blog') }

    const check = await p.run(['check'])
    expect(check.code).toBe(1)
    expect(check.stderr).toContain(`error [${c.code}]: `)
    const line = check.stderr.split('\n').find((l) => l.startsWith(`error [${c.code}]`))!
    const message = check.stderr.slice(check.stderr.indexOf(line))
    for (const word of c.mentions) expect(message).toContain(word)
    // A user error is not a crash: no stack without --trace.
    expect(check.stderr).not.toMatch(/\n\s+at /)

    const created = await p.run(['new', 'all', '--auto'])
    expect(created.code).toBe(1)
    expect(created.stderr).toContain(`error [${c.code}]`)
    // Nothing written, and no temporary file left behind.
    expect(await p.migrationFiles('auth')).toEqual(before.auth)
    expect(await p.migrationFiles('blog')).toEqual(before.blog)
  })

  it('--trace adds the stack to an error', async () => {
    const p = await project('cli-two-apps')
    await p.write('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts', THROWING_MIGRATION)
    const result = await p.run(['check', '--trace'])
    expect(result.stderr).toContain('error [MIGRATION_FORWARDS_THREW]')
    expect(result.stderr).toMatch(/\n\s+at /)
    expect(result.stderr).toContain('caused by: Error: backfill exploded')
  })

  it("a broken app does not hide the other apps' changes from check", async () => {
    const p = await project('cli-two-apps')
    await p.write('src/blog/migrations/blog_2026_01_01T00_00_00_000000.ts', THROWING_MIGRATION)
    const result = await p.run(['check'])
    expect(result.stderr).toContain('error [MIGRATION_FORWARDS_THREW]')
    expect(result.stdout).toContain('auth: 1 un-migrated change\n  - add table User (id, email)  (src/auth/tables.ts)')
    expect(result.stdout).not.toContain('blog:')
  })

  it('an unknown command or a missing config is a usage error', async () => {
    const p = await project(null)
    const unknown = await p.run(['migrate'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('error [USAGE]: Unknown command "migrate"')
    const noConfig = await p.run(['new', 'blog', '--auto'])
    expect(noConfig.code).toBe(1)
    expect(noConfig.stderr).toContain('error [CONFIG_NOT_FOUND]: No migrations.config.ts')
    expect(noConfig.stderr).toContain('npx auto-migrations app new <name>')
  })
})
