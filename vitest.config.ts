import { defineConfig } from 'vitest/config';

// Dawn is a native addon: run test files in forked processes, a few at a time on a 2-core machine.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['test/**/*.test.ts'],
  },
});
