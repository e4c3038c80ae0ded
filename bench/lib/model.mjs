/**
 * The large project's schema as plain data, and the ways it evolves (one event at a time: add a
 * table, add a column, alter one, rename one, drop one). The generator turns each state of this
 * model into our table classes (for the differ), drizzle-orm tables (for drizzle-kit), and, at the
 * end, the TypeScript sources of both.
 *
 * Rules that keep the history valid for every tool in every order it is run:
 * - foreign keys point at `id` of a table of the same app or of a direct dependency; a table that
 *   is (or once was) pointed at is never renamed or dropped, so the runner's order (app by app)
 *   and the chronological order give the same SQL;
 * - a column in a composite constraint, an enum column and a foreign key are never renamed or dropped;
 * - names come from word lists that make every generated constraint and index name unique
 *   (see README: `<table>_<column>_idx` can't equal another table's).
 */

export const APPS = [
  { name: 'core', deps: [], tables: 20 },
  { name: 'accounts', deps: ['core'], tables: 32 },
  { name: 'catalog', deps: ['core'], tables: 38 },
  { name: 'inventory', deps: ['catalog'], tables: 26 },
  { name: 'orders', deps: ['accounts', 'catalog'], tables: 42 },
  { name: 'billing', deps: ['accounts', 'orders'], tables: 34 },
  { name: 'shipping', deps: ['inventory', 'orders'], tables: 26 },
  { name: 'support', deps: ['accounts', 'orders'], tables: 26 },
  { name: 'analytics', deps: ['billing', 'orders'], tables: 30 },
  { name: 'notify', deps: ['accounts'], tables: 26 },
]

const NOUNS = [
  'user',
  'profile',
  'team',
  'member',
  'role',
  'grant',
  'session',
  'token',
  'device',
  'address',
  'region',
  'country',
  'currency',
  'product',
  'variant',
  'category',
  'brand',
  'supplier',
  'warehouse',
  'stock',
  'shelf',
  'order',
  'cart',
  'coupon',
  'invoice',
  'payment',
  'refund',
  'ledger',
  'tax',
  'shipment',
  'parcel',
  'carrier',
  'route',
  'ticket',
  'reply',
  'macro',
  'survey',
  'report',
  'metric',
  'dashboard',
  'segment',
  'channel',
  'template',
  'message',
  'digest',
  'subscription',
  'webhook',
  'campaign',
  'contract',
  'plan',
  'price',
  'quote',
  'review',
  'rating',
  'tag',
  'label',
  'document',
  'attachment',
  'project',
  'task',
]
const SUFFIXES = [
  'item',
  'log',
  'note',
  'event',
  'link',
  'rule',
  'entry',
  'snapshot',
  'history',
  'version',
  'setting',
  'archive',
]
const ADJECTIVES = [
  'primary',
  'secondary',
  'legacy',
  'external',
  'internal',
  'display',
  'main',
  'alt',
  'default',
  'preferred',
  'last',
  'first',
  'next',
  'total',
  'net',
  'gross',
  'public',
  'private',
  'short',
  'long',
  'max',
  'min',
  'base',
  'extra',
  'custom',
  'local',
  'global',
  'daily',
  'weekly',
  'monthly',
]
const COLUMN_NOUNS = {
  varchar: ['name', 'title', 'code', 'email', 'phone', 'url', 'key', 'hash', 'label', 'slug', 'kind', 'color'],
  text: ['note', 'comment', 'summary', 'body', 'description', 'reason'],
  integer: ['count', 'score', 'rank', 'level', 'weight', 'height', 'width', 'size', 'quantity', 'limit', 'position'],
  bigint: ['counter', 'total', 'bytes', 'views', 'clicks'],
  boolean: ['flag', 'enabled', 'visible', 'active', 'locked', 'verified'],
  timestamptz: ['created', 'updated', 'started', 'finished', 'expires', 'opened', 'closed'],
  numeric: ['amount', 'price', 'balance', 'ratio', 'rate', 'cost'],
  uuid: ['uid', 'guid', 'reference'],
  jsonb: ['payload', 'meta', 'settings', 'extras'],
  date: ['day', 'birthday', 'deadline'],
  enum: ['state', 'stage', 'phase'],
}
const KIND_WEIGHTS = {
  varchar: 25,
  text: 11,
  integer: 14,
  bigint: 5,
  boolean: 10,
  timestamptz: 10,
  numeric: 7,
  uuid: 4,
  jsonb: 5,
  date: 5,
  enum: 4,
}
export const ENUM_VALUES = ['draft', 'active', 'archived']

const words = (snake) => snake.split('_')
export const pascal = (snake) =>
  words(snake)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('')
export const camel = (snake) => {
  const p = pascal(snake)
  return p[0].toLowerCase() + p.slice(1)
}

export class Model {
  constructor(rnd) {
    this.rnd = rnd
    /** app name → { name, deps, target, tables: Set<key>, enumName, enumUsed } */
    this.apps = new Map(
      APPS.map((a) => [
        a.name,
        { name: a.name, deps: a.deps, target: a.tables, tables: new Set(), enumName: `${a.name}_status` },
      ]),
    )
    /** key → table */
    this.tables = new Map()
    this.nextKey = 0
    /** Every table name ever used, per app (a dropped or renamed table's name is not reused). */
    this.usedNames = new Set()
  }

  tablesOf(app) {
    return [...this.apps.get(app).tables].map((k) => this.tables.get(k))
  }

  /** Enum columns of an app: the app's enum exists while one uses it. */
  enumUsed(app) {
    return this.tablesOf(app).some((t) => t.columns.some((c) => c.kind === 'enum'))
  }

  freshTableName(app) {
    for (let tries = 0; tries < 1000; tries++) {
      const noun = this.rnd.pick(NOUNS)
      const tail = this.rnd.chance(0.45) ? `${noun}_${this.rnd.pick(SUFFIXES)}` : noun
      const name = `${app}_${tail}`
      if (!this.usedNames.has(name)) {
        this.usedNames.add(name)
        return name
      }
    }
    throw new Error(`no fresh table name left in app ${app}`)
  }

  freshColumnDb(table, kind) {
    for (let tries = 0; tries < 1000; tries++) {
      const db = `${this.rnd.pick(ADJECTIVES)}_${this.rnd.pick(COLUMN_NOUNS[kind])}`
      if (!table.usedColumns.has(db)) {
        table.usedColumns.add(db)
        return db
      }
    }
    throw new Error(`no fresh column name left in ${table.tablename}`)
  }

  newColumn(table, kind = this.rnd.weighted(KIND_WEIGHTS)) {
    const r = this.rnd
    const db = this.freshColumnDb(table, kind)
    const c = { prop: camel(db), db, kind, null: false, def: undefined, unique: false, index: false, composite: false }
    c.dzIndexName = `${table.tablename}_${db}_idx`
    c.dzUniqueName = `${table.tablename}_${db}_unique`
    switch (kind) {
      case 'varchar':
        c.length = r.pick([50, 100, 255])
        c.null = r.chance(0.35)
        c.unique = !c.null && r.chance(0.05)
        c.index = r.chance(0.1)
        break
      case 'text':
        c.null = r.chance(0.5)
        break
      case 'integer':
      case 'bigint':
        c.null = r.chance(0.25)
        if (r.chance(0.3)) c.def = { lit: r.pick([1, 10, 100]) }
        c.index = r.chance(0.1)
        break
      case 'boolean':
        if (r.chance(0.4)) c.def = { lit: true }
        break
      case 'timestamptz':
        if (r.chance(0.5)) c.def = { sql: 'now()' }
        else c.null = true
        c.index = r.chance(0.1)
        break
      case 'numeric':
        c.digits = r.pick([
          [10, 2],
          [12, 4],
        ])
        c.null = r.chance(0.3)
        break
      case 'uuid':
        c.null = r.chance(0.5)
        c.unique = !c.null && r.chance(0.2)
        break
      case 'jsonb':
      case 'date':
        c.null = true
        break
      case 'enum':
        c.def = { lit: ENUM_VALUES[0] }
        break
    }
    return c
  }

  /** A foreign key column to a table of the same app (created before) or of a direct dependency. */
  newForeignKey(table) {
    const app = this.apps.get(table.app)
    const candidates = [
      ...this.tablesOf(table.app).filter((t) => t.key !== table.key),
      ...app.deps.flatMap((d) => this.tablesOf(d)),
    ]
    if (candidates.length === 0) return undefined
    const target = this.rnd.pick(candidates)
    const tail = target.app === table.app ? target.tablename.slice(table.app.length + 1) : target.tablename
    const db = `${tail}_ref`
    if (table.usedColumns.has(db)) return undefined
    table.usedColumns.add(db)
    target.referenced = true
    return {
      prop: camel(db),
      db,
      kind: 'fk',
      null: true,
      def: undefined,
      unique: false,
      index: false,
      composite: false,
      fk: { target: target.key, onDelete: this.rnd.pick(['cascade', 'cascade', 'set null', 'restrict']) },
    }
  }

  // ---- events: each mutates the model and says what it did ----

  addTable(appName) {
    const tablename = this.freshTableName(appName)
    const table = {
      key: `t${this.nextKey++}`,
      app: appName,
      tablename,
      className: pascal(tablename),
      columns: [],
      composites: [],
      referenced: false,
      usedColumns: new Set(['id']),
      version: 0,
    }
    this.tables.set(table.key, table)
    const count = this.rnd.int(3, 6)
    for (let i = 0; i < count; i++) table.columns.push(this.newColumn(table))
    const fks = this.rnd.weighted({ 0: 35, 1: 45, 2: 20 })
    for (let i = 0; i < Number(fks); i++) {
      const fk = this.newForeignKey(table)
      if (fk) table.columns.push(fk)
    }
    this.apps.get(appName).tables.add(table.key)
    return { kind: 'addTable', table }
  }

  addColumn(table) {
    const column = (this.rnd.chance(0.12) && this.newForeignKey(table)) || this.newColumn(table)
    table.columns.push(column)
    table.version++
    return { kind: 'addColumn', table, column }
  }

  /** Alters one column (or adds a composite constraint); `touched` columns are left alone. */
  alter(table, touched) {
    const r = this.rnd
    const free = table.columns.filter((c) => c.kind !== 'fk' && c.kind !== 'enum' && !touched.has(c))
    if (r.chance(0.1)) {
      const pair = r.shuffle(free.filter((c) => !c.composite)).slice(0, 2)
      if (pair.length === 2) {
        const kind = r.chance(0.3) ? 'unique' : 'index'
        const props = pair.map((c) => c.prop)
        const composite = {
          kind,
          props,
          dzName: `${table.tablename}_${pair.map((c) => c.db).join('_')}_${kind === 'unique' ? 'key' : 'idx'}`,
        }
        table.composites.push(composite)
        for (const c of pair) {
          c.composite = true
          touched.add(c)
        }
        table.version++
        return { kind: 'alter', table, what: `composite ${kind}` }
      }
    }
    const options = []
    for (const c of free) {
      const add = (what) => options.push([c, what])
      switch (c.kind) {
        case 'varchar':
          if (c.length < 500) add('length')
          add('null')
          add('unique')
          add('index')
          break
        case 'text':
          add('null')
          add('index')
          break
        case 'integer':
          add('bigint')
          add('default')
          add('index')
          add('null')
          break
        case 'bigint':
          add('default')
          add('index')
          break
        case 'boolean':
          add('default')
          break
        case 'timestamptz':
          add('null')
          add('index')
          break
        case 'numeric':
          if (c.digits[0] < 18) add('digits')
          add('null')
          break
        case 'uuid':
          add('unique')
          add('null')
          break
        case 'jsonb':
          add('null')
          break
        case 'date':
          add('null')
          add('index')
          break
      }
    }
    if (options.length === 0) return undefined
    const [c, what] = r.pick(options)
    switch (what) {
      case 'length':
        c.length = { 50: 100, 100: 255, 255: 500 }[c.length]
        break
      case 'null':
        c.null = !c.null
        break
      case 'unique':
        c.unique = !c.unique
        break
      case 'index':
        c.index = !c.index
        break
      case 'bigint':
        c.kind = 'bigint'
        break
      case 'default': {
        if (c.kind === 'boolean') c.def = { lit: !(c.def?.lit ?? false) }
        else {
          const current = c.def?.lit ?? (c.null ? null : 0)
          c.def = { lit: r.pick([1, 5, 10, 100].filter((v) => v !== current)) }
        }
        break
      }
      case 'digits':
        c.digits = [c.digits[0] + 2, c.digits[1]]
        break
    }
    touched.add(c)
    table.version++
    return { kind: 'alter', table, column: c, what }
  }

  renameColumn(table, touched) {
    const candidates = table.columns.filter(
      (c) => c.kind !== 'fk' && c.kind !== 'enum' && !c.composite && !touched.has(c),
    )
    if (candidates.length === 0) return undefined
    const c = this.rnd.pick(candidates)
    const from = { prop: c.prop, db: c.db }
    const db = this.freshColumnDb(table, c.kind)
    c.db = db
    c.prop = camel(db)
    touched.add(c)
    table.version++
    return { kind: 'renameColumn', table, column: c, from, to: { prop: c.prop, db } }
  }

  renameTable(table) {
    if (table.referenced) return undefined
    const from = { className: table.className, tablename: table.tablename }
    table.tablename = this.freshTableName(table.app)
    table.className = pascal(table.tablename)
    table.version++
    return { kind: 'renameTable', table, from, to: { className: table.className, tablename: table.tablename } }
  }

  dropColumn(table, touched) {
    const candidates = table.columns.filter((c) => c.kind !== 'enum' && !c.composite && !touched.has(c))
    if (candidates.length <= 1) return undefined
    const c = this.rnd.pick(candidates)
    table.columns.splice(table.columns.indexOf(c), 1)
    touched.add(c)
    table.version++
    return { kind: 'dropColumn', table, column: c }
  }

  dropTable(table) {
    if (table.referenced) return undefined
    this.apps.get(table.app).tables.delete(table.key)
    this.tables.delete(table.key)
    return { kind: 'dropTable', table }
  }

  stats() {
    const tables = [...this.tables.values()]
    return { tables: tables.length, columns: tables.reduce((n, t) => n + t.columns.length + 1, 0) }
  }
}

// ---------------------------------------------------------------------------------------------
// Our table classes (built at run time from the model, for modelSnapshot + diffApp)
// ---------------------------------------------------------------------------------------------

function ourOptions(c, extra = {}) {
  const o = { ...extra }
  if (c.null && c.kind !== 'fk') o.null = true
  if (c.def !== undefined) o.default = c.def
  if (c.unique) o.unique = true
  if (c.index) o.index = true
  return o
}

/** Builds (and caches by version) the table classes of our model, with the internals' column classes. */
export class OurClasses {
  constructor(model, internals) {
    this.model = model
    this.i = internals
    this.cache = new Map()
  }

  classOf(key) {
    const table = this.model.tables.get(key)
    const hit = this.cache.get(key)
    if (hit && hit.version === table.version && hit.className === table.className) return hit.cls
    const { Table, columns: C, sql } = this.i
    const make = (c) => {
      const def = (o) =>
        o.default && typeof o.default === 'object' && 'sql' in o.default
          ? { ...o, default: sql(o.default.sql) }
          : o.default && typeof o.default === 'object'
            ? { ...o, default: o.default.lit }
            : o
      const o = def(ourOptions(c))
      switch (c.kind) {
        case 'varchar':
          return new C.Varchar({ length: c.length, ...o })
        case 'text':
          return new C.Text(o)
        case 'integer':
          return new C.Integer(o)
        case 'bigint':
          return new C.BigIntColumn(o)
        case 'boolean':
          return new C.BooleanColumn(o)
        case 'timestamptz':
          return new C.Timestamptz(o)
        case 'numeric':
          return new C.Numeric({ digits: c.digits, ...o })
        case 'uuid':
          return new C.UUID(o)
        case 'jsonb':
          return new C.JSONB(o)
        case 'date':
          return new C.DateColumn(o)
        case 'enum':
          return new C.Enum(this.model.apps.get(table.app).enumName, ENUM_VALUES, o)
        case 'fk': {
          const target = c.fk.target
          return new C.ForeignKey(() => this.classOf(target), { onDelete: c.fk.onDelete })
        }
      }
      throw new Error(`unknown kind ${c.kind}`)
    }
    const cols = table.columns.map((c) => ({ ...c, fk: c.fk && { ...c.fk } }))
    const cls = class extends Table {
      constructor() {
        super()
        for (const c of cols) this[c.prop] = make(c)
      }
    }
    Object.defineProperty(cls, 'name', { value: table.className })
    cls.constraints = table.composites.map((k) =>
      k.kind === 'unique' ? this.i.unique(...k.props) : this.i.index(...k.props),
    )
    this.cache.set(key, { version: table.version, className: table.className, cls })
    return cls
  }

  /** A registry of `appNames` (which must include every dependency of each). */
  registry(appNames) {
    const apps = appNames.map((name) => {
      const app = this.model.apps.get(name)
      return this.i.defineApp({ name, tables: [...app.tables].map((k) => this.classOf(k)), dependencies: app.deps })
    })
    return this.i.createRegistry(apps)
  }

  /**
   * The smallest registry that gives `app`'s tables their exact snapshot: the app, and of the apps it
   * depends on only the tables its foreign keys point at (the differ compares one app's tables).
   */
  registryFor(appName) {
    // Tables of other apps that foreign keys point at, and (their own keys being read too) theirs.
    const targets = new Map()
    const seen = new Set()
    const stack = [...this.model.tablesOf(appName)]
    while (stack.length) {
      for (const c of stack.pop().columns) {
        const target = c.fk && this.model.tables.get(c.fk.target)
        if (!target || target.app === appName || seen.has(target.key)) continue
        seen.add(target.key)
        if (!targets.has(target.app)) targets.set(target.app, [])
        targets.get(target.app).push(target.key)
        stack.push(target)
      }
    }
    const apps = closure(appName).map((name) => {
      const app = this.model.apps.get(name)
      const keys = name === appName ? [...app.tables] : [...app.tables].filter((k) => seen.has(k))
      return this.i.defineApp({ name, tables: keys.map((k) => this.classOf(k)), dependencies: app.deps })
    })
    return this.i.createRegistry(apps)
  }
}

/** The app and every app it depends on, transitively. */
export function closure(name) {
  const byName = new Map(APPS.map((a) => [a.name, a]))
  const out = new Set()
  const stack = [name]
  while (stack.length) {
    const n = stack.pop()
    if (out.has(n)) continue
    out.add(n)
    stack.push(...byName.get(n).deps)
  }
  return APPS.map((a) => a.name).filter((n) => out.has(n))
}

// ---------------------------------------------------------------------------------------------
// drizzle-orm tables (built at run time, for generateDrizzleJson)
// ---------------------------------------------------------------------------------------------

export class DrizzleTables {
  constructor(model, pg) {
    this.model = model
    this.pg = pg
    this.cache = new Map()
    this.enums = new Map()
  }

  enumOf(app) {
    let e = this.enums.get(app)
    if (!e) {
      e = this.pg.pgEnum(this.model.apps.get(app).enumName, ENUM_VALUES)
      this.enums.set(app, e)
    }
    return e
  }

  tableOf(key) {
    const table = this.model.tables.get(key)
    const hit = this.cache.get(key)
    if (hit && hit.version === table.version && hit.tablename === table.tablename) return hit.dz
    const pg = this.pg
    const columns = { id: pg.serial('id').primaryKey() }
    for (const c of table.columns) {
      let b
      switch (c.kind) {
        case 'varchar':
          b = pg.varchar(c.db, { length: c.length })
          break
        case 'text':
          b = pg.text(c.db)
          break
        case 'integer':
        case 'fk':
          b = pg.integer(c.db)
          break
        case 'bigint':
          b = pg.bigint(c.db, { mode: 'number' })
          break
        case 'boolean':
          b = pg.boolean(c.db)
          break
        case 'timestamptz':
          b = pg.timestamp(c.db, { withTimezone: true })
          break
        case 'numeric':
          b = pg.numeric(c.db, { precision: c.digits[0], scale: c.digits[1] })
          break
        case 'uuid':
          b = pg.uuid(c.db)
          break
        case 'jsonb':
          b = pg.jsonb(c.db)
          break
        case 'date':
          b = pg.date(c.db)
          break
        case 'enum':
          b = this.enumOf(table.app)(c.db)
          break
      }
      if (!c.null) b = b.notNull()
      const def = drizzleDefault(c)
      if (def?.now) b = b.defaultNow()
      else if (def) b = b.default(def.value)
      if (c.unique) b = b.unique(c.dzUniqueName)
      if (c.fk) {
        const target = c.fk.target
        b = b.references(() => this.tableOf(target).id, { onDelete: c.fk.onDelete, onUpdate: 'cascade' })
      }
      columns[c.prop] = b
    }
    const indexed = table.columns.filter((c) => c.index)
    const composites = table.composites
    const extra = (t) => [
      ...indexed.map((c) => pg.index(c.dzIndexName).on(t[c.prop])),
      ...composites.map((k) =>
        k.kind === 'unique'
          ? pg.unique(k.dzName).on(...k.props.map((p) => t[p]))
          : pg.index(k.dzName).on(...k.props.map((p) => t[p])),
      ),
    ]
    const dz = pg.pgTable(table.tablename, columns, extra)
    this.cache.set(key, { version: table.version, tablename: table.tablename, dz })
    return dz
  }

  /** The `imports` drizzle-kit's API takes, for some apps. */
  imports(appNames, only) {
    const out = {}
    for (const app of appNames) {
      if (this.model.enumUsed(app)) out[`${app}Status`] = this.enumOf(app)
      for (const t of only ?? this.model.tablesOf(app)) out[camel(t.tablename)] = this.tableOf(t.key)
    }
    return out
  }
}

/** Our implicit defaults, made explicit for drizzle (NOT NULL text '' / numbers 0 / false). */
function drizzleDefault(c) {
  if (c.def?.sql === 'now()') return { now: true }
  if (c.def !== undefined) return { value: c.kind === 'numeric' ? String(c.def.lit) : c.def.lit }
  if (c.null) return undefined
  if (c.kind === 'varchar' || c.kind === 'text') return { value: '' }
  if (c.kind === 'integer' || c.kind === 'bigint') return { value: 0 }
  if (c.kind === 'numeric') return { value: '0' }
  if (c.kind === 'boolean') return { value: false }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// TypeScript sources of the final state
// ---------------------------------------------------------------------------------------------

const lit = (v) => (typeof v === 'string' ? `'${v}'` : String(v))

function ourColumnSource(model, table, c, used) {
  const opts = []
  const push = (k, v) => opts.push(`${k}: ${v}`)
  if (c.kind === 'varchar') push('length', c.length)
  if (c.kind === 'numeric') push('digits', `[${c.digits.join(', ')}]`)
  if (c.null && c.kind !== 'fk') push('null', 'true')
  if (c.def?.sql) {
    used.add('sql')
    push('default', `sql\`${c.def.sql}\``)
  } else if (c.def !== undefined) push('default', lit(c.def.lit))
  if (c.unique) push('unique', 'true')
  if (c.index) push('index', 'true')
  const o = opts.length ? `{ ${opts.join(', ')} }` : ''
  const ctor = {
    varchar: 'Varchar',
    text: 'Text',
    integer: 'Integer',
    bigint: 'BigInt',
    boolean: 'Boolean',
    timestamptz: 'Timestamptz',
    numeric: 'Numeric',
    uuid: 'UUID',
    jsonb: 'JSONB',
    date: 'Date',
    enum: 'Enum',
    fk: 'ForeignKey',
  }[c.kind]
  used.add(ctor)
  if (c.kind === 'enum')
    return `new Enum('${model.apps.get(table.app).enumName}', [${ENUM_VALUES.map(lit).join(', ')}]${o ? `, ${o}` : ''})`
  if (c.kind === 'fk') {
    const target = model.tables.get(c.fk.target)
    return `new ForeignKey(() => ${target.className}, { onDelete: '${c.fk.onDelete}' })`
  }
  return `new ${ctor}(${o})`
}

/** `src/<app>/tables.ts`, `src/<app>/app.ts` of every app, and `migrations.config.ts`. */
export function ourSources(model) {
  const files = {}
  for (const app of model.apps.values()) {
    const used = new Set(['Table'])
    const foreign = new Map()
    const body = []
    for (const t of model.tablesOf(app.name)) {
      body.push(`export class ${t.className} extends Table {`)
      for (const c of t.columns) {
        if (c.fk) {
          const target = model.tables.get(c.fk.target)
          if (target.app !== app.name) {
            if (!foreign.has(target.app)) foreign.set(target.app, new Set())
            foreign.get(target.app).add(target.className)
          }
        }
        body.push(`  ${c.prop} = ${ourColumnSource(model, t, c, used)}`)
      }
      if (t.composites.length) {
        const list = t.composites.map((k) => {
          used.add(k.kind)
          return `${k.kind}(${k.props.map(lit).join(', ')})`
        })
        body.push(`  static constraints = [${list.join(', ')}]`)
      }
      body.push('}', '')
    }
    const head = [`import { ${[...used].sort().join(', ')} } from 'unplugin-auto-migrations'`]
    for (const [dep, names] of [...foreign].sort())
      head.push(`import { ${[...names].sort().join(', ')} } from '../${dep}/tables'`)
    files[`src/${app.name}/tables.ts`] = `${head.join('\n')}\n\n${body.join('\n')}`
    const classes = model.tablesOf(app.name).map((t) => t.className)
    files[`src/${app.name}/app.ts`] = [
      `import { defineApp } from 'unplugin-auto-migrations'`,
      ...app.deps.map((d) => `import ${d} from '../${d}/app'`),
      `import { ${[...classes].sort().join(', ')} } from './tables'`,
      '',
      'export default defineApp({',
      `  name: '${app.name}',`,
      `  tables: [${classes.join(', ')}],`,
      `  dependencies: [${app.deps.join(', ')}],`,
      '})',
      '',
    ].join('\n')
  }
  files['migrations.config.ts'] = [
    `import { defineConfig } from 'unplugin-auto-migrations'`,
    '',
    'export default defineConfig({',
    `  apps: [${[...model.apps.keys()].map((a) => `'./src/${a}/app.ts'`).join(', ')}],`,
    '  database: process.env.DATABASE_URL,',
    '})',
    '',
  ].join('\n')
  return files
}

/** `drizzle-schema.ts`: the same final schema in drizzle-orm's pg-core. */
export function drizzleSource(model) {
  const out = []
  const used = new Set(['pgTable', 'serial'])
  const body = []
  for (const app of model.apps.values()) {
    if (model.enumUsed(app.name)) {
      used.add('pgEnum')
      body.push(`export const ${app.name}Status = pgEnum('${app.enumName}', [${ENUM_VALUES.map(lit).join(', ')}])`, '')
    }
  }
  for (const app of model.apps.values()) {
    for (const t of model.tablesOf(app.name)) {
      const name = camel(t.tablename)
      body.push(`export const ${name} = pgTable('${t.tablename}', {`, `  id: serial('id').primaryKey(),`)
      for (const c of t.columns) {
        let b
        const fn = {
          varchar: 'varchar',
          text: 'text',
          integer: 'integer',
          fk: 'integer',
          bigint: 'bigint',
          boolean: 'boolean',
          timestamptz: 'timestamp',
          numeric: 'numeric',
          uuid: 'uuid',
          jsonb: 'jsonb',
          date: 'date',
        }[c.kind]
        if (fn) used.add(fn)
        if (c.kind === 'varchar') b = `varchar('${c.db}', { length: ${c.length} })`
        else if (c.kind === 'bigint') b = `bigint('${c.db}', { mode: 'number' })`
        else if (c.kind === 'timestamptz') b = `timestamp('${c.db}', { withTimezone: true })`
        else if (c.kind === 'numeric') b = `numeric('${c.db}', { precision: ${c.digits[0]}, scale: ${c.digits[1]} })`
        else if (c.kind === 'enum') b = `${app.name}Status('${c.db}')`
        else b = `${fn}('${c.db}')`
        if (!c.null) b += '.notNull()'
        const def = drizzleDefault(c)
        if (def?.now) b += '.defaultNow()'
        else if (def) b += `.default(${lit(def.value)})`
        if (c.unique) b += `.unique('${c.dzUniqueName}')`
        if (c.fk) {
          const target = model.tables.get(c.fk.target)
          b += `.references((): AnyPgColumn => ${camel(target.tablename)}.id, { onDelete: '${c.fk.onDelete}', onUpdate: 'cascade' })`
          used.add('type AnyPgColumn')
        }
        body.push(`  ${c.prop}: ${b},`)
      }
      const extra = [
        ...t.columns.filter((c) => c.index).map((c) => `index('${c.dzIndexName}').on(t.${c.prop})`),
        ...t.composites.map((k) => `${k.kind}('${k.dzName}').on(${k.props.map((p) => `t.${p}`).join(', ')})`),
      ]
      if (t.columns.some((c) => c.index) || t.composites.some((k) => k.kind === 'index')) used.add('index')
      if (t.composites.some((k) => k.kind === 'unique')) used.add('unique')
      body.push(extra.length ? `}, (t) => [${extra.join(', ')}])` : '})', '')
    }
  }
  out.push(`import { ${[...used].sort().join(', ')} } from 'drizzle-orm/pg-core'`, '', ...body)
  return out.join('\n')
}
