import { unplugin } from '../plugin/index.js'

export type { OnDiff, Options } from '../plugin/options.js'

const rolldown = unplugin.rolldown
export { rolldown as default, rolldown as 'module.exports' }
