/**
 * The Vite plugin, built from the same factory as the others but without unplugin: Vite runs the
 * hooks the factory writes (Rollup's, with hook filters, plus the `vite` ones) as they are, and not
 * importing unplugin and what it brings for the other bundlers spares every `vite build` and
 * `vite dev` start a good part of the plugin's cost (see bench/).
 *
 * What unplugin's Vite adapter does besides merging `vite` into the plugin is filter `resolveId`
 * and `load` in JS for Vite versions without hook filters (before 6.3): the handlers here check the
 * id themselves, so those versions get the same behaviour.
 */
import type { UnpluginContextMeta } from 'unplugin'
import type { Plugin } from 'vite'
import { unpluginFactory } from './factory.js'
import type { Options } from './options.js'

export type { OnDiff, Options } from './options.js'

/** What the factory writes for other bundlers, or only for unplugin. */
const NOT_FOR_VITE = new Set([
  'rollup',
  'rolldown',
  'esbuild',
  'webpack',
  'rspack',
  'rsbuild',
  'unloader',
  'farm',
  'bun',
  'loadInclude',
  'transformInclude',
])

/**
 * The plugin for `vite.config.ts`.
 * @example
 * import AutoMigrations from 'unplugin-auto-migrations/vite'
 * export default defineConfig({ plugins: [AutoMigrations()] })
 */
export function vitePlugin(options?: Options): Plugin {
  const meta = { framework: 'vite', versions: {} } as UnpluginContextMeta
  const { vite, ...common } = unpluginFactory(options, meta)
  const hooks: Record<string, unknown> = { ...common }
  for (const key of Object.keys(hooks)) if (NOT_FOR_VITE.has(key)) delete hooks[key]
  // The factory's hooks are Rollup's with unplugin's `this` type; at run time Vite's context has
  // everything they use (getNativeBuildContext is optional-chained: unplugin's own).
  return Object.assign(hooks, vite, { name: common.name }) as unknown as Plugin
}
