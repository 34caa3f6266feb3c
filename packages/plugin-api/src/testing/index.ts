/**
 * `@ftp/plugin-api/testing`: the contract test kits for storage connectors, authenticators and shared states, and helpers for plugin tests.
 * Requires vitest (an optional peer dependency of this package); import it from test files only.
 *
 * @example
 * ```ts
 * import { runStorageConformance } from '@ftp/plugin-api/testing';
 * runStorageConformance('my-storage', async () => ({ connector: createMyStorage(), cleanup: async () => {} }));
 * ```
 * @module
 */
export { runStorageConformance, type StorageConformanceOptions, type StorageConformanceSubject } from './storage-conformance.ts';
export type { StorageConformanceCheck } from './conformance-fixture.ts';
export {
  runAuthenticatorConformance,
  type AuthenticatorConformanceCheck,
  type AuthenticatorConformanceOptions,
  type AuthenticatorConformanceSubject,
  type UnavailableAuthenticatorSubject,
} from './authenticator-conformance.ts';
export {
  runSharedStateConformance,
  type SharedStateConformanceCheck,
  type SharedStateConformanceOptions,
  type SharedStateConformanceSubject,
} from './shared-state-conformance.ts';
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
