/**
 * Which build of the tool this is: the package version and a hash of its sources, put in by the
 * build (tsup `define`, see tsup.config.ts); `source` when the sources run directly (tests). Caches
 * of derived data (replayed history, bundled config) are keyed by it, so a new version never reads
 * what an older one wrote.
 */
declare const __AUTO_MIGRATIONS_BUILD__: string | undefined

export const TOOL_BUILD: string = typeof __AUTO_MIGRATIONS_BUILD__ === 'string' ? __AUTO_MIGRATIONS_BUILD__ : 'source'

/**
 * The caches kept on disk (replayed history, bundled config and apps) are on unless
 * `AUTO_MIGRATIONS_CACHE` is 0, false, off or no (the CLI's `--no-cache` turns them off too).
 */
export function diskCachesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.AUTO_MIGRATIONS_CACHE?.trim().toLowerCase()
  return !(value === '0' || value === 'false' || value === 'off' || value === 'no')
}
