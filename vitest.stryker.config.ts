import { defineConfig } from 'vitest/config';

// The unit project alone, for Stryker (npm run test:mutation): its vitest runner takes a config
// file but no project name, and the unit tests need no local cluster.
export default defineConfig({
  test: { include: ['test/unit/**/*.test.ts'] },
});
