/**
 * Migration files in the writer's shape are read as data (src/build/loader/migration-source.ts): what
 * their forwards() records must be exactly what evaluating them records, and anything outside that
 * shape must be left to esbuild.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseMigrationSource } from '../../../src/build/loader/migration-source.js'
import { MigrationManager, checksumOf } from '../../../src/core/operations/manager.js'
import type { Operation } from '../../../src/core/operations/index.js'
import { sql } from '../../../src/core/state/sql.js'
import { diffApp } from '../../../src/core/differ/diff.js'
import { model } from '../../helpers/models.js'
import { renderMigration } from '../../../src/build/writer/render.js'
import { diffDecliningRenames, modelPairArb, tryBuildModel } from '../../helpers/arbitraries.js'
import { loadMigrationText } from '../../helpers/sequences.js'
import { evolve } from '../../helpers/evolve.js'
import {
  BigInt as BigIntColumn,
  defineApp,
  MaterializedView,
  sqlFunction,
  trigger,
  View,
  Citext,
  Custom,
  exclude,
  ForeignKey,
  index,
  Table,
  Text,
  TsVector,
  unique,
  Vector,
} from '../../../src/index.js'

const ID = '2026-11-27T10:15:03:123456'

/** Read as data, and evaluated (esbuild, as the loader would for any file): both must agree. */
async function bothWays(
  text: string,
): Promise<{ parsed: Operation[]; evaluated: Operation[]; id: string; description: string }> {
  const read = parseMigrationSource(text)
  expect(read).toBeDefined()
  const evaluated = loadMigrationText(text)
  expect(read!.ID).toBe(evaluated.ID)
  expect(read!.DESCRIPTION).toBe(evaluated.DESCRIPTION)
  const parsed = read!.forwards().operations
  const fromModule = (await evaluated.forwards()).operations
  expect(parsed.map((o) => [o.app, o.kind])).toEqual(fromModule.map((o) => [o.app, o.kind]))
  expect(checksumOf(parsed)).toBe(checksumOf(fromModule))
  return { parsed, evaluated: fromModule, id: read!.ID, description: read!.DESCRIPTION }
}

describe('parseMigrationSource', () => {
  it('reads every file the writer writes as evaluating it would (random diffs)', async () => {
    await fc.assert(
      fc.asyncProperty(modelPairArb, async ([specA, specB]) => {
        const a = tryBuildModel(specA)
        const b = tryBuildModel(specB)
        fc.pre(a !== undefined && b !== undefined)
        const { operations } = diffDecliningRenames(a!.snapshot, b!, { allowDestructive: true })
        const description = `it's a "test" \\ with\nlines \u2028 and ünïcödé ${operations.length}`
        const text = renderMigration({ app: 'blog', id: ID, description, dependsOn: {}, operations })
        const { parsed, id, description: read } = await bothWays(text)
        expect(id).toBe(ID)
        expect(read).toBe(description)
        // Same bytes when written again.
        expect(renderMigration({ app: 'blog', id: ID, description, dependsOn: {}, operations: parsed })).toBe(text)
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
    )
  })

  it('reads the extensions, views, functions and triggers the differ writes, and writes them again the same', async () => {
    class Account extends Table {
      email = new Text()
      static override triggers = [
        trigger('account_touch', {
          timing: 'before',
          events: ['insert', 'update'],
          function: 'touch',
          when: sql`new.email <> ''`,
        }),
      ]
    }
    class Emails extends View {
      static override query = sql`select email
        from account -- every one
        where email like '%\\_%'`
    }
    class Counted extends MaterializedView {
      static override query = sql`select count(*) as n from account`
      static override constraints = [index('n', { where: sql`n > 0` })]
    }
    const to = model(
      defineApp({
        name: 'blog',
        tables: [Account],
        views: [Emails, Counted],
        extensions: ['citext'],
        functions: [
          sqlFunction(
            'touch',
            sql`create function touch() returns trigger language plpgsql as $$ begin return new; end $$`,
          ),
        ],
      }),
    )
    const { operations } = diffApp({ tables: [], enums: [] }, to.snapshot, 'blog')
    const text = renderMigration({ app: 'blog', id: ID, description: 'objects', dependsOn: {}, operations })
    expect(text).toContain("manager.addExtension({ name: 'citext' })")
    expect(text).toContain('query: sql`select email\n')
    const { parsed } = await bothWays(text)
    expect(parsed.map((o) => o.kind)).toEqual([
      'addExtension',
      'addTable',
      'addColumn',
      'addColumn',
      'addFunction',
      'addView',
      'addView',
      'addTrigger',
    ])
    expect(renderMigration({ app: 'blog', id: ID, description: 'objects', dependsOn: {}, operations: parsed })).toBe(
      text,
    )
  })

  it('reads the operations of SPEC §2b columns as evaluating them would, and writes them again the same', async () => {
    const v1 = () => {
      class Account extends Table {
        id = new BigIntColumn({ primaryKey: true })
        bio = new Text({ null: true })
      }
      return [Account]
    }
    const v2 = () => {
      class Account extends Table {
        static override comment = "the account's owner"
        id = new BigIntColumn({ primaryKey: true, identity: 'always' })
        bio = new Text({ null: true, collation: 'C', comment: 'shown on the profile' })
        email = new Citext({ unique: true, deferrable: 'initiallyDeferred' })
        search = new TsVector({ generated: sql`to_tsvector('simple', coalesce(bio, ''))` })
        embedding = new Vector({ dimensions: 3, null: true })
        during = new Custom({ type: 'int4range', null: true })
        static override constraints = [
          index('search', { method: 'gin', include: ['bio'] }),
          unique('bio', { deferrable: true }),
          exclude({ column: 'during', operator: '&&' }, { where: sql`bio is not null` }),
        ]
      }
      class Follow extends Table {
        static override primaryKey = null
        account = new ForeignKey(() => Account, { name: 'fk_follow_account', deferrable: true })
      }
      return [Account, Follow]
    }
    for (const change of [evolve([], v2), evolve(v1, v2)]) {
      const operations = change.diff({ allowDestructive: true }).operations
      const text = renderMigration({ app: 'blog', id: ID, description: 'columns', dependsOn: {}, operations })
      const { parsed } = await bothWays(text)
      expect(parsed.map((o) => o.fingerprint())).toEqual(operations.map((o) => o.fingerprint()))
      expect(renderMigration({ app: 'blog', id: ID, description: 'columns', dependsOn: {}, operations: parsed })).toBe(
        text,
      )
    }
    const kinds = evolve(v1, v2)
      .diff()
      .operations.map((o) => o.kind)
    expect(kinds).toContain('alterTable')
  })

  it('reads literals as JavaScript does: escapes, numbers, sql templates, raw SQL', async () => {
    const manager = new MigrationManager({ migrationId: ID, appName: 'blog' })
    manager.addColumn({
      tableClassName: 'Post',
      tablename: 'post',
      columnName: 'body',
      dbColumnName: 'body',
      columnClass: 'Text',
      params: {
        default: sql`'a' || E'\\n' || \`x\` || '\${y}'`,
        null: false,
        primaryKey: false,
        unique: false,
        index: false,
      },
    })
    manager.sql("insert into t values ('it''s', '\\\\', e'\\t')", 'delete from t')
    manager.sql('select 1')
    const text = renderMigration({
      app: 'blog',
      id: ID,
      description: '',
      dependsOn: {},
      operations: manager.operations,
    })
    const { parsed } = await bothWays(text)
    expect(checksumOf(parsed)).toBe(checksumOf(manager.operations))

    // Written by hand but still of the shape: comments, CRLF, semicolons, double quotes, numbers.
    const handWritten = [
      '// a comment',
      'import { MigrationManager, sql } from "unplugin-auto-migrations";\r',
      '/* another */',
      `export const ID = "${ID}";\r`,
      'export const DESCRIPTION = "tab\\there \\x41\\u0042\\u{1F600} \\\r\ncontinued";',
      'export async function forwards() {',
      "  const manager = new MigrationManager({ migrationId: ID, appName: 'blog', description: DESCRIPTION, });",
      "  manager.alterColumn({ tableClassName: 'Post', tablename: 'post', columnName: 'n', dbColumnName: 'n', params: { default: -1.5e3, digits: [10, 2], 'null': true }, oldParams: { default: .5, digits: null, null: false }, });",
      "  manager.addColumn({ tableClassName: 'Post', tablename: 'post', columnName: 'd', dbColumnName: 'd', columnClass: 'Timestamp', params: { default: sql`now()\r\n`, null: false, primaryKey: false, unique: false, index: false } })",
      '  return manager;',
      '}',
      '',
    ].join('\n')
    await bothWays(handWritten)
  })

  it("reads a squashed migration's REPLACES, with or without DEPENDS_ON, as evaluating it would", async () => {
    const replaces = ['2026-11-01T00:00:00:000000', '2026-11-02T00:00:00:000000']
    const text = renderMigration({
      app: 'blog',
      id: ID,
      description: 'squashed',
      dependsOn: {},
      replaces,
      operations: [],
    })
    expect(text).toContain(`export const REPLACES = ['${replaces[0]}', '${replaces[1]}']`)
    expect(parseMigrationSource(text)?.REPLACES).toEqual(replaces)
    expect(loadMigrationText(text).REPLACES).toEqual(replaces)
    const noDependsOn = text.replace(/^export const DEPENDS_ON = .*\n/m, '')
    expect(parseMigrationSource(noDependsOn)?.REPLACES).toEqual(replaces)
    expect(parseMigrationSource(noDependsOn)?.DEPENDS_ON).toBeUndefined()
  })

  it('leaves anything else to esbuild', () => {
    const generated = renderMigration({
      app: 'blog',
      id: ID,
      description: 'd',
      dependsOn: {},
      operations: new MigrationManager({ migrationId: ID, appName: 'blog' }).sql('select 1').operations,
    })
    expect(parseMigrationSource(generated)).toBeDefined()
    const variants: [string, string][] = [
      ['a type annotation', generated.replace('forwards()', 'forwards(): Promise<MigrationManager>')],
      ['another import', `import { x } from './_helpers.js'\n${generated}`],
      [
        'an import from elsewhere',
        generated.replace("from 'unplugin-auto-migrations'", "from 'unplugin-auto-migrations/runtime'"),
      ],
      ['a statement', generated.replace('  return manager', '  console.log(1)\n  return manager')],
      ['an expression', generated.replace("'select 1'", "'select ' + 1")],
      [
        'a substitution',
        generated
          .replace("'select 1'", `sql\`select $\{1}\``)
          .replace('{ MigrationManager }', '{ MigrationManager, sql }'),
      ],
      ['sql not imported', generated.replace("'select 1'", 'sql`select 1`')],
      ['a raw function', generated.replace("manager.sql('select 1')", 'manager.addRaw(async () => {})')],
      ['an unknown method', generated.replace('manager.sql(', 'manager.record(')],
      [
        'a prototype key',
        generated.replace(
          "manager.sql('select 1')",
          "manager.addTable({ __proto__: null, className: 'A', tablename: 'a' })",
        ),
      ],
      [
        'a hex number',
        generated.replace("manager.sql('select 1')", "manager.addTable({ className: 'A', tablename: 'a', n: 0x10 })"),
      ],
      [
        'an identifier',
        generated.replace("manager.sql('select 1')", "manager.addTable({ className: ID, tablename: 'a' })"),
      ],
      ['another export', `${generated}export const x = 1\n`],
      ['an unterminated string', generated.replace("'select 1'", "'select 1")],
      ['a legacy octal escape', generated.replace("'select 1'", "'select \\1'")],
    ]
    for (const [what, text] of variants) expect(parseMigrationSource(text), what).toBeUndefined()
  })
})
