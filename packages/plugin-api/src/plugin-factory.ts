import type { AuthenticatorV1 } from './authenticator/v1/authenticator-v1.ts';
import type { PluginLogger } from './plugin-context.ts';
import type { StorageConnectorV1 } from './storage/v1/storage-connector-v1.ts';

/**
 * The second argument the ftp-server app passes to a plugin package's factory. A plugin used from code may be given
 * less, so factories should treat every field as optional.
 */
export interface PluginEnvironment {
  /** A logger for the plugin, already bound to its name. Never log passwords or tokens with it. */
  readonly logger: PluginLogger;
  /** The config file's directory (the working directory without one): resolve relative paths against it. */
  readonly configDirectory: string;
}

/** The plugin's own part of the server config (`authenticatorConfig` or `storageConfig`), as plain JSON values. */
export type PluginConfig = Readonly<Record<string, unknown>>;

/**
 * What a package that provides an authenticator exports as `createAuthenticator` (or as its default export), so the
 * ftp-server app can load it by package name: `{ "authenticator": "my-package", "authenticatorConfig": { … } }`.
 * Throw `InvalidOptionError` naming the option for a bad config: the app reports it as `authenticatorConfig.<option>`.
 */
export type AuthenticatorFactory = (
  config: PluginConfig,
  environment: Partial<PluginEnvironment>,
) => AuthenticatorV1 | Promise<AuthenticatorV1>;

/** The same for storage: exported as `createStorageConnector` (or the default export), configured by `storageConfig`. */
export type StorageConnectorFactory = (
  config: PluginConfig,
  environment: Partial<PluginEnvironment>,
) => StorageConnectorV1 | Promise<StorageConnectorV1>;
