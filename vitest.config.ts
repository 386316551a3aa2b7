import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The load test runs on its own afterwards: vitest.load.config.ts.
    exclude: [...configDefaults.exclude, 'test/load/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each file opens its own databases; PGlite restores a migrated dump in ~2 s.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
