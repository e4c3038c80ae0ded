import { unplugin } from '../plugin/index.js'

export type { OnDiff, Options } from '../plugin/options.js'

const rollup = unplugin.rollup
export { rollup as default, rollup as 'module.exports' }
