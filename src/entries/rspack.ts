import { unplugin } from '../plugin/index.js'

export type { OnDiff, Options } from '../plugin/options.js'

const rspack = unplugin.rspack
export { rspack as default, rspack as 'module.exports' }
