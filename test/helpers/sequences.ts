/**
 * Random histories of three apps for the runner's round trip (test/runner/roundtrip.db.test.ts):
 * sequences of schema versions S0…Sn of apps `auth`, `blog` (depends on auth, and its foreign keys
 * may point at auth's tables) and `shop` (depends on both, and points at either), each version
 * derived from the previous one as in modelPairArb, so tables that other apps point at are dropped,
 * renamed and re-keyed while foreign keys come and go,
 * with names that need quoting (reserved words, mixed case, a double quote, 63-byte names, multi-byte
 * characters) and renames through `renamedFrom` hints.
 *
 * Each version's migrations are written as the product writes them: every app diffed by
 * `planNewMigrations` against the replayed history, given its `DEPENDS_ON` by `resolveDependencies`
 * (split in two where the product would), rendered by `renderMigration`, and read back from
 * that source (compiled with esbuild, `unplugin-auto-migrations` bound to this repo's src/), so what
 * the runner runs is what a migration file says.
 */
import { transformSync } from 'esbuild'
import fc from 'fast-check'
import { expect } from 'vitest'
import { emptyAnswers } from '../../src/core/differ/renames.js'
import * as pkg from '../../src/index.js'
import { checksumOf } from '../../src/core/operations/manager.js'
import type { Operation } from '../../src/core/operations/index.js'
import { replay } from '../../src/core/operations/replay.js'
import type { DefaultValue, SchemaState, SnapshotData } from '../../src/core/state/snapshot.js'
import { migrationOrder } from '../../src/core/migration-graph.js'
import { resolveDependencies } from '../../src/build/project/depends-on.js'
import type { ProjectState } from '../../src/build/project/project-state.js'
import { type AppPlan, planNewMigrations } from '../../src/build/project/plan.js'
import { oneOffKey } from '../../src/build/project/one-off.js'
import { referencesOf, renamesOf } from '../../src/build/project/references.js'
import type { PhysicalSchema } from '../../src/runtime/introspect.js'
import type { MigrationSource } from '../../src/runtime/runner.js'
import { byteLength, snakeCase } from '../../src/core/state/naming.js'
import type { ModelSnapshot } from '../../src/model/to-snapshot.js'
import { renderMigration } from '../../src/build/writer/render.js'
import {
  type AppModelSpec,
  type ColumnSpec,
  type ModelSpec,
  modelSpecArbOf,
  mutateArb,
  type Pool,
  type TableSpec,
  tryBuildApps,
} from './arbitraries.js'

/** `base` padded to exactly 63 bytes (Postgres' limit) with two-byte characters and an ASCII tail. */
export function name63(base: string): string {
  let out = `${base}_é`
  while (byteLength(out) + 2 <= 63) out += 'é'
  while (byteLength(out) < 63) out += 'x'
  return out
}

/** Reserved words that tables and columns may be named. */
const RESERVED_TABLES: Record<string, string> = {
  User: 'authorization',
  Group: 'grant',
  Role: 'select',
  Post: 'from',
  Item: 'where',
  Tag: 'table',
  Order: 'offset',
  Line: 'having',
}
const RESERVED_COLUMNS: Record<string, string> = {
  title: 'check',
  amount: 'limit',
  code: 'primary',
  owner: 'user',
  at: 'default',
  flag: 'null',
  data: 'table',
  uid: 'column',
}
export const RESERVED = new Set([
  'user',
  'group',
  'order',
  ...Object.values(RESERVED_TABLES),
  ...Object.values(RESERVED_COLUMNS),
])

const tablenames = (className: string) => {
  const snake = snakeCase(className)
  return [`${snake}_tbl`, RESERVED_TABLES[className]!, `Mixed${className}`, `${snake}"q`, name63(snake)]
}
const dbColumnNames = (prop: string) => {
  const snake = snakeCase(prop)
  const reserved = RESERVED_COLUMNS[prop]
  return [
    `${snake}_col`,
    ...(reserved ? [reserved] : []),
    `${prop[0]!.toUpperCase()}${prop.slice(1)}Col`,
    `${snake}"q`,
    name63(snake),
  ]
}

/** auth's tables are `user` and `group` by default: reserved words already. */
export const AUTH: Pool = {
  app: 'auth',
  classNames: ['User', 'Group', 'Role'],
  enumNames: ['mood', 'Auth"Level'],
  foreignTargets: [],
  tablenames,
  dbColumnNames,
  schema: 'extra',
  renameWithinFamily: true,
  renameOften: true,
}
export const BLOG: Pool = {
  app: 'blog',
  classNames: ['Post', 'Item', 'Tag'],
  enumNames: ['tone', 'MixedLevel'],
  // Drawn twice as often as blog's own tables: most of blog's foreign keys point at auth.
  foreignTargets: [...AUTH.classNames, ...AUTH.classNames],
  tablenames,
  dbColumnNames,
  schema: 'Blog Space',
  renameWithinFamily: true,
  renameOften: true,
  preferredProps: ['owner', 'owner', 'parent'],
}
export const SHOP: Pool = {
  app: 'shop',
  classNames: ['Order', 'Line'],
  enumNames: ['status'],
  foreignTargets: [...AUTH.classNames, ...BLOG.classNames],
  tablenames,
  dbColumnNames,
  schema: 'shop',
  renameWithinFamily: true,
  renameOften: true,
  preferredProps: ['owner', 'parent'],
}
export const APPS = [
  { name: 'auth', dependencies: [] as string[] },
  { name: 'blog', dependencies: ['auth'] },
  { name: 'shop', dependencies: ['auth', 'blog'] },
]
/** Every schema a model of these pools can use. */
export const SCHEMAS = ['public', AUTH.schema, BLOG.schema, SHOP.schema].sort()

export interface AppsSpec {
  auth: ModelSpec
  blog: ModelSpec
  /** Absent in the hand-written history: no tables. */
  shop?: ModelSpec
}

const NO_TABLES: ModelSpec = { tables: [], enums: {} }

export const appModels = (s: AppsSpec): AppModelSpec[] => [
  { name: 'auth', spec: s.auth },
  { name: 'blog', spec: s.blog, dependencies: ['auth'] },
  { name: 'shop', spec: s.shop ?? NO_TABLES, dependencies: ['auth', 'blog'] },
]

const appsSpecArb: fc.Arbitrary<AppsSpec> = fc.record({
  auth: modelSpecArbOf(AUTH),
  blog: modelSpecArbOf(BLOG),
  shop: modelSpecArbOf(SHOP),
})

/** The next version: each app mostly derived from its previous model, sometimes a new one. */
function nextArb(earlier: readonly AppsSpec[]): fc.Arbitrary<AppsSpec> {
  const previous = earlier[earlier.length - 1]!
  const next = (spec: ModelSpec, pool: Pool) =>
    fc.oneof({ weight: 5, arbitrary: mutateArb(spec, pool) }, { weight: 1, arbitrary: modelSpecArbOf(pool) })
  return fc.record({
    auth: next(previous.auth, AUTH),
    blog: next(previous.blog, BLOG),
    shop: next(previous.shop ?? NO_TABLES, SHOP),
  })
}

/** S0…Sn: `versions` versions, each derived from the one before. */
export function sequenceArb(versions: { min: number; max: number }): fc.Arbitrary<AppsSpec[]> {
  return fc.integer(versions).chain((count) => {
    let arb: fc.Arbitrary<AppsSpec[]> = appsSpecArb.map((s) => [s])
    for (let i = 1; i < count; i++) arb = arb.chain((list) => nextArb(list).map((s) => [...list, s]))
    return arb
  })
}

/** The model snapshot of a version, or undefined when the model reader refuses it. */
export const buildVersion = (s: AppsSpec): ModelSnapshot | undefined => tryBuildApps(appModels(s))

/**
 * What the product plans for a version (`planNewMigrations`, as `new all --auto` and the dev server
 * do), every rename question declined: renames come from `renamedFrom` hints only.
 */
export function planVersion(history: SchemaState, model: ModelSnapshot): AppPlan[] {
  const answers = emptyAnswers()
  // The tables of a sequence have no rows: a NULL one-off value adds any NOT NULL column to them.
  const oneOffValues = new Map<string, DefaultValue>()
  for (;;) {
    const project = {
      model,
      state: history,
      apps: APPS.map((a) => ({ app: { name: a.name, dependencies: a.dependencies }, migrations: [], errors: [] })),
    } as unknown as Parameters<typeof planNewMigrations>[0]
    const plans = planNewMigrations(project, { answers, allowDestructive: true, oneOffValues })
    const questions = plans.flatMap((p) => p.questions)
    const needsValue = plans.flatMap((p) => p.needsValue)
    for (const o of needsValue) oneOffValues.set(oneOffKey(o), pkg.sql`NULL`)
    if (needsValue.length) continue
    if (!questions.length) return plans
    for (const q of questions) answers.declined.add(q.key)
  }
}

/** IDs that sort in the order versions are written: per version and app, and a second one for a split. */
export function migrationId(version: number, app: string, second = false): string {
  const minute = String(version).padStart(2, '0')
  const n = APPS.findIndex((a) => a.name === app) + 1 + (second ? 10 : 0)
  return `2026-03-01T10:${minute}:00:${String(n).padStart(6, '0')}`
}

export interface WrittenMigration extends MigrationSource {
  file: string
  /** The migration file's text. */
  text: string
  operations: readonly Operation[]
  version: number
}

/**
 * A migration file's text as a module: compiled with esbuild (as the loader does), its import of
 * `unplugin-auto-migrations` bound to this repo's src/ (the loader would bind the built package).
 */
export function loadMigrationText(text: string): {
  ID: string
  DESCRIPTION: string
  DEPENDS_ON: Record<string, string>
  REPLACES?: string[]
  forwards: () => Promise<{ operations: Operation[] }>
} {
  const { code } = transformSync(text, { loader: 'ts', format: 'cjs', target: 'node20' })
  const module = { exports: {} as Record<string, unknown> }
  const require = (id: string) => {
    if (id !== 'unplugin-auto-migrations') throw new Error(`a migration file imports ${id}`)
    return pkg
  }
  new Function('require', 'module', 'exports', code)(require, module, module.exports)
  return module.exports as ReturnType<typeof loadMigrationText>
}

/**
 * The project as the product loads it from `written`: each app's migrations with their `DEPENDS_ON`
 * and renames, the foreign keys they point across apps, and the replayed state.
 */
function projectOf(written: readonly WrittenMigration[]): ProjectState {
  return {
    apps: APPS.map((a) => {
      const migrations = written.filter((m) => m.app === a.name)
      const renames = migrations.flatMap((m) => renamesOf(m.operations))
      return { app: { name: a.name, dependencies: a.dependencies }, migrations, errors: [], renames }
    }),
    references: referencesOf(written),
    state: replayHistory(written),
  } as unknown as ProjectState
}

/**
 * Writes version `version`'s migrations after `earlier`: gives them their `DEPENDS_ON` (a plan may
 * become two migrations), renders each, reads the file back, and checks it records the same
 * operations (same checksum) and renders to the same bytes again.
 */
export async function writeMigrations(
  plans: readonly AppPlan[],
  version: number,
  earlier: readonly WrittenMigration[],
): Promise<WrittenMigration[]> {
  const project = projectOf(earlier)
  const drafts = plans
    .filter((plan) => plan.operations.length > 0)
    .map((plan) => ({
      app: project.apps.find((a) => a.app.name === plan.app)!,
      id: migrationId(version, plan.app),
      operations: plan.operations,
      dependsOn: {},
    }))
  const out: WrittenMigration[] = []
  for (const draft of resolveDependencies(project, drafts, (app) => migrationId(version, app.app.name, true))) {
    const app = draft.app.app.name
    const { id, dependsOn } = draft
    const description = `version ${version} of ${app}: "it's" \\ ${draft.operations.length} operations`
    const text = renderMigration({ app, id, description, dependsOn, operations: draft.operations })
    const file = loadMigrationText(text)
    expect(file.ID).toBe(id)
    expect(file.DESCRIPTION).toBe(description)
    expect(file.DEPENDS_ON).toEqual(dependsOn)
    const manager = await file.forwards()
    expect(checksumOf(manager.operations)).toBe(checksumOf(draft.operations))
    expect(renderMigration({ app, id, description, dependsOn, operations: manager.operations })).toBe(text)
    out.push({
      app,
      id,
      description,
      dependsOn,
      file: `${app}/migrations/${app}_${id.replace(/[-T:]/g, '_')}.ts`,
      forwards: file.forwards,
      text,
      operations: manager.operations,
      version,
    })
  }
  return out
}

/** Replays migrations as the product does: in the order of the migration graph. */
export function replayHistory(migrations: readonly WrittenMigration[]): SchemaState {
  return replay(migrationOrder(APPS, migrations))
}

/**
 * The database against the snapshot itself (not only against another database): tables, columns,
 * nullability, primary keys, foreign keys and enums. A bug shared by the migrated database and the
 * one built from scratch still fails here.
 */
export function expectStructure(db: PhysicalSchema, snapshot: SnapshotData): void {
  const where = (schema: string, name: string) => JSON.stringify([schema, name])
  expect(db.tables.map((t) => where(t.schema, t.name)).sort()).toEqual(
    snapshot.tables.map((t) => where(t.schema, t.tablename)).sort(),
  )
  const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  for (const t of snapshot.tables) {
    const p = db.tables.find((x) => x.schema === t.schema && x.name === t.tablename)!
    const label = `${t.app}.${t.className}`
    expect(p.columns.map((c) => `${c.name} ${c.nullable ? 'null' : 'not null'}`).sort(byCode), label).toEqual(
      t.columns
        .map((c) => `${c.dbColumnName} ${c.params.null && !c.params.primaryKey ? 'null' : 'not null'}`)
        .sort(byCode),
    )
    const dbName = (table: { columns: { name: string; dbColumnName: string }[] }, prop: string) =>
      table.columns.find((c) => c.name === prop)!.dbColumnName
    const composite = t.constraints.find((c) => c.kind === 'primaryKey')
    const pk = composite
      ? composite.columns.map((c) => dbName(t, c))
      : t.columns.filter((c) => c.params.primaryKey).map((c) => c.dbColumnName)
    expect([...(p.primaryKey?.columns ?? [])].sort(byCode), label).toEqual(pk.sort(byCode))
    const fks = t.columns.flatMap((c) => {
      const ref = c.params.references
      if (c.columnClass !== 'ForeignKey' || !ref) return []
      const target = snapshot.tables.find((x) => x.app === ref.app && x.className === ref.table)!
      return [
        {
          columns: [c.dbColumnName],
          referencedSchema: target.schema,
          referencedTable: target.tablename,
          referencedColumns: [dbName(target, ref.column)],
          onDelete: c.params.onDelete ?? 'no action',
        },
      ]
    })
    const physicalFks = p.foreignKeys.map((f) => ({
      columns: f.columns,
      referencedSchema: f.referencedSchema,
      referencedTable: f.referencedTable,
      referencedColumns: f.referencedColumns,
      onDelete: f.onDelete,
    }))
    const key = (f: { columns: string[] }) => f.columns.join(',')
    expect(
      physicalFks.sort((a, b) => byCode(key(a), key(b))),
      label,
    ).toEqual(fks.sort((a, b) => byCode(key(a), key(b))))
  }
  const enums = (list: { schema: string; name: string; values: string[] }[]) =>
    list.map((e) => JSON.stringify([e.schema, e.name, e.values])).sort(byCode)
  expect(enums(db.enums)).toEqual(enums(snapshot.enums))
}

/** What a run covered, for the summary line. */
export function features(model: ModelSnapshot, migrations: readonly WrittenMigration[]): string[] {
  const out = new Set<string>()
  const operations = migrations.flatMap((m) => m.operations)
  const rank = (app: string) => APPS.findIndex((a) => a.name === app)
  if (migrations.some((m) => Object.keys(m.dependsOn ?? {}).some((app) => rank(app) > rank(m.app))))
    out.add('depends on a dependent app')
  if (migrations.some((m, i) => migrations.findIndex((x) => x.app === m.app) !== i)) out.add('split in two')
  const names = model.snapshot.tables
    .flatMap((t) => [t.tablename, ...t.columns.map((c) => c.dbColumnName)])
    .concat(
      model.snapshot.enums.map((e) => e.name),
      model.snapshot.tables.map((t) => t.schema),
    )
  if (names.some((n) => RESERVED.has(n))) out.add('reserved word')
  if (names.some((n) => /[A-Z]/.test(n))) out.add('mixed case')
  if (names.some((n) => n.includes('"'))) out.add('double quote')
  if (names.some((n) => byteLength(n) === 63)) out.add('63-byte name')
  if (model.snapshot.tables.some((t) => t.columns.some((c) => (c.params.references?.app ?? t.app) !== t.app)))
    out.add('foreign key across apps')
  if (
    model.snapshot.tables.some((t) =>
      t.constraints.some((c) => (c.kind === 'primaryKey' || c.kind === 'unique') && c.columns.length > 1),
    )
  )
    out.add('composite constraint')
  if (model.snapshot.enums.length) out.add('enum')
  const referenced = new Set(
    model.snapshot.tables.flatMap((t) =>
      t.columns.flatMap((c) =>
        t.app === 'blog' && c.params.references?.app === 'auth'
          ? [`${c.params.references.table}.${c.params.references.column}`]
          : [],
      ),
    ),
  )
  for (const o of operations) {
    if (
      o.kind === 'renameTable' &&
      (o.params as { oldClassName: string; newClassName: string }).oldClassName !==
        (o.params as { newClassName: string }).newClassName
    )
      out.add('table rename (hint)')
    if (
      o.kind === 'renameColumn' &&
      (o.params as { oldColumnName: string }).oldColumnName !== (o.params as { newColumnName: string }).newColumnName
    )
      out.add('column rename (hint)')
    if (o.kind === 'alterColumn' && 'columnClass' in (o.params as { params: object }).params) {
      out.add('type change')
      const { tableClassName, columnName } = o.params as { tableClassName: string; columnName: string }
      if (o.app === 'auth' && referenced.has(`${tableClassName}.${columnName}`))
        out.add('type change of a key blog points at')
    }
    if (o.kind === 'alterEnum') out.add('enum change')
  }
  return [...out]
}

const col = (prop: string, kind: ColumnSpec['kind'], more: Partial<ColumnSpec> = {}): ColumnSpec => ({
  prop,
  kind,
  null: false,
  default: 'none',
  unique: false,
  index: false,
  ...more,
})

/**
 * A hand-written history that has every case at least once: reserved words, mixed case, double
 * quotes, spaces and 63-byte (multi-byte) names; table and column renames through hints; foreign keys
 * across apps that follow a target's new physical name, schema and column name, then move to another
 * table; enums that grow and shrink; type changes that need USING; composite keys and constraints.
 */
export const HAND_WRITTEN: AppsSpec[] = (() => {
  const user0: TableSpec = {
    className: 'User',
    columns: [
      col('code', 'Integer', { dbColumnName: 'primary' }),
      col('title', 'Varchar', { length: 50, dbColumnName: 'TitleCol', default: 'literal', unique: true }),
      col('flag', 'Boolean', { dbColumnName: 'flag"q', default: 'literal', null: true }),
    ],
    primaryKey: { kind: 'column', prop: 'code' },
    constraints: [{ kind: 'check', column: 'flag' }],
  }
  const group0: TableSpec = {
    className: 'Group',
    tablename: name63('group'),
    columns: [
      col('amount', 'Numeric', { digits: [10, 2], dbColumnName: name63('amount'), index: true }),
      col('at', 'Timestamptz', { default: 'sql', null: true }),
      col('order', 'Enum', { enumName: 'Auth"Level', default: 'literal' }),
    ],
    primaryKey: { kind: 'column', prop: 'order' },
    constraints: [
      { kind: 'unique', columns: ['order', 'at'], nullsDistinct: false },
      {
        kind: 'index',
        keys: [
          { column: 'amount', desc: true },
          { column: 'at', desc: false },
        ],
        expression: 'order',
        where: 'at',
        unique: false,
        method: 'btree',
      },
    ],
  }
  const post0: TableSpec = {
    className: 'Post',
    tablename: 'from',
    schema: 'Blog Space',
    columns: [
      col('owner', 'ForeignKey', { target: 'User', onDelete: 'cascade', null: true, index: true }),
      col('parent', 'ForeignKey', { target: 'Item', onDelete: 'set null', null: true }),
      col('title', 'Text', { default: 'sql' }),
      col('tags', 'Array', { base: 'Text', default: 'literal', null: true }),
    ],
    primaryKey: { kind: 'implicit' },
    constraints: [{ kind: 'unique', columns: ['title', 'owner'], nullsDistinct: true }],
  }
  const item0: TableSpec = {
    className: 'Item',
    tablename: 'MixedItem',
    columns: [
      col('order', 'Enum', { enumName: 'MixedLevel', dbColumnName: 'order"q' }),
      col('data', 'JSONB', { default: 'literal' }),
    ],
    primaryKey: { kind: 'column', prop: 'order' },
    constraints: [],
  }
  const v0: AppsSpec = {
    auth: { tables: [user0, group0], enums: { mood: ['a', 'b'], 'Auth"Level': ['a', "d'q"] } },
    blog: { tables: [post0, item0], enums: { tone: ['a'], MixedLevel: ['b', 'c'] } },
  }
  // Renames by hint (a column to a reserved word, a table keeping its physical name), casts, an enum value added.
  const user1: TableSpec = {
    ...user0,
    columns: [
      user0.columns[0]!,
      { ...user0.columns[1]!, prop: 'order', dbColumnName: undefined, renamedFrom: 'title' },
      user0.columns[2]!,
    ],
  }
  const group1: TableSpec = {
    ...group0,
    tablename: 'MixedGroup',
    columns: [
      col('amount', 'Integer', { dbColumnName: name63('amount'), index: true }),
      col('at', 'Date', { null: true }),
      group0.columns[2]!,
    ],
  }
  const tag1: TableSpec = { ...post0, className: 'Tag', renamedFrom: 'Post' }
  const item1: TableSpec = { ...item0, columns: [item0.columns[0]!, col('data', 'JSON', { default: 'literal' })] }
  const v1: AppsSpec = {
    auth: { tables: [user1, group1], enums: { mood: ['a', 'b'], 'Auth"Level': ['a', "d'q", 'c'] } },
    blog: { tables: [tag1, item1], enums: v0.blog.enums },
  }
  // The target of a foreign key across apps gets a 63-byte name, another schema and column name,
  // and its key another type (blog's foreign key follows; built from scratch, it is created so).
  const user2: TableSpec = {
    ...user1,
    renamedFrom: undefined,
    tablename: name63('user'),
    schema: 'extra',
    columns: [
      { ...user1.columns[0]!, kind: 'BigInt', dbColumnName: 'CodeCol' },
      { ...user1.columns[1]!, renamedFrom: undefined },
      user1.columns[2]!,
    ],
  }
  const tag2: TableSpec = { ...tag1, renamedFrom: undefined }
  // A new Post (the class name Tag had) in public, named like Tag's sequence (`from_id_seq`).
  const post2: TableSpec = {
    className: 'Post',
    tablename: 'from_id_seq',
    columns: [col('flag', 'Boolean', { null: true })],
    primaryKey: { kind: 'implicit' },
    constraints: [],
  }
  const v2: AppsSpec = {
    auth: { tables: [user2, group1], enums: v1.auth.enums },
    blog: { tables: [tag2, item1, post2], enums: v1.blog.enums },
  }
  // The foreign key moves to another table of auth; an enum loses a value; a composite primary key;
  // Tag moves to public, where its sequence's name is taken.
  const tag3: TableSpec = {
    ...tag2,
    schema: undefined,
    columns: tag2.columns.map((c) =>
      c.prop === 'owner' ? { ...c, target: 'Group', onDelete: 'restrict' as const } : c,
    ),
  }
  const item3: TableSpec = {
    ...item1,
    columns: [
      col('order', 'Enum', { enumName: 'MixedLevel' }),
      item1.columns[1]!,
      col('code', 'Varchar', { length: 10 }),
    ],
  }
  const role3: TableSpec = {
    className: 'Role',
    tablename: 'role"q',
    columns: [
      col('title', 'Text'),
      col('code', 'BigInt', { dbColumnName: 'CodeCol' }),
      col('at', 'Timestamp', { default: 'literal' }),
    ],
    primaryKey: { kind: 'composite', props: ['title', 'code'] },
    constraints: [{ kind: 'unique', columns: ['code', 'at'], nullsDistinct: true }],
  }
  const v3: AppsSpec = {
    auth: { tables: [user2, group1, role3], enums: v1.auth.enums },
    blog: { tables: [tag3, item3, post2], enums: { tone: ['a'], MixedLevel: ['b'] } },
  }
  // Free now, the first target keeps its class and key for good (blog's first migrations point at
  // it) but moves back to public under the physical name of Role, which goes; a column takes a
  // dropped column's name; the enum of Group's key loses a value while blog's foreign key to it stays.
  const user4: TableSpec = { ...user2, tablename: 'role"q', schema: undefined }
  const group4: TableSpec = {
    ...group1,
    columns: [col('amount', 'Integer', { dbColumnName: 'at', index: true }), group1.columns[2]!],
    constraints: [],
  }
  const v4: AppsSpec = {
    auth: { tables: [group4, user4], enums: { mood: ['b'], 'Auth"Level': ['c', 'a'] } },
    blog: v3.blog,
  }
  // blog lets go of Group; then Group, kept for good too, is renamed in the database only, and a new
  // table takes the class name Role again.
  const tag5: TableSpec = { ...tag3, columns: tag3.columns.filter((c) => c.prop !== 'owner'), constraints: [] }
  const v5: AppsSpec = {
    auth: { tables: [group4, user4], enums: v4.auth.enums },
    blog: { tables: [tag5, item3, post2], enums: v3.blog.enums },
  }
  const role6: TableSpec = {
    className: 'Role',
    tablename: 'MixedGroup',
    columns: [col('title', 'Text')],
    primaryKey: { kind: 'implicit' },
    constraints: [],
  }
  const v6: AppsSpec = {
    auth: { tables: [{ ...group4, tablename: name63('role') }, user4, role6], enums: v4.auth.enums },
    blog: v5.blog,
  }
  // In one version blog lets go of both auth tables it pointed at, and auth drops User and gives
  // Group the class name User: auth's migration depends on blog's. Then blog points at it again.
  const tag7: TableSpec = { ...tag5, columns: tag5.columns.filter((c) => c.kind !== 'ForeignKey') }
  const group7: TableSpec = { ...group4, className: 'User', renamedFrom: 'Group', tablename: name63('role') }
  const v7: AppsSpec = {
    auth: { tables: [group7, role6], enums: v4.auth.enums },
    blog: { tables: [tag7, item3, post2], enums: v3.blog.enums },
  }
  const v8: AppsSpec = {
    auth: { tables: [{ ...group7, renamedFrom: undefined }, role6], enums: v4.auth.enums },
    blog: {
      tables: [{ ...tag7, columns: [...tag7.columns, col('owner', 'ForeignKey', { target: 'User' })] }, item3, post2],
      enums: v3.blog.enums,
    },
  }
  return [v0, v1, v2, v3, v4, v5, v6, v7, v8]
})()
