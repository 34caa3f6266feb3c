/**
 * `@ftp/plugin-api/testing`: the contract test kit for storage connectors and helpers for plugin tests.
 * Requires vitest (an optional peer dependency of this package); import it from test files only.
 *
 * @example
 * ```ts
 * import { runStorageConformance } from '@ftp/plugin-api/testing';
 * runStorageConformance('my-storage', async () => ({ connector: createMyStorage(), cleanup: async () => {} }));
 * ```
 * @module
 */
export {
  runStorageConformance,
  type StorageConformanceCheck,
  type StorageConformanceOptions,
  type StorageConformanceSubject,
} from './storage-conformance.ts';
export {
  collect,
  collectBytes,
  bytesFrom,
  textFrom,
  chunksOf,
  neverAbortedSignal,
  noAbort,
  createTestPluginContext,
  storageCodeOf,
  createDeferred,
  type Deferred,
} from './helpers.ts';
