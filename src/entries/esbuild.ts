import { unplugin } from '../plugin/index.js'
const esbuild = unplugin.esbuild
export { esbuild as default, esbuild as 'module.exports' }
