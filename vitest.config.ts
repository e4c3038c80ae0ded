import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default on 2 cores is one worker. Most tests wait on Postgres, PGlite or a child
    // process, so a third worker shortens the suite without starving the CPU-bound ones.
    maxWorkers: 3,
  },
})
