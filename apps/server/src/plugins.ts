import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPluginShapeProblem, type Authenticator, type PluginEnvironment, type StorageConnector } from '@ftp/plugin-api';
import { ConfigError, withConfigKeyPrefix } from './config-error.ts';
import { resolvePluginEntry } from './package-resolution.ts';

/** The second argument of a plugin package's factory (the contract's type, re-exported for the app's modules). */
export type { PluginEnvironment } from '@ftp/plugin-api';

type PluginConfig = Readonly<Record<string, unknown>>;
type Factory = (config: PluginConfig, environment: PluginEnvironment) => unknown;

/** Authenticator names that need no package. */
export const builtInAuthenticators: Readonly<
  Record<string, (config: PluginConfig, environment: PluginEnvironment) => Promise<Authenticator>>
> = {
  'no-auth': async (config) => {
    expectNoOptions('authenticatorConfig', config, 'no-auth');
    return (await import('@ftp/server')).createNoAuthAuthenticator();
  },
  passthrough: async (config) => {
    expectNoOptions('authenticatorConfig', config, 'passthrough');
    return (await import('@ftp/server')).createPassthroughAuthenticator();
  },
  local: async (config, environment) => {
    const { createLocalAuthenticator } = await import('@ftp/server');
    const usersFile = config.usersFile;
    const resolved =
      typeof usersFile === 'string' && usersFile !== '' ? { usersFile: resolve(environment.configDirectory, usersFile) } : {};
    return withConfigKeyPrefix('authenticatorConfig', () => createLocalAuthenticator({ ...config, ...resolved }));
  },
  'http-basic': (config, environment) => httpAuthenticator('http-basic', 'basic', config, environment),
  'http-digest': (config, environment) => httpAuthenticator('http-digest', 'digest', config, environment),
  'http-bearer': (config, environment) => httpAuthenticator('http-bearer', 'bearer', config, environment),
  webhook: (config, environment) => httpAuthenticator('webhook', 'webhook', config, environment),
};

/** The `@ftp/auth-http` authenticators by short name; the name fixes the scheme, so the config must not repeat it. */
async function httpAuthenticator(
  name: string,
  scheme: string,
  config: PluginConfig,
  environment: PluginEnvironment,
): Promise<Authenticator> {
  if (config.scheme !== undefined) throw new ConfigError('authenticatorConfig.scheme', `is implied by the name ${name}; remove it`);
  const { createAuthenticator } = await import('@ftp/auth-http');
  return withConfigKeyPrefix('authenticatorConfig', () => createAuthenticator({ ...config, scheme }, environment));
}

/** What the app counts of a built-in storage connector's own work (metrics), when it has metrics. */
export interface StorageHooks {
  /** The fs connector removed orphaned upload temporaries. */
  readonly onTemporariesReclaimed?: (reclaimed: { readonly files: number; readonly bytes: number }) => void;
}

type StorageFactory = (config: PluginConfig, environment: PluginEnvironment, hooks: StorageHooks) => Promise<StorageConnector>;

/** Storage connector names that need no package. */
export const builtInStorageConnectors: Readonly<Record<string, StorageFactory>> = {
  fs: async (config, environment, hooks) => {
    const { createFsStorage } = await import('@ftp/storage-fs');
    const root = config.root;
    if (typeof root !== 'string' || root === '') {
      throw new ConfigError('storageConfig.root', 'is required for the fs storage connector: a directory path (may contain {user})');
    }
    const absoluteRoot = isAbsolute(root) ? root : resolve(environment.configDirectory, root);
    const reporting = {
      logger: environment.logger,
      ...(hooks.onTemporariesReclaimed === undefined ? {} : { onTemporariesReclaimed: hooks.onTemporariesReclaimed }),
    };
    return withConfigKeyPrefix('storageConfig', () =>
      createFsStorage({ ...config, root: absoluteRoot, ...reporting } as Parameters<typeof createFsStorage>[0]),
    );
  },
  s3: async (config, environment) => {
    const { createStorageConnector } = await import('@ftp/storage-s3');
    return withConfigKeyPrefix('storageConfig', () => createStorageConnector(config, environment));
  },
};

/**
 * Creates the authenticator named in the config: a built-in (`no-auth`, `passthrough`, `local`) or a package that
 * exports `createAuthenticator(config, environment)` (or a default export that is that function). Throws
 * `ConfigError` when it cannot be found or built, and `PluginVersionError` for a specification other than v1.
 */
export async function loadAuthenticator(name: string, config: PluginConfig, environment: PluginEnvironment): Promise<Authenticator> {
  const builtIn = builtInAuthenticators[name];
  if (builtIn !== undefined) return builtIn(config, environment);
  const factory = await loadFactory('authenticator', name, 'createAuthenticator', environment, Object.keys(builtInAuthenticators));
  const plugin = await withConfigKeyPrefix('authenticatorConfig', () => factory(config, environment));
  return checkPlugin<Authenticator>('authenticator', name, plugin, 'authenticator');
}

/**
 * Creates the storage connector named in the config: a built-in (`fs`, `s3`) or a package that exports
 * `createStorageConnector(config, environment)` (or a default export that is that function).
 */
export async function loadStorageConnector(
  name: string,
  config: PluginConfig,
  environment: PluginEnvironment,
  hooks: StorageHooks = {},
): Promise<StorageConnector> {
  const builtIn = builtInStorageConnectors[name];
  if (builtIn !== undefined) return builtIn(config, environment, hooks);
  const factory = await loadFactory('storageConnector', name, 'createStorageConnector', environment, Object.keys(builtInStorageConnectors));
  const plugin = await withConfigKeyPrefix('storageConfig', () => factory(config, environment));
  return checkPlugin<StorageConnector>('storageConnector', name, plugin, 'storage');
}

async function loadFactory(
  key: string,
  specifier: string,
  factoryName: string,
  environment: PluginEnvironment,
  builtIns: readonly string[],
): Promise<Factory> {
  const directories = [...new Set([environment.configDirectory, process.cwd()])];
  const entry = resolvePluginEntry(specifier, directories);
  if (entry === undefined) {
    throw new ConfigError(
      key,
      `"${specifier}" is neither a built-in (${builtIns.join(', ')}) nor a package installed in ${directories.join(' or ')}`,
    );
  }
  let pluginModule: Record<string, unknown>;
  try {
    pluginModule = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(key, `cannot load "${specifier}" from ${entry}: ${(error as Error).message}`);
  }
  const defaultExport = pluginModule.default as Record<string, unknown> | undefined;
  // A CommonJS plugin imported from ESM shows its exports on `default`.
  const candidates = [pluginModule[factoryName], pluginModule.default, defaultExport?.[factoryName]];
  const factory = candidates.find((candidate) => typeof candidate === 'function');
  if (factory === undefined) {
    throw new ConfigError(key, `package "${specifier}" exports neither ${factoryName}() nor a default function`);
  }
  return factory as Factory;
}

function checkPlugin<T>(key: string, specifier: string, plugin: unknown, contract: 'authenticator' | 'storage'): T {
  const shape = findPluginShapeProblem(contract, plugin, specifier);
  if (shape?.problem === 'not-an-object') {
    throw new ConfigError(key, `the factory of "${specifier}" returned ${shape.got}, not a plugin object`);
  }
  if (shape?.problem === 'missing-method') {
    throw new ConfigError(key, `"${specifier}" returned a plugin without the required method ${shape.method}()`);
  }
  return plugin as T;
}

function expectNoOptions(key: string, config: PluginConfig, name: string): void {
  const [first] = Object.keys(config);
  if (first !== undefined) throw new ConfigError(`${key}.${first}`, `the ${name} authenticator takes no options`);
}
