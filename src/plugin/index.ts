/**
 * The plugin for every bundler but Vite, through unplugin (Vite's is built without it: vite.ts).
 */
import { createUnplugin } from 'unplugin'
import { unpluginFactory } from './factory.js'

export type { OnDiff, Options } from './options.js'
export { unpluginFactory } from './factory.js'

export const unplugin = /* #__PURE__ */ createUnplugin(unpluginFactory)

export default unplugin
