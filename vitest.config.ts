import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources of our own packages, so a change in one package is seen by the
// tests of every package that uses it without a rebuild. Built output is only needed by tests that spawn the CLI.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@ftp\/protocol$/, replacement: source('./packages/protocol/src/index.ts') },
      { find: /^@ftp\/plugin-api$/, replacement: source('./packages/plugin-api/src/index.ts') },
      { find: /^@ftp\/plugin-api\/password$/, replacement: source('./packages/plugin-api/src/password/index.ts') },
      { find: /^@ftp\/plugin-api\/testing$/, replacement: source('./packages/plugin-api/src/testing/index.ts') },
      { find: /^@ftp\/server\/testing$/, replacement: source('./packages/server/src/testing/index.ts') },
      { find: /^@ftp\/server$/, replacement: source('./packages/server/src/index.ts') },
      { find: /^@ftp\/storage-fs$/, replacement: source('./packages/storage-fs/src/index.ts') },
      { find: /^@ftp\/auth-http$/, replacement: source('./packages/auth-http/src/index.ts') },
      { find: /^@ftp\/storage-s3$/, replacement: source('./packages/storage-s3/src/index.ts') },
      { find: /^@ftp\/storage-mounts$/, replacement: source('./packages/storage-mounts/src/index.ts') },
      { find: /^@ftp\/store-postgres$/, replacement: source('./packages/store-postgres/src/index.ts') },
      { find: /^@ftp\/admin$/, replacement: source('./packages/admin/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/packaging/**/*.test.ts',
      'test/architecture/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    restoreMocks: true,
    pool: 'forks',
  },
});
