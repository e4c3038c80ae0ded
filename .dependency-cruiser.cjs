/**
 * The layers of src/ (docs/ARCHITECTURE.md), checked by `npm run lint`: no circular imports; a layer
 * imports only itself and the layers below it; the runtime never reaches build-time code.
 */

/**
 * Bottom to top. A layer may import itself and any layer of a lower rank, never one of the same
 * rank (siblings stay independent) or above.
 */
const LAYERS = [
  ['src/errors.ts', 'src/version.ts'],
  // graph.ts, app-order.ts, migration-graph.ts: orders and closures of named things.
  ['src/core/*.ts'],
  // Snapshot, naming, the `sql` tag, Queryable: no SQL strings, no operations.
  ['src/core/state/'],
  // SQL generation for Postgres: quoting, column types, defaults, constraints, indexes.
  ['src/core/postgres/'],
  // One class per operation, replay and plans, MigrationManager, source formatting.
  ['src/core/operations/'],
  ['src/core/differ/'],
  // Ships in users' server bundles.
  ['src/runtime/'],
  // What users write (its config names the runtime's database option).
  ['src/model/'],
  ['src/build/loader/', 'src/build/writer/'],
  ['src/build/project/'],
  ['src/plugin/', 'src/cli/'],
  // Entry points of the package.
  ['src/entries/', 'src/index.ts', 'src/runtime.ts'],
]

/** 'src/core/*.ts' → files directly in src/core; 'src/x/' → everything under it; else the file. */
const pattern = (layer) => {
  const escaped = layer.replace(/\./g, '\\.')
  if (layer.endsWith('/*.ts')) return `^${escaped.replace('/*\\.ts', '/[^/]+\\.ts$')}`
  if (layer.endsWith('/')) return `^${escaped}`
  return `^${escaped}$`
}
const anyOf = (layers) => `(${layers.map(pattern).join('|')})`

const layerRules = LAYERS.flatMap((rank, i) =>
  rank.map((layer) => ({
    name: `layer:${layer}`,
    comment: `${layer} imports only itself and the layers below it (see LAYERS).`,
    severity: 'error',
    from: { path: pattern(layer) },
    to: {
      path: '^src/',
      pathNot: anyOf([layer, ...LAYERS.slice(0, i).flat()]),
    },
  })),
)

/** Code that only builds and the CLI use: never in a user's server bundle. */
const BUILD_TIME = [
  '^src/(build|plugin|cli|entries)/',
  '^src/core/differ/',
  '^src/model/(registry|to-snapshot)\\.ts$',
  '(^|/)node_modules/(esbuild|vite|rollup|rolldown|webpack|@rspack|unplugin|magic-string|typescript)/',
]

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module imports itself through others (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'runtime-not-build-time',
      comment: 'The runtime ships in users’ bundles: nothing it reaches may be build-time code or a bundler.',
      severity: 'error',
      from: { path: '^src/(runtime/|runtime\\.ts$)' },
      to: { path: BUILD_TIME, reachable: true },
    },
    {
      name: 'in-a-layer',
      comment: 'Every file of src/ belongs to a layer: add a new folder to LAYERS.',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(LAYERS.flat()) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
}
