import { unplugin } from '../plugin/index.js'
const rollup = unplugin.rollup
export { rollup as default, rollup as 'module.exports' }
