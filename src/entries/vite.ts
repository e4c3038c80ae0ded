import { unplugin } from '../plugin/index.js'
const vite = unplugin.vite
export { vite as default, vite as 'module.exports' }
