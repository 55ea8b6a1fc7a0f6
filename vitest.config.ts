import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites that start real processes or servers share two cores; keep them from starving each other.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
