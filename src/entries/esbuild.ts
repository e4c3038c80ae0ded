import { unplugin } from '../plugin/index.js'

export type { OnDiff, Options } from '../plugin/options.js'

const esbuild = unplugin.esbuild
export { esbuild as default, esbuild as 'module.exports' }
