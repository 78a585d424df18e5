import { defineConfig } from 'vitest/config';

// Three projects: fast pure tests, tests against real processes (etcd, helm, the GitHub
// stand-in), and end-to-end runs on the local cluster (one file at a time: they share it).
export default defineConfig({
  test: {
    projects: [
      // The chart-schema tests compile seven large JSON schemas with ajv: seconds on a loaded machine, not a hang.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
