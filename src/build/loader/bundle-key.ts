/**
 * What bundle.ts and kept-bundles.ts share: the import graph of a bundle, and the part of a request
 * that names its bundle (a kept bundle is found by these). Apart, so that the two don't import each other.
 */

/** Absolute file → the absolute local files it imports (packages are external and not listed). */
export type ModuleGraph = ReadonlyMap<string, readonly string[]>

/** The settings of a `BundleRequest` that decide what esbuild builds, and where and under which key it is kept. */
export interface BundleKey {
  /** Absolute paths of the files to load; each one's namespace is returned in the same order. */
  files: readonly string[]
  /**
   * Folder for the temporary module. Bare imports (packages) resolve from here, so it belongs in
   * the user's `node_modules` (`<root>/node_modules/.auto-migrations`): that also keeps it out of
   * dev-server watchers, which ignore `node_modules`.
   */
  tempDir: string
  /** esbuild's working directory; metafile and error paths are relative to it. */
  cwd: string
  /**
   * Keep functions' and classes' `.name` although bundling renames clashing top-level names (two
   * files' `class Tag` become `Tag` and `Tag2`). Table classes are identified by their name, so
   * this is on by default; migrations, which only export data and `forwards`, turn it off (faster).
   */
  keepNames?: boolean | undefined
  /**
   * Take only these exports of each file (migrations: ID, DESCRIPTION, forwards) rather than its
   * whole namespace. esbuild then links them directly, without a namespace object and a getter per
   * export to create and compile: measurably faster with thousands of files. A missing export is
   * `undefined`, as in a namespace.
   */
  pick?: readonly string[] | undefined
  /** Names the cached result and the bundle kept on disk (see `LoaderCache`, `persist`). */
  cacheKey?: string | undefined
}
