/**
 * Extensions an app declares (`extensions: ['citext', 'pg_trgm']`): the differ writes addExtension
 * first and dropExtension last, and the migration creates and drops them on Postgres 15 and PGlite.
 */
import { expect, it } from 'vitest'
import { diffApp } from '../../../src/core/differ/diff.js'
import { defineApp, index, sql, Table, Text, type AppDefinition } from '../../../src/index.js'
import type { Engine } from '../../../src/runtime/engines/engine.js'
import { describeEngines } from '../../helpers/databases.js'
import { model } from '../../helpers/models.js'
import { roundTrip, rows } from '../../helpers/scenarios.js'

const version = (definition: Omit<AppDefinition, 'name'>) => model(defineApp({ name: 'blog', ...definition })).snapshot
const installed = async (engine: Engine) =>
  (
    await rows<{ name: string }>(
      engine,
      "select extname::text as name from pg_extension where extname <> 'plpgsql' order by 1",
    )
  ).map((r) => r.name)

class Note extends Table {
  body = new Text()
  static override constraints = [index({ expression: sql`body`, opclass: 'gin_trgm_ops' }, { method: 'gin' })]
}
class Plain extends Table {
  static override tablename = 'note'
  body = new Text()
}
Object.defineProperty(Plain, 'name', { value: 'Note' })

describeEngines('extensions', { database: 'shared', extensions: ['citext', 'pg_trgm'] }, (ctx) => {
  it('declared extensions are created before the index that needs them; backwards drops them last', async () => {
    const { engine } = ctx()
    const before = version({ tables: [Plain] })
    const after = version({ tables: [Note], extensions: ['citext', 'pg_trgm'] })
    const diff = diffApp(before, after, 'blog')
    expect(diff.operations.map((o) => o.kind)).toEqual(['addExtension', 'addExtension', 'addIndex'])
    const result = await roundTrip(engine, {
      start: before,
      operations: (m) => m.operations.push(...diff.operations),
      afterForwards: async () => expect(await installed(engine)).toEqual(['citext', 'pg_trgm']),
      afterBackwards: async () => expect(await installed(engine)).toEqual([]),
    })
    expect(result.forwards.slice(0, 2)).toEqual([
      'CREATE EXTENSION IF NOT EXISTS "citext"',
      'CREATE EXTENSION IF NOT EXISTS "pg_trgm"',
    ])
    expect(result.backwards.slice(-2)).toEqual([
      'DROP EXTENSION IF EXISTS "pg_trgm"',
      'DROP EXTENSION IF EXISTS "citext"',
    ])
    expect(diffApp(result.snapshotAfter, after, 'blog').operations).toEqual([])
  })

  it('an extension no app declares any more is dropped after what used it', async () => {
    const { engine } = ctx()
    const before = version({ tables: [Note], extensions: ['citext', 'pg_trgm'] })
    const after = version({ tables: [Plain], extensions: ['citext'] })
    const diff = diffApp(before, after, 'blog')
    expect(diff.operations.map((o) => o.kind)).toEqual(['dropIndex', 'dropExtension'])
    await roundTrip(engine, {
      start: before,
      operations: (m) => m.operations.push(...diff.operations),
      afterForwards: async () => expect(await installed(engine)).toEqual(['citext']),
      afterBackwards: async () => expect(await installed(engine)).toEqual(['citext', 'pg_trgm']),
    })
  })
})

describeEngines('an extension the database lacks', (ctx) => {
  it('is an error naming it; on PGlite it names the way out (a Postgres server)', async () => {
    const { engine, kind } = ctx()
    const diff = diffApp(version({ tables: [] }), version({ tables: [], extensions: ['vector'] }), 'blog')
    const error = await roundTrip(engine, { operations: (m) => m.operations.push(...diff.operations) }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message: string },
    )
    // The server here has no pgvector either; PGlite never ships it.
    expect(error?.message).toMatch(/extension "vector" is not available/)
    if (kind === 'pglite') {
      expect(error?.code).toBe('0A000')
      expect(error?.message).toContain('does not ship extension "vector"')
      expect(error?.message).toContain('Use a Postgres server that has "vector" installed (set DATABASE_URL')
    }
  })
})
