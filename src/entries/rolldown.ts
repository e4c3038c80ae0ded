import { unplugin } from '../plugin/index.js'
const rolldown = unplugin.rolldown
export { rolldown as default, rolldown as 'module.exports' }
