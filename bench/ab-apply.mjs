#!/usr/bin/env node
/**
 * The apply of two builds of the runner side by side, interleaved: each round applies the
 * 2,000-migration project with build A, build B and the peers (Kysely, node-pg-migrate, from A's
 * checkout), each on a fresh database in a fresh process (the bench's own lib/apply-worker.mjs of
 * each checkout), the order rotated every round. Steadier than two `--only apply` runs on a machine
 * whose load drifts: it reports the median of the paired differences B − A.
 *
 *   node bench/ab-apply.mjs <rounds> <checkout A> <checkout B>
 *
 * Each checkout: built (`npm run build`), with node_modules, and the generated project in its own
 * bench/.work (`cp -al` of this one's is enough: the migration files import the package by name,
 * and must find that checkout's dist/).
 */
import path from 'node:path'
import { fmtMs, load, runNodeJson, summary } from './lib/measure.mjs'
import { freshDatabase } from './lib/pgdb.mjs'

const [roundsArg, a, b] = process.argv.slice(2)
if (!a || !b) {
  console.error('usage: node bench/ab-apply.mjs <rounds> <checkout A> <checkout B>')
  process.exit(2)
}
const rounds = Number(roundsArg)
const project = (root) => path.join(path.resolve(root), 'bench/.work/large-2000-s1')
const arms = { A: [a, 'ours'], B: [b, 'ours'], kysely: [a, 'kysely'], 'node-pg-migrate': [a, 'node-pg-migrate'] }
const names = Object.keys(arms)
const res = Object.fromEntries(names.map((n) => [n, []]))
console.log(`A = ${a}, B = ${b}; load ${load()}`)
for (let r = 0; r < rounds; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length])
  if (r % 2) order.reverse()
  for (const name of order) {
    const [root, tool] = arms[name]
    const dir = project(root)
    const db = await freshDatabase(`ab_${name}`)
    try {
      const out = await runNodeJson(path.join(path.resolve(root), 'bench/lib/apply-worker.mjs'), [tool, dir, db.url], {
        cwd: dir,
        timeoutMs: 900_000,
      })
      if (out.json.migrations !== 2000) console.log(`!! ${name} applied ${out.json.migrations} migrations`)
      res[name].push(out.json.ms)
      console.log(`round ${r} ${name}: ${fmtMs(out.json.ms)}, ${out.json.queries} queries, load ${load()}`)
    } finally {
      await db.drop()
    }
  }
}
const s = Object.fromEntries(names.map((n) => [n, summary(res[n])]))
for (const n of names)
  console.log(`${n}: median ${fmtMs(s[n].median)} (${fmtMs(s[n].min)}–${fmtMs(s[n].max)}, n=${s[n].n})`)
const paired = summary(res.B.map((ms, k) => ms - res.A[k]))
console.log(
  `B − A, median of paired differences: ${fmtMs(paired.median)} (${fmtMs(paired.min)}–${fmtMs(paired.max)}); B slower in ${paired.values.filter((d) => d > 0).length} of ${paired.n}`,
)
const fastest = ['kysely', 'node-pg-migrate'].sort((x, y) => s[x].median - s[y].median)[0]
console.log(
  `fastest peer ${fastest}: A ${(s.A.median / s[fastest].median).toFixed(3)}×, B ${(s.B.median / s[fastest].median).toFixed(3)}×`,
)
console.log(`load ${load()}`)
console.log(JSON.stringify(res))
