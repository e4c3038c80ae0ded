/** A small seeded PRNG (mulberry32) and helpers: the generator must give the same project for the same seed. */
export function createRandom(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min, max) => min + Math.floor(next() * (max - min + 1))
  const pick = (items) => items[Math.floor(next() * items.length)]
  const chance = (p) => next() < p
  /** Picks a key of `weights` ({ key: weight }) in proportion to its weight; undefined when all are 0. */
  const weighted = (weights) => {
    const entries = Object.entries(weights).filter(([, w]) => w > 0)
    const total = entries.reduce((sum, [, w]) => sum + w, 0)
    if (total <= 0) return undefined
    let at = next() * total
    for (const [key, w] of entries) {
      at -= w
      if (at < 0) return key
    }
    return entries[entries.length - 1][0]
  }
  const shuffle = (items) => {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[out[i], out[j]] = [out[j], out[i]]
    }
    return out
  }
  /** A UUID-shaped string from the stream (drizzle snapshot ids). */
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  }
  return { next, int, pick, chance, weighted, shuffle, uuid }
}
