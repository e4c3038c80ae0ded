/**
 * `defineApp` and `defineConfig`: the declarations users write in `app.ts` and
 * `migrations.config.ts`. They only describe; the loader and the registry give them meaning.
 */
import type { TableClass } from './columns.js'
import type { DatabaseOption } from '../runtime/engines/engine.js'
import type { SqlFunction } from './functions.js'
import type { ViewClass } from './views.js'

export interface AppDefinition {
  /** The app's name: unique in the project, used in migration file names and the history table. */
  name: string
  /** The app's table classes, registered explicitly (as in Piccolo). */
  tables: TableClass[]
  /** Folder of the app's migrations, relative to the app file. Default './migrations'. */
  migrationsDir?: string
  /** Apps whose migrations run before this app's (app objects or names). */
  dependencies?: (App | string)[]
  /** Postgres extensions the app's schema uses (`['citext', 'pg_trgm']`), created by its migrations. */
  extensions?: string[]
  /** The app's View and MaterializedView classes. */
  views?: ViewClass[]
  /** The app's functions (`sqlFunction(name, sql)`), created before the triggers and views that call them. */
  functions?: SqlFunction[]
}

export interface App {
  readonly kind: 'app'
  readonly name: string
  readonly tables: readonly TableClass[]
  readonly migrationsDir: string
  readonly dependencies: readonly string[]
  /** Absent in apps made before these existed: read as empty. */
  readonly extensions?: readonly string[]
  readonly views?: readonly ViewClass[]
  readonly functions?: readonly SqlFunction[]
}

export function defineApp(definition: AppDefinition): App {
  return {
    kind: 'app',
    name: definition.name,
    tables: [...definition.tables],
    migrationsDir: definition.migrationsDir ?? './migrations',
    dependencies: (definition.dependencies ?? []).map((d) => (typeof d === 'string' ? d : d.name)),
    extensions: [...(definition.extensions ?? [])],
    views: [...(definition.views ?? [])],
    functions: [...(definition.functions ?? [])],
  }
}

export interface ConfigDefinition {
  /** App files, relative to the config file. */
  apps: string[]
  /** Connection string, pg pool config, `{ pglite: dir }`, an engine; undefined: the embedded database. */
  database?: DatabaseOption
  /** Schema of the history table. Default 'public'. */
  historySchema?: string
}

export interface Config extends ConfigDefinition {
  readonly kind: 'config'
}

export function defineConfig(definition: ConfigDefinition): Config {
  return { kind: 'config', ...definition }
}
