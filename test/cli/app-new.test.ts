import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { ignoreEmbeddedDatabase, registerAppInConfig } from '../../src/cli/commands/app-new.js'
import { project, removeProjects } from './helpers.js'

afterEach(removeProjects)

describe('auto-migrations app new', () => {
  it('scaffolds an app in an empty project, with a config on the embedded database', async () => {
    const p = await project(null)
    const result = await p.run(['app', 'new', 'shop'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(existsSync(p.file('src/shop/app.ts'))).toBe(true)
    expect(existsSync(p.file('src/shop/tables.ts'))).toBe(true)
    expect(existsSync(p.file('src/shop/migrations'))).toBe(true)
    const config = await p.read('migrations.config.ts')
    expect(config).toContain("apps: ['./src/shop/app.ts'],")
    expect(config).not.toMatch(/^\s*database:/m)
    expect(await p.read('.gitignore')).toBe('.auto-migrations/\n')
    expect(await p.read('src/shop/app.ts')).toContain("name: 'shop',")

    // The scaffold is a working, empty app.
    expect((await p.run(['check'])).code).toBe(0)
    const next = await p.run(['new', 'shop', '--auto'])
    expect(next.stdout.trim()).toBe('No changes in shop')
  })

  it('registers a second app in an existing config, and the tables it gets are migrated', async () => {
    const p = await project('cli-blog')
    await p.write('.gitignore', 'node_modules')
    const result = await p.run(['app', 'new', 'shop'])
    expect(result.code).toBe(0)
    expect(await p.read('migrations.config.ts')).toContain("apps: ['./src/blog/app.ts', './src/shop/app.ts'],")
    expect(await p.read('.gitignore')).toBe('node_modules\n.auto-migrations/\n')

    await p.write(
      'src/shop/tables.ts',
      "import { Table, Varchar } from 'unplugin-auto-migrations'\n\nexport class Product extends Table {\n  name = new Varchar({ length: 100 })\n}\n",
    )
    await p.edit('src/shop/app.ts', '// import { Example }', 'import { Product }')
    await p.edit('src/shop/app.ts', 'tables: [],', 'tables: [Product],')
    const written = await p.run(['new', 'shop', '--auto'])
    expect(written.stdout).toContain('add table Product')
  })

  it("the scaffold's example tables work as written, with the foreign key's onDelete spelled out", async () => {
    const p = await project(null)
    expect((await p.run(['app', 'new', 'shop'])).code).toBe(0)
    const tables = await p.read('src/shop/tables.ts')
    expect(tables).toContain("new ForeignKey(() => Example, { onDelete: 'cascade' })")
    expect(tables).toMatch(/onDelete and onUpdate default to 'cascade'/)
    // Uncommented, the example is a working model.
    await p.write(
      'src/shop/tables.ts',
      tables
        .split('\n')
        .filter((line) => line.startsWith('// ') && !line.includes('npx') && !line.startsWith('// The tables'))
        .map((line) => line.slice(3))
        .join('\n'),
    )
    await p.edit('src/shop/app.ts', '// import { Example }', 'import { Example, ExampleNote }')
    await p.edit('src/shop/app.ts', 'tables: [],', 'tables: [Example, ExampleNote],')
    const written = await p.run(['new', 'shop', '--auto'])
    expect(written.stderr).toBe('')
    expect(written.stdout).toContain('add table ExampleNote')
  })

  it('refuses an existing app, a bad name, and a config it cannot edit, leaving no files', async () => {
    const p = await project('cli-blog')
    const exists = await p.run(['app', 'new', 'blog'])
    expect(exists.code).toBe(1)
    expect(exists.stderr).toContain('error [APP_EXISTS]: src/blog already exists')
    expect((await p.run(['app', 'new', 'My-App'])).stderr).toContain('error [USAGE]: "My-App" is not a valid app name')

    await p.write(
      'migrations.config.ts',
      "import { defineConfig } from 'unplugin-auto-migrations'\nconst apps = ['./src/blog/app.ts']\nexport default defineConfig({ apps })\n",
    )
    const opaque = await p.run(['app', 'new', 'shop'])
    expect(opaque.code).toBe(1)
    expect(opaque.stderr).toContain('Could not find the "apps: [...]" list')
    expect(existsSync(p.file('src/shop'))).toBe(false)
  })
})

describe('registering an app in the config source', () => {
  it("keeps the list's layout", () => {
    expect(registerAppInConfig('defineConfig({ apps: [] })', './b.ts', 'c')).toBe("defineConfig({ apps: ['./b.ts'] })")
    expect(registerAppInConfig("defineConfig({ apps: ['./a.ts'] })", './b.ts', 'c')).toBe(
      "defineConfig({ apps: ['./a.ts', './b.ts'] })",
    )
    expect(registerAppInConfig("x({\n  apps: [\n    './a.ts',\n  ],\n})", './b.ts', 'c')).toBe(
      "x({\n  apps: [\n    './a.ts',\n    './b.ts',\n  ],\n})",
    )
    expect(registerAppInConfig("x({\n  apps: [\n    './a.ts'\n  ],\n})", './b.ts', 'c')).toBe(
      "x({\n  apps: [\n    './a.ts',\n    './b.ts'\n  ],\n})",
    )
    // Brackets inside strings and comments are not the list's end.
    expect(registerAppInConfig("x({ apps: ['./a].ts' /* ] */] })", './b.ts', 'c')).toBe(
      "x({ apps: ['./a].ts' /* ] */, './b.ts'] })",
    )
  })

  it('refuses an app that is already listed, with or without its extension', () => {
    expect(() => registerAppInConfig("x({ apps: ['./src/b/app'] })", './src/b/app.ts', 'c')).toThrow(/already lists/)
  })

  it('adds the embedded database folder to .gitignore once', () => {
    expect(ignoreEmbeddedDatabase(undefined)).toBe('.auto-migrations/\n')
    expect(ignoreEmbeddedDatabase('dist\n')).toBe('dist\n.auto-migrations/\n')
    expect(ignoreEmbeddedDatabase('dist\n.auto-migrations\n')).toBeUndefined()
  })
})
