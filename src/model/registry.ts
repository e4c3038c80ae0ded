/**
 * The registry: the project's apps, validated and ordered so that every app comes after its
 * dependencies. It also answers "which app registers this table class?".
 */
import { orderByDependencies } from '../core/app-order.js'
import { closure } from '../core/graph.js'
import { AutoMigrationsError } from '../errors.js'
import type { TableClass } from './columns.js'
import type { App } from './define.js'

export interface RegisteredApp extends App {
  /** Absolute path of the app file, when loaded from disk. */
  readonly file?: string
  /** Absolute path of the migrations folder, when loaded from disk. */
  readonly migrationsPath?: string
}

export interface Registry {
  /** Apps in dependency order (dependencies first; ties by name, for a stable order). */
  readonly apps: readonly RegisteredApp[]
  appOf(table: TableClass): RegisteredApp | undefined
  get(name: string): RegisteredApp | undefined
}

export function createRegistry(apps: readonly RegisteredApp[]): Registry {
  const byName = new Map<string, RegisteredApp>()
  for (const app of apps) {
    if (app?.kind !== 'app' || !app.name) {
      throw new AutoMigrationsError(
        'INVALID_APP',
        `An app file does not default-export defineApp({...})${app?.file ? `: ${app.file}` : ''}.`,
        { file: app?.file },
      )
    }
    const other = byName.get(app.name)
    if (other) {
      throw new AutoMigrationsError(
        'APP_DUPLICATE',
        `Two apps are named "${app.name}"${other.file && app.file ? ` (${other.file} and ${app.file})` : ''}. Give each app a unique name.`,
        { app: app.name },
      )
    }
    byName.set(app.name, app)
  }
  const tableApp = new Map<TableClass, RegisteredApp>()
  for (const app of apps) {
    for (const table of app.tables) {
      const other = tableApp.get(table)
      if (other && other !== app) {
        throw new AutoMigrationsError(
          'TABLE_IN_TWO_APPS',
          `Table ${table.name} is registered in two apps, "${other.name}" and "${app.name}". Register it in one app only.`,
          { table: table.name, app: app.name },
        )
      }
      tableApp.set(table, app)
    }
  }
  for (const app of apps) {
    for (const dep of app.dependencies) {
      if (!byName.has(dep)) {
        throw new AutoMigrationsError(
          'APP_MISSING',
          `App "${app.name}" depends on "${dep}", which is not registered. Add its app file to "apps" in migrations.config.ts.`,
          { app: app.name, dependency: dep },
        )
      }
    }
  }
  const ordered = orderByDependencies(apps)
  return {
    apps: ordered,
    appOf: (table) => tableApp.get(table),
    get: (name) => byName.get(name),
  }
}

/** True when `app` depends on `other`, directly or through other apps. */
export function dependsOn(registry: Registry, app: string, other: string): boolean {
  return other !== app && closure(app, (name) => registry.get(name)?.dependencies).has(other)
}
