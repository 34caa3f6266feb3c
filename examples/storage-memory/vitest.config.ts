import { defineConfig } from 'vitest/config';

// Used when the plugin's tests run on their own (`npm test` in this directory), as in the plugin's own repository.
// In the monorepo, the root vitest.config.ts runs them instead.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000 },
});
