/**
 * The extensions the embedded database loads. PGlite ships Postgres' contrib extensions as separate
 * modules (`@electric-sql/pglite/contrib/<name>`) and `CREATE EXTENSION` fails (0A000) for one that
 * was not given to `PGlite.create`. Loading each one costs time at every open, so a database opens
 * with the ones its apps declare (and the ones it holds already); without a list, with all of them.
 *
 * Left out: `pg_stat_statements`, which asks to be preloaded and writes that into the data
 * directory's postgresql.conf (any later open without it fails), and the server diagnostics
 * (amcheck, pageinspect, buffer and WAL inspection...), which no schema needs and would only slow
 * every open down. A migration that needs one of those, or one PGlite does not ship at all
 * (pgvector, PostGIS...), gets an error saying to use a Postgres server.
 */
import type { Extension } from '@electric-sql/pglite'

/** Each import is spelled out, so that bundlers of a server see them. */
const CONTRIB: Record<string, () => Promise<Record<string, Extension>>> = {
  bloom: () => import('@electric-sql/pglite/contrib/bloom'),
  btree_gin: () => import('@electric-sql/pglite/contrib/btree_gin'),
  btree_gist: () => import('@electric-sql/pglite/contrib/btree_gist'),
  citext: () => import('@electric-sql/pglite/contrib/citext'),
  cube: () => import('@electric-sql/pglite/contrib/cube'),
  dict_int: () => import('@electric-sql/pglite/contrib/dict_int'),
  dict_xsyn: () => import('@electric-sql/pglite/contrib/dict_xsyn'),
  earthdistance: () => import('@electric-sql/pglite/contrib/earthdistance'),
  fuzzystrmatch: () => import('@electric-sql/pglite/contrib/fuzzystrmatch'),
  hstore: () => import('@electric-sql/pglite/contrib/hstore'),
  intarray: () => import('@electric-sql/pglite/contrib/intarray'),
  isn: () => import('@electric-sql/pglite/contrib/isn'),
  lo: () => import('@electric-sql/pglite/contrib/lo'),
  ltree: () => import('@electric-sql/pglite/contrib/ltree'),
  moddatetime: () => import('@electric-sql/pglite/contrib/moddatetime'),
  pg_trgm: () => import('@electric-sql/pglite/contrib/pg_trgm'),
  pgcrypto: () => import('@electric-sql/pglite/contrib/pgcrypto'),
  seg: () => import('@electric-sql/pglite/contrib/seg'),
  tablefunc: () => import('@electric-sql/pglite/contrib/tablefunc'),
  tcn: () => import('@electric-sql/pglite/contrib/tcn'),
  tsm_system_rows: () => import('@electric-sql/pglite/contrib/tsm_system_rows'),
  tsm_system_time: () => import('@electric-sql/pglite/contrib/tsm_system_time'),
  unaccent: () => import('@electric-sql/pglite/contrib/unaccent'),
  uuid_ossp: () => import('@electric-sql/pglite/contrib/uuid_ossp'),
}

/** The module key of an extension's SQL name (`uuid-ossp` is `uuid_ossp`). */
const moduleKey = (name: string) => name.replaceAll('-', '_')

/**
 * The extensions to give `PGlite.create`, by their SQL names (`uuid-ossp`, `pg_trgm`...): those of
 * `names` that PGlite ships (the others fail at CREATE EXTENSION, with `explainMissingExtension`),
 * or all of them when `names` is undefined.
 */
export async function embeddedExtensions(names?: readonly string[]): Promise<Record<string, Extension>> {
  const loaders =
    names === undefined
      ? Object.values(CONTRIB)
      : [...new Set(names.map(moduleKey))].flatMap((key) => (CONTRIB[key] ? [CONTRIB[key]] : []))
  const modules = await Promise.all(loaders.map((load) => load()))
  const extensions: Record<string, Extension> = {}
  for (const module of modules) for (const extension of Object.values(module)) extensions[extension.name] = extension
  return extensions
}

/** The SQL names of the extensions the embedded database loads. */
export const EMBEDDED_EXTENSIONS: readonly string[] = Object.keys(CONTRIB).map((key) =>
  key === 'uuid_ossp' ? 'uuid-ossp' : key,
)

const EXPLAINED = Symbol.for('unplugin-auto-migrations/extension-explained')

/**
 * `CREATE EXTENSION x` refused by the embedded database (0A000 "extension "x" is not available"):
 * the error's message says which extension, that the embedded database does not have it, and the
 * way out. The error itself (class, code, fields) is kept, so a run reports it as any other.
 */
export function explainMissingExtension(error: unknown): void {
  const e = error as { code?: unknown; message?: unknown; [EXPLAINED]?: true } | undefined
  if (e?.code !== '0A000' || typeof e.message !== 'string' || e[EXPLAINED]) return
  const match = /^extension "(.+)" is not available/.exec(e.message)
  if (!match) return
  e[EXPLAINED] = true
  const name = match[1]!
  ;(e as { message: string }).message = EMBEDDED_EXTENSIONS.includes(name)
    ? `${e.message}: the embedded database (PGlite) ships extension "${name}" but was opened without it. ` +
      `Declare it in the app that uses it (defineApp({ extensions: ['${name}'] })), which also writes its ` +
      'addExtension, then run again (restart a dev server that has the database open).'
    : `${e.message}: the embedded database (PGlite) does not ship extension "${name}" ` +
      `(it has ${EMBEDDED_EXTENSIONS.join(', ')}). Use a Postgres server that has "${name}" installed ` +
      `(set DATABASE_URL, or database in migrations.config.ts).`
}

/** Of the extensions a database holds (`pg_extension`), the ones to load that `loaded` lacks. */
export function missingFrom(installed: readonly string[], loaded: Record<string, Extension>): string[] {
  const names = new Set(Object.keys(loaded))
  return installed.filter((name) => EMBEDDED_EXTENSIONS.includes(name) && !names.has(name))
}
