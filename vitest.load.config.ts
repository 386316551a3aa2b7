import { defineConfig } from 'vitest/config'

/**
 * The load test (test/load/), run by `npm test` after the main suite and on its own: two minutes
 * of 50 concurrent requests would otherwise share the two cores with every other test file, and
 * measure them as much as the server.
 */
export default defineConfig({
  test: {
    include: ['test/load/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
  },
})
