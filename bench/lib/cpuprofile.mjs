/** Reads a V8 .cpuprofile: time by origin, top functions by self time (with our nearest caller), ours by inclusive time. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fmtMs } from './measure.mjs'

export function analyzeProfile(file, { REPO, title, top: topN = 30 }) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const shortUrl = (url) => {
    if (!url) return ''
    const u = url.replace(/^file:\/\//, '')
    if (u.includes('/node_modules/.auto-migrations/')) return 'migration bundle'
    if (u.startsWith(REPO)) return path.relative(REPO, u)
    return u.replace(/^.*node_modules\//, '')
  }
  const keyOf = (n) =>
    `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`
  const origin = (n) => {
    const url = n.callFrame.url ?? ''
    const fn = n.callFrame.functionName
    if (fn === '(garbage collector)') return 'garbage collector'
    if (fn === '(program)' || fn === '(idle)' || fn === '(root)') return `V8 ${fn} (compile, parse, idle)`
    if (url.includes('/node_modules/.auto-migrations/')) return 'migration bundle (forwards() and the manager calls)'
    if (url.includes('node_modules/esbuild')) return 'esbuild (JS side of the service)'
    if (url.startsWith('node:') || url === '') return 'Node internals (fs, module loader, streams)'
    if (url.includes(`${REPO}/dist/`)) return 'our code (dist/)'
    if (url.includes('/node_modules/')) return `package ${url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')}`
    return 'other'
  }

  const self = new Map()
  /** self-time key → Map(nearest caller of ours → ms): who to blame for time spent in Node or a package */
  const callers = new Map()
  const ours = (n) =>
    (n.callFrame.url ?? '').includes(`${REPO}/dist/`) ||
    (n.callFrame.url ?? '').includes('/node_modules/.auto-migrations/')
  const inclusive = new Map()
  const origins = new Map()
  let sampled = 0
  profile.samples.forEach((id, at) => {
    const delta = (profile.timeDeltas[at] ?? 0) / 1000
    sampled += delta
    const node = byId.get(id)
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + delta)
    origins.set(origin(node), (origins.get(origin(node)) ?? 0) + delta)
    let caller = node
    while (caller && !ours(caller)) caller = byId.get(parent.get(caller.id))
    if (!callers.has(keyOf(node))) callers.set(keyOf(node), new Map())
    const by = callers.get(keyOf(node))
    const callerKey = caller ? keyOf(caller) : '(none)'
    by.set(callerKey, (by.get(callerKey) ?? 0) + delta)
    const seen = new Set()
    for (let n = node; n; n = byId.get(parent.get(n.id))) {
      const k = keyOf(n)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + delta)
    }
  })
  const top = (map, n, filter = () => true) =>
    [...map]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
  const byKey = new Map(profile.nodes.map((n) => [keyOf(n), n]))
  const pct = (ms) => `${Math.round((100 * ms) / sampled)}%`
  const prof = [
    `## ${title}`,
    '',
    `Profile file: ${path.relative(REPO, file)} (open in Chrome DevTools → Performance); ${fmtMs(sampled)} sampled.`,
    '',
    '### Time by origin (self time)',
    '',
    '| origin | time | share |',
    '| --- | --- | --- |',
    ...top(origins, 20).map(([k, v]) => `| ${k} | ${fmtMs(v)} | ${pct(v)} |`),
    '',
    '### Top functions by self time',
    '',
    '| function | self | share | mostly under (our nearest frame) |',
    '| --- | --- | --- | --- |',
    ...top(self, topN).map(([k, v]) => {
      const [caller, ms] = [...(callers.get(k) ?? [])].sort((a, b) => b[1] - a[1])[0] ?? ['', 0]
      return `| \`${k}\` | ${fmtMs(v)} | ${pct(v)} | ${ours(byKey.get(k) ?? { callFrame: {} }) ? '' : `\`${caller}\` (${fmtMs(ms)})`} |`
    }),
    '',
    '### Our functions by inclusive time (dist/)',
    '',
    '| function | inclusive | share |',
    '| --- | --- | --- |',
    ...top(inclusive, 40, (k) => k.includes(' dist/')).map(([k, v]) => `| \`${k}\` | ${fmtMs(v)} | ${pct(v)} |`),
    '',
  ]
  return prof
}
