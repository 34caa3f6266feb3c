import type { PluginConfig, PluginEnvironment, StorageConnector } from '@ftp/plugin-api';
import { z } from 'zod';
import { ConfigError, withConfigKeyPrefix } from './config-error.ts';
import { anyObject, flag, integer, mapOf, nonEmptyText, virtualPath } from './config-fields.ts';
import { builtInStorageSchemas } from './config-plugin-schemas.ts';
import { checkWithSchema, formatPath, type ConfigPath, type SchemaProblem } from './config-problems.ts';

/** The message of an object schema given something else than an object (its other problems keep theirs). */
function unlessObject(text: string) {
  return {
    error: (issue: { readonly code?: string; readonly input?: unknown }) =>
      issue.code === 'invalid_type' && issue.input !== undefined ? text : undefined,
  };
}

/** A mount's own quota (`MountQuota` of `@ftp/plugin-api`): its files count in the account `folder`. */
const mountQuotaSchema = z.strictObject(
  {
    folder: nonEmptyText("must be a non-empty string, the name of the quota's account"),
    maxBytes: integer(0, Number.MAX_SAFE_INTEGER).exactOptional(),
    maxFiles: integer(0, Number.MAX_SAFE_INTEGER).exactOptional(),
  },
  unlessObject('must be { folder, maxBytes?, maxFiles? }'),
);

/**
 * One mount of `storageConfig.mounts`: the name of a connector of `connectors`, or the mount with its options. A name
 * is read as `{ connector }`, so a problem inside the options is reported at its own key rather than as a mount that
 * matches neither form. The users command checks the mounts of a user record (`UserMounts`) with it too.
 */
export const mountSchema = z.preprocess(
  (value) => (typeof value === 'string' && value !== '' ? { connector: value } : value),
  z.strictObject(
    {
      connector: nonEmptyText(),
      rootDirectory: virtualPath().exactOptional(),
      crossMountRename: flag().exactOptional(),
      quota: mountQuotaSchema.exactOptional(),
    },
    unlessObject('must be a connector name or { connector, rootDirectory?, crossMountRename?, quota? }'),
  ),
);

/** `storageConfig` of `mounts` (`MountedStorageOptions` of `@ftp/storage-mounts`, connectors given by config). */
export const mountsOptionsSchema = z.strictObject({
  connectors: mapOf(nonEmptyText(), z.strictObject({ storageConnector: nonEmptyText(), storageConfig: anyObject().exactOptional() })),
  mounts: mapOf(virtualPath(), mountSchema),
  name: nonEmptyText().exactOptional(),
});

/** Loads one storage connector by name, as the app's plugin loader does. */
export type StorageLoader<Hooks> = (
  name: string,
  config: PluginConfig,
  environment: PluginEnvironment,
  hooks: Hooks,
) => Promise<StorageConnector>;

/**
 * The built-in storage `mounts`: several connectors, each configured as `storageConnector` and `storageConfig` are,
 * mounted into one user's tree (`@ftp/storage-mounts`). A mistake anywhere in it is a `ConfigError` naming the key by
 * its full path (`storageConfig.connectors.archive.storageConfig.bucket`).
 */
export async function createMountsStorage<Hooks>(
  config: PluginConfig,
  environment: PluginEnvironment,
  hooks: Hooks,
  load: StorageLoader<Hooks>,
): Promise<StorageConnector> {
  const options = checked(mountsOptionsSchema, config, ['storageConfig']);
  const connectors: Record<string, StorageConnector> = {};
  for (const [name, entry] of Object.entries(options.connectors)) {
    const at: ConfigPath = ['storageConfig', 'connectors', name];
    if (entry.storageConnector === 'mounts') {
      throw new ConfigError(formatPath([...at, 'storageConnector']), 'a mounted connector cannot be "mounts" itself');
    }
    const schema = Object.hasOwn(builtInStorageSchemas, entry.storageConnector)
      ? builtInStorageSchemas[entry.storageConnector as keyof typeof builtInStorageSchemas]
      : undefined;
    const storageConfig =
      schema === undefined ? (entry.storageConfig ?? {}) : checked(schema, entry.storageConfig ?? {}, [...at, 'storageConfig']);
    connectors[name] = await withNestedKeys(at, () => load(entry.storageConnector, storageConfig, environment, hooks));
  }
  const { createMountedStorage } = await import('@ftp/storage-mounts');
  return withConfigKeyPrefix('storageConfig', () =>
    createMountedStorage({ connectors, mounts: options.mounts, ...(options.name === undefined ? {} : { name: options.name }) }),
  );
}

/** `value` as `schema` outputs it, or a `ConfigError` with every problem at its full path under `at`. */
function checked<T extends z.ZodType>(schema: T, value: unknown, at: ConfigPath): z.output<T> {
  const result = checkWithSchema(schema, value);
  if (result.ok) return result.value;
  const problems = result.problems.map((problem: SchemaProblem) => ({ key: formatPath([...at, ...problem.path]), reason: problem.reason }));
  throw new ConfigError(problems as [(typeof problems)[number], ...typeof problems]);
}

/**
 * Runs a nested connector's loader, moving the keys of its errors under `at`: "storageConfig.root" and
 * "storageConnector" become "storageConfig.connectors.home.storageConfig.root" and "….home.storageConnector".
 */
async function withNestedKeys<T>(at: ConfigPath, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const moved = error.problems.map((problem) => ({ ...problem, key: `${formatPath(at)}.${problem.key}` }));
    throw new ConfigError(moved as [(typeof moved)[number], ...typeof moved]);
  }
}
