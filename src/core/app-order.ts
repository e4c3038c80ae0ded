/**
 * The order of apps: each after the apps it depends on. The registry orders the project's apps with
 * it and the runtime the apps it is given, with the same errors (APP_CYCLE, APP_MISSING).
 */
import { AutoMigrationsError } from '../errors.js'
import { dependencyOrder } from './graph.js'

/** Apps after the apps they depend on, otherwise by name (the registry's order, and the runner's). */
export function orderByDependencies<A extends { readonly name: string; readonly dependencies: readonly string[] }>(
  apps: readonly A[],
): A[] {
  return dependencyOrder(
    apps.map((app) => ({ name: app.name, needs: app.dependencies, app })),
    {
      cycle: (cycle) =>
        new AutoMigrationsError(
          'APP_CYCLE',
          `App dependencies form a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`,
          { app: cycle[0], cycle },
        ),
      missing: (app, dep) =>
        new AutoMigrationsError('APP_MISSING', `App "${app}" depends on "${dep}", which is not registered.`, { app }),
    },
  ).map((node) => node.app)
}
