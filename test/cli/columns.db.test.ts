/**
 * The columns of SPEC §2b through the product's own path: `new --auto` writes the migration file,
 * the loader reads it back, `forwards` and `backwards` run it on a Postgres server, and a second
 * `new --auto` finds nothing to write.
 */
import pg from 'pg'
import { afterEach, expect, it } from 'vitest'
import { findTable, introspect } from '../../src/runtime/introspect.js'
import { PgEngine } from '../../src/runtime/engines/pg.js'
import { freshDatabase, project, removeDatabases, removeProjects } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

const TABLES = `import { BigInt, Citext, Custom, ForeignKey, Table, Text, TsVector, exclude, index, sql, unique }
  from 'unplugin-auto-migrations'

export class Account extends Table {
  static comment = 'who signs in'
  id = new BigInt({ primaryKey: true, identity: 'always' })
  email = new Citext({ unique: true, comment: 'login, case-insensitive' })
  bio = new Text({ null: true, collation: 'C' })
  search = new TsVector({ generated: sql\`to_tsvector('simple', coalesce(bio, ''))\` })
  during = new Custom({ type: 'int4range', null: true })
  static constraints = [
    index('search', { method: 'gin' }),
    index('email', { include: ['bio'] }),
    unique('bio', { deferrable: true }),
    exclude({ column: 'during', operator: '&&' }, { where: sql\`during is not null\` }),
  ]
}

export class Follow extends Table {
  static primaryKey = null
  account = new ForeignKey(() => Account, { name: 'fk_follow_account', onDelete: 'cascade', deferrable: 'initiallyDeferred' })
}
`

const APP = `import { defineApp } from 'unplugin-auto-migrations'
import { Account, Follow } from './tables.js'

export default defineApp({ name: 'blog', tables: [Account, Follow] })
`

it('new --auto writes the 2b columns once; forwards and backwards run the file; nothing is left to write', async () => {
  const p = await project('cli-blog')
  await p.write('src/blog/tables.ts', TABLES)
  await p.write('src/blog/app.ts', APP)
  const first = await p.run(['new', 'blog', '--auto'])
  expect(first.stderr).toBe('')
  expect(first.code).toBe(0)
  const [file] = await p.migrationFiles()
  const text = await p.read(`src/blog/migrations/${file}`)
  expect(text).toContain("identity: 'always'")
  expect(text).toContain("kind: 'exclude'")
  expect(text).toContain("comment: 'who signs in'")
  const again = await p.run(['new', 'blog', '--auto'])
  expect(again.stdout.trim()).toBe('No changes in blog')

  const url = await freshDatabase()
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query('CREATE EXTENSION citext')
  await admin.end()
  const forwards = await p.run(['forwards', '--database', url])
  expect(forwards.stderr).toBe('')
  expect(forwards.code).toBe(0)
  const engine = new PgEngine(url)
  try {
    const schema = await introspect(engine, { schemas: ['public'] })
    const account = findTable(schema, 'public', 'account')!
    expect(account.comment).toBe('who signs in')
    expect(account.columns.find((c) => c.name === 'id')?.identity).toBe('always')
    expect(account.columns.find((c) => c.name === 'bio')?.collation).toBe('C')
    expect(account.exclusions.map((x) => x.name)).toEqual(['account_during_excl'])
    const follow = findTable(schema, 'public', 'follow')!
    expect(follow.primaryKey).toBe(null)
    expect(follow.foreignKeys.map((f) => [f.name, f.initiallyDeferred])).toEqual([['fk_follow_account', true]])
    expect((await p.run(['new', 'blog', '--auto'])).stdout.trim()).toBe('No changes in blog')

    const backwards = await p.run(['backwards', 'blog', '--steps', '1', '--yes', '--database', url])
    expect(backwards.code).toBe(0)
    const empty = await introspect(engine, { schemas: ['public'] })
    expect(empty.tables.map((t) => t.name)).toEqual([])
  } finally {
    await engine.close()
  }
})
