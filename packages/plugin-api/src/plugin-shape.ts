import { PluginVersionError } from './errors/plugin-errors.ts';

/** The specification versions of each contract this package defines. */
export const supportedSpecificationVersions = Object.freeze(['v1'] as const);

/** The methods each contract requires; optional capabilities are not checked here. */
const requiredMethods = {
  authenticator: ['authenticate'],
  storage: ['openSession'],
  sharedState: [
    'acquireSession',
    'releaseSession',
    'isBanned',
    'recordLoginFailure',
    'quotaUsage',
    'setQuotaUsage',
    'reserveQuota',
    'commitQuota',
    'releaseQuota',
    'acquireUploadLock',
    'releaseUploadLock',
  ],
} as const;

/** What is wrong with an object offered as a plugin. */
export type PluginShapeProblem =
  | { readonly problem: 'not-an-object'; readonly got: string }
  | { readonly problem: 'missing-method'; readonly method: string };

/**
 * Checks that `value` implements the `contract` (an authenticator, a storage connector or a shared state) of a specification version
 * this package knows. Throws `PluginVersionError` for another version; returns the first shape problem, or undefined,
 * so callers word the error for their setting (a server option, a config key). Used by the server at start and by
 * the app when it loads plugins by package name.
 */
export function findPluginShapeProblem(
  contract: keyof typeof requiredMethods,
  value: unknown,
  name: string | undefined,
): PluginShapeProblem | undefined {
  if (typeof value !== 'object' || value === null) return { problem: 'not-an-object', got: value === null ? 'null' : typeof value };
  const record = value as Record<string, unknown>;
  const pluginName = name ?? (typeof record.name === 'string' ? record.name : contract);
  if (!(supportedSpecificationVersions as readonly unknown[]).includes(record.specificationVersion)) {
    throw new PluginVersionError(pluginName, record.specificationVersion, supportedSpecificationVersions);
  }
  const method = requiredMethods[contract].find((candidate) => typeof record[candidate] !== 'function');
  return method === undefined ? undefined : { problem: 'missing-method', method };
}
