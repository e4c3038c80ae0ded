import { unplugin } from '../plugin/index.js'

export type { OnDiff, Options } from '../plugin/options.js'

const vite = unplugin.vite
export { vite as default, vite as 'module.exports' }
