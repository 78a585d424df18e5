import { defineConfig } from 'vitest/config';

// The unit project alone, for Stryker (npm run test:mutation): its vitest runner takes a config
// file but no project name, and the unit tests need no local cluster. The longer test timeout is
// for the chart-schema tests (ajv compiles each schema), which can take over 5 s on a busy machine.
export default defineConfig({
  test: { include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 },
});
