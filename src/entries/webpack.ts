import { unplugin } from '../plugin/index.js'
const webpack = unplugin.webpack
export { webpack as default, webpack as 'module.exports' }
