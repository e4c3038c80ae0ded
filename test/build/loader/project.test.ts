import { readFile, realpath, rm, symlink } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { TableClass } from '../../../src/model/columns.js'
import { LoaderCache, type LoadedProject, loadProject } from '../../../src/build/loader/index.js'
import { rejection } from './errors.js'
import { type FixtureProject, fixtureProject } from './fixture.js'

let project: FixtureProject
beforeEach(async () => {
  project = await fixtureProject('loader-two-apps')
})
afterEach(async () => {
  // Whatever happened, the loader's temporary modules are gone.
  expect(await project.leftovers()).toEqual([])
  await project.remove()
})

/** A loaded table class, to read the statics the fixture puts on it. */
function table(loaded: LoadedProject, app: string, name: string): TableClass & Record<string, unknown> {
  const found = loaded.registry.get(app)?.tables.find((t) => t.name === name)
  if (!found) throw new Error(`no table ${name} in app ${app}`)
  return found as TableClass & Record<string, unknown>
}

describe('loadProject', () => {
  test('loads the config and both apps into a registry, dependencies first', async () => {
    const loaded = await loadProject({ root: project.root })
    expect(loaded.root).toBe(project.root)
    expect(loaded.configFile).toBe(project.file('migrations.config.ts'))
    expect(loaded.config.apps).toEqual(['./src/auth/app.ts', './src/blog/app.ts'])
    expect(loaded.registry.apps.map((a) => a.name)).toEqual(['auth', 'blog'])
    expect(loaded.registry.get('blog')?.dependencies).toEqual(['auth'])
    expect(loaded.appFiles).toEqual(
      new Map([
        ['auth', project.file('src/auth/app.ts')],
        ['blog', project.file('src/blog/app.ts')],
      ]),
    )
    const blog = loaded.registry.get('blog')!
    expect(blog.file).toBe(project.file('src/blog/app.ts'))
    expect(blog.migrationsPath).toBe(project.file('src/blog/migrations'))
    expect(loaded.registry.get('auth')!.migrationsPath).toBe(project.file('src/auth/migrations'))
  })

  test("a table class imported by two apps is one class object: blog's foreign key targets auth's User", async () => {
    const loaded = await loadProject({ root: project.root })
    const User = table(loaded, 'auth', 'User')
    const Post = table(loaded, 'blog', 'Post') as unknown as new () => { author: { target: () => unknown } }
    expect(new Post().author.target()).toBe(User)
    expect(loaded.registry.appOf(User)?.name).toBe('auth')
  })

  test('dependencies list exactly the local files each app uses, packages and unrelated files excluded', async () => {
    const loaded = await loadProject({ root: project.root })
    const files = (...names: string[]) => names.map((n) => project.file(n)).sort()
    expect(loaded.dependencies.get('auth')).toEqual(files('lib/define.ts', 'src/auth/app.ts', 'src/auth/tables.ts'))
    expect(loaded.dependencies.get('blog')).toEqual(
      files(
        'lib/define.ts',
        'src/auth/app.ts',
        'src/auth/tables.ts',
        'src/blog/app.ts',
        'src/blog/prefixes.json',
        'src/blog/tables.ts',
        'src/blog/util.ts',
      ),
    )
    expect(loaded.watchFiles).toEqual(
      files(
        'migrations.config.ts',
        'lib/define.ts',
        'src/auth/app.ts',
        'src/auth/tables.ts',
        'src/blog/app.ts',
        'src/blog/prefixes.json',
        'src/blog/tables.ts',
        'src/blog/util.ts',
      ),
    )
    // The package was imported (not bundled) and works.
    expect(table(loaded, 'blog', 'Post').pgHasTypes).toBe(true)
  })

  test('import.meta.url, import.meta.dirname/filename, __dirname and __filename point at the source file', async () => {
    const loaded = await loadProject({ root: project.root })
    const User = table(loaded, 'auth', 'User')
    const source = project.file('src/auth/tables.ts')
    expect(User.sourceUrl).toBe(pathToFileURL(source).href)
    expect(User.sourceDirname).toBe(path.dirname(source))
    expect(User.sourceFilename).toBe(source)
    expect(User.metaDirname).toBe(path.dirname(source))
    expect(User.metaFilename).toBe(source)
    // new URL('./note.txt', import.meta.url) found the file next to tables.ts.
    expect(User.note).toBe('auth note')
  })

  test('two table classes with one name keep their name after bundling', async () => {
    const loaded = await loadProject({ root: project.root })
    const authTag = table(loaded, 'auth', 'Tag')
    const blogTag = table(loaded, 'blog', 'Tag')
    expect(authTag).not.toBe(blogTag)
    expect(blogTag.tablename).toBe('blog_tag')
    expect(loaded.registry.get('blog')!.tables.map((t) => t.name)).toEqual(['Post', 'Tag'])
  })

  test('a JavaScript config and an app path without extension load too', async () => {
    await project.write(
      'db.config.mjs',
      "export default { kind: 'config', apps: ['./src/auth/app'], database: 'postgres://x' }\n",
    )
    const loaded = await loadProject({ root: project.root, configFile: 'db.config.mjs' })
    expect(loaded.configFile).toBe(project.file('db.config.mjs'))
    expect(loaded.config.database).toBe('postgres://x')
    expect(loaded.appFiles.get('auth')).toBe(project.file('src/auth/app.ts'))
  })

  test('a config with no apps gives an empty registry', async () => {
    await project.write('migrations.config.ts', "export default { kind: 'config', apps: [] }\n")
    const loaded = await loadProject({ root: project.root })
    expect(loaded.registry.apps).toEqual([])
    expect(loaded.watchFiles).toEqual([project.file('migrations.config.ts')])
  })

  test('reloading after an edit sees the edit (a TypeScript file, then a JSON file)', async () => {
    const before = await loadProject({ root: project.root })
    expect(table(before, 'blog', 'Tag').tablename).toBe('blog_tag')
    await project.write('src/blog/util.ts', "export const tablename = (name: string) => 'news_' + name\n")
    const after = await loadProject({ root: project.root })
    expect(table(after, 'blog', 'Tag').tablename).toBe('news_Tag')
    expect(table(after, 'blog', 'Tag')).not.toBe(table(before, 'blog', 'Tag'))
    expect(after.dependencies.get('blog')).not.toContain(project.file('src/blog/prefixes.json'))
  })

  test('with a cache, unchanged files are not evaluated again, and an edit is seen', async () => {
    const cache = new LoaderCache()
    const first = await loadProject({ root: project.root, cache })
    const second = await loadProject({ root: project.root, cache })
    expect(table(second, 'auth', 'User')).toBe(table(first, 'auth', 'User'))
    expect(second.config).toBe(first.config)
    expect(second.dependencies).toEqual(first.dependencies)

    await project.write('src/blog/prefixes.json', '{ "blog": "x_" }\n')
    const third = await loadProject({ root: project.root, cache })
    expect(table(third, 'blog', 'Tag').tablename).toBe('x_tag')
    expect(table(third, 'auth', 'User')).not.toBe(table(first, 'auth', 'User'))
    expect(third.config).toBe(first.config)
  })

  test('a project reached through a symlink gets real paths and full dependency lists', async () => {
    const link = `${project.root}-link`
    await symlink(project.root, link, 'dir')
    try {
      const direct = await loadProject({ root: project.root })
      const loaded = await loadProject({ root: link })
      expect(loaded.root).toBe(await realpath(project.root))
      expect(loaded.dependencies).toEqual(direct.dependencies)
      expect(loaded.watchFiles).toEqual(direct.watchFiles)
      expect(loaded.dependencies.get('auth')).toHaveLength(3)
    } finally {
      await rm(link)
    }
  })

  test('concurrent loads of one project do not collide', async () => {
    const loads = await Promise.all([1, 2, 3].map(() => loadProject({ root: project.root })))
    expect(loads.map((l) => l.registry.apps.length)).toEqual([2, 2, 2])
  })

  test('prints load times (information only)', async () => {
    const cache = new LoaderCache()
    const t0 = performance.now()
    await loadProject({ root: project.root, cache })
    const t1 = performance.now()
    await loadProject({ root: project.root })
    const t2 = performance.now()
    await loadProject({ root: project.root, cache })
    const t3 = performance.now()
    console.log(
      `loadProject: first ${(t1 - t0).toFixed(1)} ms, reload ${(t2 - t1).toFixed(1)} ms, cached ${(t3 - t2).toFixed(1)} ms`,
    )
  })
})

describe('loadProject errors', () => {
  test('a syntax error: LOAD_FAILED naming the file, line, column and esbuild text', async () => {
    await project.write('src/blog/util.ts', 'export function tablename(name: string) {\n  return name +\n}\n')
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain(`${project.file('src/blog/util.ts')}:3:1: Unexpected "}"`)
    expect(error.details.file).toBe(project.file('src/blog/util.ts'))
    expect(error.details.location).toEqual({ file: project.file('src/blog/util.ts'), line: 3, column: 1 })
  })

  test('a syntax error on the first line of a file that uses import.meta has its real column', async () => {
    const file = project.file('src/auth/tables.ts')
    await project.write('src/auth/tables.ts', `const x = ) ; ${await readFile(file, 'utf8')}`)
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain(`${file}:1:11: Unexpected ")"`)
    expect(error.message).toContain('\n    const x = ) ;')
  })

  test('an import of a missing file: LOAD_FAILED naming the importing file and line', async () => {
    await project.write('src/blog/util.ts', "import { nope } from './nope.js'\nexport const tablename = nope\n")
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain(`${project.file('src/blog/util.ts')}:1:`)
    expect(error.message).toContain('Could not resolve "./nope.js"')
  })

  test('a file that throws while it is loaded: LOAD_FAILED naming the file and line', async () => {
    await project.write(
      'src/blog/util.ts',
      "export function tablename(name: string): string {\n  return name\n}\n\nthrow new Error('boom in util')\n",
    )
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain('boom in util')
    expect(error.message).toContain(`${project.file('src/blog/util.ts')}:5:`)
    expect(error.cause).toBeInstanceOf(Error)
  })

  test('a missing package: LOAD_FAILED naming the package and the file that imports it', async () => {
    await project.write(
      'src/blog/util.ts',
      "import left from 'left-pad-not-installed'\nexport const tablename = (n: string) => left(n)\n",
    )
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain('"left-pad-not-installed"')
    expect(error.message).toContain(project.file('src/blog/util.ts'))
  })

  test('an app file without a defineApp default export: INVALID_APP naming the file', async () => {
    await project.write('src/blog/app.ts', 'export const app = 1\n')
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('INVALID_APP')
    expect(error.message).toContain(project.file('src/blog/app.ts'))
    expect(error.message).toContain('no default export')
    expect(error.details.file).toBe(project.file('src/blog/app.ts'))
  })

  test('an app listing something that is not a table class: INVALID_APP naming the file and entry', async () => {
    await project.write(
      'src/blog/app.ts',
      "import { defineApp } from '../../lib/define.js'\nexport default defineApp({ name: 'blog', tables: [undefined as never] })\n",
    )
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('INVALID_APP')
    expect(error.message).toContain(project.file('src/blog/app.ts'))
    expect(error.message).toContain('tables[0] is undefined')
  })

  test('a config that does not default-export defineConfig: INVALID_CONFIG naming the file', async () => {
    await project.write('migrations.config.ts', "export default { apps: ['./src/auth/app.ts'] }\n")
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('INVALID_CONFIG')
    expect(error.message).toContain(project.file('migrations.config.ts'))
    expect(error.message).toContain('defineConfig')
  })

  test('a syntax error in the config: LOAD_FAILED naming the config', async () => {
    await project.write('migrations.config.ts', 'export default {\n')
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('LOAD_FAILED')
    expect(error.message).toContain(`${project.file('migrations.config.ts')}:2:`)
  })

  test('an app file listed in the config that does not exist: APP_MISSING naming it', async () => {
    await project.write(
      'migrations.config.ts',
      "export default { kind: 'config', apps: ['./src/auth/app.ts', './src/shop/app.ts'] }\n",
    )
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('APP_MISSING')
    expect(error.message).toContain('./src/shop/app.ts')
    expect(error.message).toContain(project.file('src/shop/app.ts'))
    expect(error.message).toContain(project.file('migrations.config.ts'))
  })

  test('an app depending on an app that is not listed: the registry reports it', async () => {
    await project.write('migrations.config.ts', "export default { kind: 'config', apps: ['./src/blog/app.ts'] }\n")
    const error = await rejection(loadProject({ root: project.root }))
    expect(error.code).toBe('APP_MISSING')
    expect(error.message).toContain('"auth"')
  })

  test('errors say which files to watch to retry after a fix', async () => {
    const cache = new LoaderCache()
    await loadProject({ root: project.root, cache })
    await project.write('src/blog/util.ts', 'export const = 1\n')
    const error = await rejection(loadProject({ root: project.root, cache }))
    expect(error.details.watchFiles).toEqual(
      expect.arrayContaining([
        project.file('migrations.config.ts'),
        project.file('src/auth/app.ts'),
        project.file('src/blog/app.ts'),
        project.file('src/blog/tables.ts'),
        project.file('src/blog/util.ts'),
        project.file('src/blog/prefixes.json'),
      ]),
    )
  })
})
