import { InvalidOptionError, silentLogger } from '@ftp/plugin-api';
import { supportedSpecificationVersions } from '@ftp/plugin-api';
import { PluginVersionError } from '@ftp/plugin-api';
import type { FtpServerOptions, ServerLogger, TlsOptions } from './server-options.ts';

/** FtpServerOptions with every default applied and every value checked. */
export type ResolvedServerOptions = Required<Omit<FtpServerOptions, 'passive' | 'tls'>> & {
  readonly passive: { readonly minPort: number; readonly maxPort: number; readonly address: string | undefined };
  readonly tls: TlsOptions | undefined;
};

const silentServerLogger: ServerLogger = { ...silentLogger, child: () => silentServerLogger };

function checkInteger(name: string, value: number, minimum: number, maximum: number): number {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new InvalidOptionError(name, `must be an integer from ${minimum} to ${maximum}, got ${String(value)}`);
  }
  return value;
}

function checkPlugin(kind: string, plugin: { specificationVersion?: unknown; name?: unknown } | undefined, methods: string[]): void {
  if (plugin === undefined || plugin === null || typeof plugin !== 'object') {
    throw new InvalidOptionError(kind, 'is required');
  }
  const name = typeof plugin.name === 'string' ? plugin.name : kind;
  if (!(supportedSpecificationVersions as readonly unknown[]).includes(plugin.specificationVersion)) {
    throw new PluginVersionError(name, plugin.specificationVersion, supportedSpecificationVersions);
  }
  for (const method of methods) {
    if (typeof (plugin as Record<string, unknown>)[method] !== 'function') {
      throw new InvalidOptionError(kind, `plugin "${name}" has no ${method}() method`);
    }
  }
}

/** Applies defaults and validates; throws `InvalidOptionError` or `PluginVersionError` naming the bad option. */
export function resolveOptions(options: FtpServerOptions): ResolvedServerOptions {
  checkPlugin('authenticator', options.authenticator, ['authenticate']);
  checkPlugin('storage', options.storage, ['openSession']);
  const minPort = checkInteger('passive.minPort', options.passive?.minPort ?? 0, 0, 65535);
  const maxPort = checkInteger('passive.maxPort', options.passive?.maxPort ?? 0, 0, 65535);
  if ((minPort === 0) !== (maxPort === 0) || minPort > maxPort) {
    throw new InvalidOptionError('passive', `minPort (${minPort}) and maxPort (${maxPort}) must both be 0 or form a range`);
  }
  const address = options.passive?.address;
  if (address !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    throw new InvalidOptionError('passive.address', `must be an IPv4 address for the PASV reply, got "${address}"`);
  }
  if (options.tls?.implicitPort !== undefined) checkInteger('tls.implicitPort', options.tls.implicitPort, 0, 65535);
  return {
    tls: options.tls,
    authenticator: options.authenticator,
    storage: options.storage,
    host: options.host ?? '127.0.0.1',
    port: checkInteger('port', options.port ?? 21, 0, 65535),
    serverName: options.serverName ?? 'FTP server',
    passive: { minPort, maxPort, address },
    requireDataPeerMatch: options.requireDataPeerMatch ?? true,
    allowActiveMode: options.allowActiveMode ?? true,
    maxSessions: checkInteger('maxSessions', options.maxSessions ?? 1000, 1, 1_000_000),
    maxSessionsPerIp: checkInteger('maxSessionsPerIp', options.maxSessionsPerIp ?? 50, 1, 1_000_000),
    loginTimeoutMs: checkInteger('loginTimeoutMs', options.loginTimeoutMs ?? 60_000, 1, 86_400_000),
    idleTimeoutMs: checkInteger('idleTimeoutMs', options.idleTimeoutMs ?? 900_000, 1, 86_400_000),
    dataTimeoutMs: checkInteger('dataTimeoutMs', options.dataTimeoutMs ?? 30_000, 1, 86_400_000),
    maxLineLength: checkInteger('maxLineLength', options.maxLineLength ?? 4096, 64, 1_048_576),
    maxBadCommands: checkInteger('maxBadCommands', options.maxBadCommands ?? 50, 1, 1_000_000),
    maxLoginAttempts: checkInteger('maxLoginAttempts', options.maxLoginAttempts ?? 3, 1, 1000),
    shutdownTimeoutMs: checkInteger('shutdownTimeoutMs', options.shutdownTimeoutMs ?? 30_000, 0, 86_400_000),
    logger: options.logger ?? silentServerLogger,
  };
}
