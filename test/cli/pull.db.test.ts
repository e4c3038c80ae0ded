/**
 * `pull` adopts a database made by hand (test/fixtures/pull/schema.sql, in the shape of a real app):
 * the tables it writes and the baseline migration recorded as run leave `check` and `drift` with
 * nothing to say, and a new database built from the baseline dumps (`pg_dump -s`) the same.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dump, freshDatabase, onServer, project, removeDatabases, removeProjects, repo } from './helpers.js'

afterEach(async () => {
  await removeProjects()
  await removeDatabases()
})

describe('pull on Postgres 15', () => {
  it('adopts a hand-made schema: check and drift say nothing, and a database built from the baseline dumps the same', async () => {
    const url = await freshDatabase()
    await onServer(url, await readFile(path.join(repo, 'test/fixtures/pull/schema.sql'), 'utf8'))
    const p = await project(null)

    const pulled = await p.run(['pull', 'forum', '--database', url], { now: new Date(Date.UTC(2026, 10, 1)) })
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    expect(pulled.stdout).toContain('Pulled 27 tables into app "forum"')
    expect(pulled.stdout).toMatch(/recorded forum 2026-11-01T00:00:00:000000 as run/)
    const tables = await p.read('src/forum/tables.ts')
    // Names that don't follow the model's rules are spelled out; those that do are not.
    expect(tables).toContain(
      "export class Order extends Table {\n  static tablename = 'Order'\n  userId = new ForeignKey(() => Accounts",
    )
    expect(tables).toContain("dbColumnName: 'userId'")
    expect(tables).toContain('export class Accounts extends Table {\n  id = new BigSerial({ primaryKey: true })')
    expect(tables).toContain("static primaryKey = ['organizationId', 'accountId']")
    expect(tables).toContain(
      "index({ expression: sql`lower(title::text)`, opclass: 'text_pattern_ops' }, { name: 'topics_title_trgm' })",
    )
    // A unique index stays an index (not a unique constraint) through an explicit ascending key.
    expect(tables).toContain("unique({ column: 'username', order: 'asc' }, { name: 'index_accounts_on_username' })")

    const check = await p.run(['check'])
    expect(check.stderr).toBe('')
    expect(check.stdout).toBe("No changes: every app's migrations match its tables.\n")
    expect(check.code).toBe(0)
    const drift = await p.run(['drift', '--database', url])
    expect(drift.stdout).toMatch(/^No drift/)
    expect(drift.code).toBe(0)

    const rebuilt = await freshDatabase()
    const forwards = await p.run(['forwards', '--database', rebuilt])
    expect(forwards.code).toBe(0)
    expect(await dump(rebuilt)).toBe(await dump(url))
  })
})
