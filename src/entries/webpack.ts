import { unplugin } from '../plugin/index.js'

export type { OnDiff, Options } from '../plugin/options.js'

const webpack = unplugin.webpack
export { webpack as default, webpack as 'module.exports' }
