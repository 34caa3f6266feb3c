import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findPluginShapeProblem,
  type Authenticator,
  type PluginEnvironment,
  type SharedState,
  type StorageConnector,
} from '@ftp/plugin-api';
import type { AppConfig } from './config.ts';
import { ConfigError, withConfigKeyPrefix } from './config-error.ts';
import { createMountsStorage } from './mounts-storage.ts';
import { packageNameOf, resolvePluginUrl } from './package-resolution.ts';

/** The second argument of a plugin package's factory (the contract's type, re-exported for the app's modules). */
export type { PluginEnvironment } from '@ftp/plugin-api';

type PluginConfig = Readonly<Record<string, unknown>>;
type Factory = (config: PluginConfig, environment: PluginEnvironment) => unknown;

/** Authenticator names that need no package. Their configs have passed the schemas of config-plugin-schemas.ts (parseConfig). */
export const builtInAuthenticators: Readonly<
  Record<string, (config: PluginConfig, environment: PluginEnvironment) => Promise<Authenticator>>
> = {
  'no-auth': async () => (await import('@ftp/server')).createNoAuthAuthenticator(),
  passthrough: async () => (await import('@ftp/server')).createPassthroughAuthenticator(),
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

/** The `@ftp/auth-http` authenticators by short name; the name fixes the scheme. */
async function httpAuthenticator(
  name: string,
  scheme: string,
  config: PluginConfig,
  environment: PluginEnvironment,
): Promise<Authenticator> {
  const { createAuthenticator } = await importOptionalPackage<typeof import('@ftp/auth-http')>(
    'authenticator',
    name,
    '@ftp/auth-http',
    environment,
  );
  return withConfigKeyPrefix('authenticatorConfig', () => createAuthenticator({ ...config, scheme }, environment));
}

/** What the app counts of a built-in storage connector's own work (metrics), when it has metrics. */
export interface StorageHooks {
  /** The fs connector removed orphaned upload temporaries. */
  readonly onTemporariesReclaimed?: (reclaimed: { readonly files: number; readonly bytes: number }) => void;
}

type StorageFactory = (config: PluginConfig, environment: PluginEnvironment, hooks: StorageHooks) => Promise<StorageConnector>;

/** Storage connector names that need no package; their configs have passed their schemas too. */
export const builtInStorageConnectors: Readonly<Record<string, StorageFactory>> = {
  fs: async (config, environment, hooks) => {
    const { createFsStorage } = await import('@ftp/storage-fs');
    const root = config.root as string;
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
    const { createStorageConnector } = await importOptionalPackage<typeof import('@ftp/storage-s3')>(
      'storageConnector',
      's3',
      '@ftp/storage-s3',
      environment,
    );
    return withConfigKeyPrefix('storageConfig', () => createStorageConnector(config, environment));
  },
  // Several of these connectors mounted into one tree; its own schema checks the nested configs.
  mounts: (config, environment, hooks) => createMountsStorage(config, environment, hooks, loadStorageConnector),
};

/** Where this module is: the app's own `node_modules` (and those above it) come first for its optional packages. */
const appDirectory = fileURLToPath(new URL('.', import.meta.url));

/**
 * Imports a package that a built-in name needs but the app does not install itself (`@ftp/storage-s3` brings the
 * AWS SDK; most users never need it). It is looked up next to the app (installed with it, globally or with
 * `npx -p`), then like any plugin from the config directory and the working directory. Missing, it is a
 * `ConfigError` that names the package to install.
 */
async function importOptionalPackage<T>(key: string, name: string, packageName: string, environment: PluginEnvironment): Promise<T> {
  const directories = [...new Set([appDirectory, environment.configDirectory, process.cwd()])];
  const url = resolveOrExplain(key, packageName, directories);
  if (url === undefined) throw notInstalled(key, `"${name}" needs the package ${packageName}, which`, packageName, environment);
  return (await importModule(key, packageName, url)) as T;
}

/**
 * The app's optional peer packages, which a config may also name in full (`"authenticator": "@ftp/store-postgres"`):
 * looked up next to the app first, as for their short names, and named with the command to install when missing.
 */
const optionalPeerPackages: ReadonlySet<string> = new Set(['@ftp/auth-http', '@ftp/storage-s3', '@ftp/store-postgres']);

function notInstalled(key: string, subject: string, packageName: string, environment: PluginEnvironment): ConfigError {
  return new ConfigError(
    key,
    `${subject} is not installed: run "npm install ${packageName}" in ${environment.configDirectory} ` +
      `(or "npm install -g ${packageName}" when ftp-server is installed globally)`,
  );
}

/** Resolves a plugin specifier; a package that is found but does not resolve is a `ConfigError` with Node's reason. */
function resolveOrExplain(key: string, specifier: string, directories: readonly string[]): URL | undefined {
  try {
    return resolvePluginUrl(specifier, directories);
  } catch (error) {
    throw new ConfigError(key, `cannot resolve "${specifier}": ${(error as Error).message}`);
  }
}

async function importModule(key: string, specifier: string, url: URL): Promise<Record<string, unknown>> {
  try {
    return (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(key, `cannot load "${specifier}" from ${fileURLToPath(url)}: ${(error as Error).message}`);
  }
}

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
  const isOptionalPeer = optionalPeerPackages.has(packageNameOf(specifier));
  const directories = [...new Set([...(isOptionalPeer ? [appDirectory] : []), environment.configDirectory, process.cwd()])];
  const url = resolveOrExplain(key, specifier, directories);
  if (url === undefined && isOptionalPeer) throw notInstalled(key, `"${specifier}"`, packageNameOf(specifier), environment);
  if (url === undefined) {
    const where =
      specifier.startsWith('.') || isAbsolute(specifier)
        ? `a file relative to ${directories[0]}`
        : `a package installed in ${directories.join(' or ')}`;
    throw new ConfigError(key, `"${specifier}" is neither a built-in (${builtIns.join(', ')}) nor ${where}`);
  }
  const pluginModule = await importModule(key, specifier, url);
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

/**
 * The shared state named in the config: undefined for `memory` (the engine keeps its own), the `@ftp/store-postgres`
 * one for `postgres`. Without a `connectionString` of its own, `postgres` takes the store-postgres authenticator's
 * connection string and schema, so one database holds the users and what the instances share.
 */
export async function loadSharedState(
  config: Pick<AppConfig, 'sharedState' | 'sharedStateConfig' | 'authenticatorConfig'>,
  environment: PluginEnvironment,
): Promise<SharedState | undefined> {
  if (config.sharedState === 'memory') return undefined;
  const { createPostgresSharedState } = await importOptionalPackage<typeof import('@ftp/store-postgres')>(
    'sharedState',
    'postgres',
    '@ftp/store-postgres',
    environment,
  );
  const options: Record<string, unknown> = { ...config.sharedStateConfig };
  if (options.connectionString === undefined) {
    // parseConfig allows this only with the @ftp/store-postgres authenticator, which was created with a connectionString.
    const { connectionString, schema } = config.authenticatorConfig;
    options.connectionString = connectionString;
    if (options.schema === undefined && typeof schema === 'string') options.schema = schema;
  }
  return withConfigKeyPrefix('sharedStateConfig', () => createPostgresSharedState(options, { logger: environment.logger }));
}
