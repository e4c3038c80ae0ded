#!/usr/bin/env node
/**
 * Generates the large project of the benchmark, deterministically (seeded):
 * 10 apps with dependencies, ~300 tables, ~3,000 columns, and a history of N migration files of mixed
 * operations (~315 add table, ~3,100 add column, ~400 alters, ~100 renames, ~100 drops), written step by
 * step by OUR differ and writer from an evolving table model, so the files are exactly what the tool
 * writes. The same history is written for drizzle-kit with its own API (generateDrizzleJson +
 * generateMigration, step by step: snapshots, SQL and journal in drizzle's layout), and, for the apply
 * benchmark, the SQL each migration runs (from our plan(), in the runner's order) as plain .sql files.
 *
 *   node bench/generate.mjs [--steps 2000] [--seed 1] [--out DIR] [--force]
 *
 * The result is cached in bench/.work/large-<steps>-s<seed> (keyed by the parameters and GENERATOR_VERSION);
 * a second call returns at once. Layout of a generated project:
 *   migrations.config.ts, src/<app>/{app.ts,tables.ts,migrations/*.ts}   ours
 *   drizzle.config.ts, drizzle-schema.ts, drizzle/{NNNN_*.sql,meta/}    drizzle-kit's
 *   peers/sql/NNNNN_<app>.sql                                            the same SQL, for node-pg-migrate / Kysely
 *   index.html, main.ts                                                  so `vite build` runs on it
 *   manifest.json                                                        parameters, counts, timings
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WORK, internals } from './lib/internals.mjs'
import { APPS, DrizzleTables, Model, OurClasses, closure, drizzleSource, ourSources } from './lib/model.mjs'
import { createRandom } from './lib/random.mjs'

export const GENERATOR_VERSION = 3

/** Event budgets over the whole history (the issue's mix). */
const BUDGETS = {
  addTable: 315,
  addColumn: 1250,
  alter: 400,
  renameColumn: 80,
  renameTable: 20,
  dropColumn: 85,
  dropTable: 15,
}
const CLASSES = {
  change: ['addTable', 'addColumn', 'alter'],
  rename: ['renameColumn', 'renameTable'],
  drop: ['dropColumn', 'dropTable'],
}

export function projectDir({ steps, seed }) {
  return path.join(WORK, `large-${steps}-s${seed}`)
}

/** Returns the project folder, generating it when it is not cached yet. */
export async function ensureProject({ steps = 2000, seed = 1, force = false, log = console.log } = {}) {
  const dir = projectDir({ steps, seed })
  const manifestFile = path.join(dir, 'manifest.json')
  if (!force && existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'))
    if (manifest.generatorVersion === GENERATOR_VERSION) {
      const i = await internals()
      if (manifest.internalsHash !== i.sourceHash) {
        log(
          `  (cached ${path.basename(dir)} was written by an older src/ (${manifest.internalsHash}); its files are still valid history. --regen rewrites it)`,
        )
      }
      return { dir, manifest }
    }
  }
  const started = performance.now()
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  let manifest
  try {
    manifest = await generate({ steps, seed, out: tmp, log })
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true })
    throw error
  }
  manifest.generateSeconds = Math.round((performance.now() - started) / 100) / 10
  writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  log(`  generated ${path.basename(dir)} in ${manifest.generateSeconds} s`)
  return { dir, manifest }
}

async function generate({ steps: N, seed, out, log }) {
  const i = await internals()
  const pg = await import('drizzle-orm/pg-core')
  const { generateDrizzleJson, generateMigration } = await import('drizzle-kit/api')
  const rnd = createRandom(seed * 7919 + N)
  const model = new Model(rnd)
  const ours = new OurClasses(model, i)
  const dz = new DrizzleTables(model, pg)
  const budgets = { ...BUDGETS }
  const done = Object.fromEntries(Object.keys(BUDGETS).map((k) => [k, 0]))

  const state = new i.SchemaState()
  /** app → migration IDs written so far */
  const ids = new Map(APPS.map((a) => [a.name, []]))
  /** every migration, for the SQL in the runner's order */
  const recorded = []
  /** app → Map("public.<table>" → { json, text }): the app's tables in drizzle's snapshot, printed */
  const dzTables = new Map(APPS.map((a) => [a.name, new Map()]))
  /** app → { key, json, text } of its enum, once created */
  const dzEnums = new Map()
  const journal = { version: '7', dialect: 'postgresql', entries: [] }
  let prevSnapshotId = '00000000-0000-0000-0000-000000000000'
  const counts = { ourOperations: 0, drizzleStatements: 0, drizzleEmptySteps: 0, events: 0 }
  const timings = { ours: 0, drizzle: 0, write: 0 }

  const dirs = ['drizzle/meta', 'peers/sql', ...APPS.map((a) => `src/${a.name}/migrations`)]
  for (const d of dirs) mkdirSync(path.join(out, d), { recursive: true })

  const T0 = Date.UTC(2023, 0, 2, 9, 0, 0)
  const SPAN = 3 * 365 * 24 * 3600 * 1000
  let lastLog = performance.now()

  for (let s = 0; s < N; s++) {
    // ---- plan this step: one app, one class of events, k events ----
    const remainingSteps = N - s
    const remaining = Object.values(budgets).reduce((a, b) => a + b, 0)
    const share = remaining / remainingSteps
    const k = s === N - 1 ? Math.max(1, remaining) : Math.max(1, Math.round(share * (0.5 + rnd.next())))
    let events = []
    let app
    const hints = { tables: new Map(), columns: new Map() }
    for (let attempt = 0; attempt < 40 && events.length === 0; attempt++) {
      const sum = (cls) => CLASSES[cls].reduce((n, kind) => n + Math.max(0, budgets[kind]), 0)
      const cls =
        (attempt < 30 && rnd.weighted({ change: sum('change'), rename: sum('rename'), drop: sum('drop') })) || 'change'
      app = pickApp(model, rnd, cls, budgets)
      events = runEvents(model, rnd, app, cls, k, budgets, done, attempt >= 30)
    }
    if (events.length === 0) throw new Error(`step ${s}: no event could be generated`)
    counts.events += events.length
    for (const e of events) {
      if (e.kind === 'renameTable') hints.tables.set(`${app}.${e.to.className}`, e.from.className)
      if (e.kind === 'renameColumn') hints.columns.set(`${app}.${e.table.className}.${e.to.prop}`, e.from.prop)
    }

    // ---- ours: model → snapshot, diff against the replayed history, write the file ----
    let t = performance.now()
    const to = i.modelSnapshot(ours.registryFor(app)).snapshot
    const from = { tables: state.tablesOf(app), enums: [...state.enums.values()].filter((e) => e.app === app) }
    const diff = i.diffApp(from, to, app, { hints, allowDestructive: true })
    if (diff.questions.length || diff.held.length)
      throw new Error(`step ${s}: the differ asked ${JSON.stringify(diff.questions.map((q) => q.text))}`)
    if (diff.operations.length === 0)
      throw new Error(`step ${s}: no operation for ${events.map((e) => e.kind).join(', ')}`)
    const when = new Date(T0 + Math.floor((SPAN * s) / N) + rnd.int(0, 999))
    const id = i.newMigrationId(ids.get(app), when)
    ids.get(app).push(id)
    const description = i.autoDescription(diff.operations)
    const text = i.renderMigration({ app, id, description, operations: diff.operations })
    i.replay([{ app, id, operations: diff.operations }], state)
    recorded.push({ app, id, operations: diff.operations })
    counts.ourOperations += diff.operations.length
    timings.ours += performance.now() - t
    t = performance.now()
    writeFileSync(path.join(out, 'src', app, 'migrations', i.migrationFileName(app, id)), text)
    timings.write += performance.now() - t

    // ---- drizzle: the touched tables → snapshot; SQL by drizzle-kit's differ (renames: by hand) ----
    t = performance.now()
    const touched = new Map()
    for (const e of events)
      if (!touched.has(e.table.key))
        touched.set(e.table.key, { table: e.table, before: e.kind === 'renameTable' ? e.from.tablename : undefined })
    const live = [...touched.values()].filter(({ table }) => model.tables.has(table.key)).map(({ table }) => table)
    const cur = generateDrizzleJson(dz.imports([app], live))
    const appTables = dzTables.get(app)
    let statements
    const renames = events.filter((e) => e.kind === 'renameTable' || e.kind === 'renameColumn')
    const meta = { columns: {}, schemas: {}, tables: {} }
    if (renames.length) {
      // drizzle-kit asks on a terminal about renames (its API too): write what it would write.
      statements = renames.map((e) => {
        if (e.kind === 'renameTable') {
          meta.tables[`"public"."${e.from.tablename}"`] = `"public"."${e.to.tablename}"`
          return `ALTER TABLE "${e.from.tablename}" RENAME TO "${e.to.tablename}";`
        }
        meta.columns[`"public"."${e.table.tablename}"."${e.from.db}"`] = `"public"."${e.table.tablename}"."${e.to.db}"`
        return `ALTER TABLE "${e.table.tablename}" RENAME COLUMN "${e.from.db}" TO "${e.to.db}";`
      })
    } else {
      // Only the tables this step touches: the others did not change, so drizzle-kit's statements are
      // the same as for the whole schema, at a fraction of the cost (it validates both snapshots).
      const prevTables = {}
      for (const { table, before } of touched.values()) {
        const key = `public.${before ?? table.tablename}`
        if (appTables.has(key)) prevTables[key] = appTables.get(key).json
      }
      const prevEnums = dzEnums.has(app) ? { [dzEnums.get(app).key]: dzEnums.get(app).json } : {}
      statements = await generateMigration({ ...cur, tables: prevTables, enums: prevEnums }, cur)
    }
    if (statements.length === 0) counts.drizzleEmptySteps++
    counts.drizzleStatements += statements.length
    // The app's tables in the model's order, each printed once when it changes.
    for (const { table, before } of touched.values()) appTables.delete(`public.${before ?? table.tablename}`)
    for (const [key, json] of Object.entries(cur.tables)) appTables.set(key, { json, text: prettyEntry(key, json) })
    dzTables.set(
      app,
      new Map(model.tablesOf(app).map((x) => [`public.${x.tablename}`, appTables.get(`public.${x.tablename}`)])),
    )
    dzEnums.delete(app)
    for (const [key, json] of Object.entries(cur.enums)) dzEnums.set(app, { key, json, text: prettyEntry(key, json) })
    const snapshotId = rnd.uuid()
    // The full snapshot, as JSON.stringify(snapshot, null, 2) prints it (what drizzle-kit writes).
    const texts = APPS.map((a) => ({
      tables: [...dzTables.get(a.name).values()].map((x) => x.text),
      enums: dzEnums.has(a.name) ? [dzEnums.get(a.name).text] : [],
    }))
    const full = prettySnapshot(
      { id: snapshotId, prevId: prevSnapshotId, version: cur.version, dialect: cur.dialect },
      texts,
      meta,
    )
    if (s < 3 || s === N - 1) {
      // The hand-printed text must be exactly what JSON.stringify prints (checked on a few steps).
      const tables = Object.fromEntries(APPS.flatMap((a) => [...dzTables.get(a.name)].map(([k, v]) => [k, v.json])))
      const enums = Object.fromEntries(
        APPS.flatMap((a) => (dzEnums.has(a.name) ? [[dzEnums.get(a.name).key, dzEnums.get(a.name).json]] : [])),
      )
      const object = {
        id: snapshotId,
        prevId: prevSnapshotId,
        version: cur.version,
        dialect: cur.dialect,
        tables,
        enums,
        schemas: {},
        sequences: {},
        roles: {},
        policies: {},
        views: {},
        _meta: meta,
      }
      if (JSON.stringify(object, null, 2) !== full)
        throw new Error(`step ${s}: the drizzle snapshot text differs from JSON.stringify`)
    }
    prevSnapshotId = snapshotId
    const idx = String(s).padStart(4, '0')
    const tag = `${idx}_${app}_step`
    timings.drizzle += performance.now() - t
    t = performance.now()
    writeFileSync(path.join(out, 'drizzle', 'meta', `${idx}_snapshot.json`), full)
    writeFileSync(path.join(out, 'drizzle', `${tag}.sql`), statements.join('\n--> statement-breakpoint\n'))
    journal.entries.push({ idx: s, version: '7', when: when.getTime(), tag, breakpoints: true })
    timings.write += performance.now() - t

    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now()
      log(`  … step ${s + 1}/${N} (${model.stats().tables} tables)`)
    }
  }

  // ---- the final state: sources, configs, and a check that the files describe it exactly ----
  writeFileSync(path.join(out, 'drizzle', 'meta', '_journal.json'), JSON.stringify(journal, null, 2))
  for (const [file, text] of Object.entries(ourSources(model))) writeFileSync(path.join(out, file), text)
  writeFileSync(path.join(out, 'drizzle-schema.ts'), drizzleSource(model))
  writeFileSync(
    path.join(out, 'drizzle.config.ts'),
    `import { defineConfig } from 'drizzle-kit'\n\nexport default defineConfig({ dialect: 'postgresql', schema: './drizzle-schema.ts', out: './drizzle' })\n`,
  )
  writeFileSync(
    path.join(out, 'index.html'),
    '<!doctype html>\n<html><body><script type="module" src="/main.ts"></script></body></html>\n',
  )
  writeFileSync(path.join(out, 'main.ts'), "document.body.textContent = 'large project'\n")

  const registry = ours.registry(APPS.map((a) => a.name))
  const final = i.modelSnapshot(registry).snapshot
  for (const a of APPS) {
    const left = i.diffApp(state.toData(), final, a.name, { allowDestructive: true })
    if (left.operations.length || left.questions.length)
      throw new Error(
        `the history does not end at the model in app ${a.name}: ${left.operations.map((o) => o.describe()).join(', ')}`,
      )
  }

  // ---- the SQL of every migration, in the runner's order (apps by dependency, then ID) ----
  const order = registry.apps.map((a) => a.name)
  const logical = [...recorded].sort(
    (a, b) => order.indexOf(a.app) - order.indexOf(b.app) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
  const sqlState = new i.SchemaState()
  logical.forEach((m, at) => {
    const steps = i.stepsOf(m, sqlState, 'forwards')
    const sql = steps.map((p) => `${p.step.sql};`).join('\n')
    writeFileSync(
      path.join(out, 'peers', 'sql', `${String(at + 1).padStart(5, '0')}_${m.app}.sql`),
      `-- Up Migration\n${sql}\n`,
    )
  })

  const stats = model.stats()
  return {
    generatorVersion: GENERATOR_VERSION,
    internalsHash: i.sourceHash,
    steps: N,
    seed,
    apps: APPS.map((a) => ({ name: a.name, dependencies: a.deps, tables: model.tablesOf(a.name).length })),
    appOrder: order,
    tables: stats.tables,
    columns: stats.columns,
    events: done,
    counts,
    timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
  }
}

/** A `"key": value` entry printed at depth 2 of a JSON.stringify(…, null, 2). */
function prettyEntry(key, value) {
  return `    ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n    ')}`
}

/** The text JSON.stringify(snapshot, null, 2) gives, from entries printed by prettyEntries. */
function prettySnapshot(head, apps, meta) {
  const block = (entries) => (entries.length ? `{\n${entries.join(',\n')}\n  }` : '{}')
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
  lines.push(`  "tables": ${block(apps.flatMap((a) => a.tables))}`)
  lines.push(`  "enums": ${block(apps.flatMap((a) => a.enums))}`)
  for (const key of ['schemas', 'sequences', 'roles', 'policies', 'views']) lines.push(`  ${JSON.stringify(key)}: {}`)
  lines.push(`  "_meta": ${JSON.stringify(meta, null, 2).replace(/\n/g, '\n  ')}`)
  return `{\n${lines.join(',\n')}\n}`
}

/** The app a step works on: where tables are still to be created, or where there is something to change. */
function pickApp(model, rnd, cls, budgets) {
  const weights = {}
  for (const app of model.apps.values()) {
    const live = app.tables.size
    const room = Math.max(0, app.target - live)
    weights[app.name] = cls === 'change' && budgets.addTable > 0 ? room * 4 + live : live
  }
  return rnd.weighted(weights) ?? rnd.pick([...model.apps.keys()])
}

/** Up to `k` events of one class in one app; `force` ignores the budgets (the last steps). */
function runEvents(model, rnd, app, cls, k, budgets, done, force) {
  const events = []
  const touchedColumns = new Set()
  const touchedTables = new Set()
  const existing = () => model.tablesOf(app).filter((t) => !touchedTables.has(t.key))
  for (let j = 0; j < k; j++) {
    let event
    for (let tries = 0; tries < 6 && !event; tries++) {
      const weights = Object.fromEntries(CLASSES[cls].map((kind) => [kind, force ? 1 : Math.max(0, budgets[kind])]))
      const kind = rnd.weighted(weights)
      if (!kind) break
      const tables = existing()
      const some = () => (tables.length ? rnd.pick(tables) : undefined)
      switch (kind) {
        case 'addTable':
          event = model.addTable(app)
          touchedTables.add(event.table.key)
          break
        case 'addColumn': {
          const t = some()
          if (t) event = model.addColumn(t)
          if (event) touchedColumns.add(event.column)
          break
        }
        case 'alter': {
          const t = some()
          if (t) event = model.alter(t, touchedColumns)
          break
        }
        case 'renameColumn': {
          const t = some()
          if (t) event = model.renameColumn(t, touchedColumns)
          break
        }
        case 'renameTable': {
          const t = tables.find((x) => !x.referenced && !x.columns.some((c) => touchedColumns.has(c)))
          const candidates = tables.filter((x) => !x.referenced && !x.columns.some((c) => touchedColumns.has(c)))
          if (t) event = model.renameTable(rnd.pick(candidates))
          if (event) touchedTables.add(event.table.key)
          break
        }
        case 'dropColumn': {
          const t = some()
          if (t) event = model.dropColumn(t, touchedColumns)
          if (event) touchedTables.add(t.key)
          break
        }
        case 'dropTable': {
          const candidates = tables.filter((x) => !x.referenced)
          if (candidates.length) event = model.dropTable(rnd.pick(candidates))
          if (event) touchedTables.add(event.table.key)
          break
        }
      }
      if (event) {
        budgets[kind]--
        done[kind]++
      }
    }
    if (!event) break
    events.push(event)
  }
  return events
}

// ---- command line ----
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const value = (name, fallback) => {
    const at = args.indexOf(name)
    return at >= 0 ? args[at + 1] : fallback
  }
  const steps = Number(value('--steps', 2000))
  const seed = Number(value('--seed', 1))
  const { dir, manifest } = await ensureProject({
    steps,
    seed,
    force: args.includes('--force') || args.includes('--regen'),
  })
  console.log(dir)
  console.log(
    JSON.stringify(
      {
        tables: manifest.tables,
        columns: manifest.columns,
        events: manifest.events,
        counts: manifest.counts,
        timingsMs: manifest.timingsMs,
      },
      null,
      2,
    ),
  )
}
