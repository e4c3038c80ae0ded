import { vitePlugin } from '../plugin/vite.js'

export type { OnDiff, Options } from '../plugin/options.js'

export { vitePlugin as default, vitePlugin as 'module.exports' }
