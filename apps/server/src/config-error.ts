import { FtpError } from '@ftp/plugin-api';

/**
 * A configuration problem found at start: a bad value, an unknown or missing key, an unloadable plugin. The app
 * prints `message` and exits with code 2.
 */
export class ConfigError extends Error {
  /** The key at fault, dotted for nested keys (`storageConfig.root`). */
  readonly key: string;

  constructor(key: string, reason: string, source?: string) {
    super(`${key}${source === undefined ? '' : ` (${source})`}: ${reason}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/**
 * True for errors that mean "fix your configuration": our `ConfigError`, and the plugin API's
 * `InvalidOptionError` and `PluginVersionError` from any copy of `@ftp/plugin-api`.
 */
export function isConfigurationError(error: unknown): error is Error {
  if (error instanceof ConfigError) return true;
  return FtpError.isInstance(error) && (error.code === 'FTP_ERR_INVALID_OPTION' || error.code === 'FTP_ERR_PLUGIN_VERSION');
}

/**
 * Runs a plugin factory and turns its `InvalidOptionError` (option "root") into a `ConfigError` naming the config key
 * ("storageConfig.root"), so the user sees where to fix it.
 */
export async function withConfigKeyPrefix<T>(prefix: string, create: () => T | Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (FtpError.isInstance(error) && error.code === 'FTP_ERR_INVALID_OPTION') {
      const option = (error as FtpError & { option?: unknown }).option;
      const reason =
        typeof option === 'string' && error.message.startsWith(`${option}: `) ? error.message.slice(option.length + 2) : error.message;
      throw new ConfigError(typeof option === 'string' ? `${prefix}.${option}` : prefix, reason);
    }
    throw error;
  }
}
