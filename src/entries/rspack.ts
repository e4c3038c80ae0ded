import { unplugin } from '../plugin/index.js'
const rspack = unplugin.rspack
export { rspack as default, rspack as 'module.exports' }
