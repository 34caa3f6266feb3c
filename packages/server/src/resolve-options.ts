import { findPluginShapeProblem, InvalidOptionError, silentLogger } from '@ftp/plugin-api';
import type { FtpServerOptions, ServerLogger, TlsOptions } from './server-options.ts';
import { PassiveAddressResolver } from './data-channel/passive-address.ts';
import { resolveWireCharset, type WireCharset } from './encoding/wire-charset.ts';
import { refuseUnknownOptionKeys } from './option-keys.ts';
import { resolveProxyProtocol, type ResolvedProxyProtocol } from './proxy/proxy-header.ts';

/** FtpServerOptions with every default applied and every value checked. */
export type ResolvedServerOptions = Required<
  Omit<
    FtpServerOptions,
    'passive' | 'tls' | 'defender' | 'anonymous' | 'bandwidth' | 'proxyProtocol' | 'beforeUpload' | 'sharedState' | 'encoding'
  >
> & {
  /** The legacy charset sessions start in; undefined for UTF-8. */
  readonly encoding: WireCharset | undefined;
  readonly proxyProtocol: ResolvedProxyProtocol | undefined;
  readonly beforeUpload: FtpServerOptions['beforeUpload'];
  readonly defender: FtpServerOptions['defender'];
  readonly sharedState: FtpServerOptions['sharedState'];
  readonly anonymous: FtpServerOptions['anonymous'];
  readonly bandwidth: FtpServerOptions['bandwidth'];
  readonly passive: { readonly minPort: number; readonly maxPort: number; readonly addresses: PassiveAddressResolver };
  readonly tls: TlsOptions | undefined;
};

const silentServerLogger: ServerLogger = { ...silentLogger, child: () => silentServerLogger };

function checkInteger(name: string, value: number, minimum: number, maximum: number): number {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new InvalidOptionError(name, `must be an integer from ${minimum} to ${maximum}, got ${String(value)}`);
  }
  return value;
}

/** The authenticator and storage must implement a contract version we know, with its required methods. */
function checkPlugin(option: 'authenticator' | 'storage' | 'sharedState', plugin: unknown): void {
  const shape = findPluginShapeProblem(option, plugin, undefined);
  if (shape?.problem === 'not-an-object') throw new InvalidOptionError(option, 'is required');
  if (shape?.problem === 'missing-method') {
    const name = (plugin as { name?: unknown }).name;
    throw new InvalidOptionError(option, `plugin "${typeof name === 'string' ? name : option}" has no ${shape.method}() method`);
  }
}

/** `maxSessions` when the options set none: the sessions the whole server takes at once (the workers' primary counts them too). */
export const defaultMaxSessions = 1000;

/** Applies defaults and validates; throws `InvalidOptionError` or `PluginVersionError` naming the bad option. */
export function resolveOptions(options: FtpServerOptions): ResolvedServerOptions {
  refuseUnknownOptionKeys(options);
  checkPlugin('authenticator', options.authenticator);
  checkPlugin('storage', options.storage);
  if (options.sharedState !== undefined) checkPlugin('sharedState', options.sharedState);
  const minPort = checkInteger('passive.minPort', options.passive?.minPort ?? 0, 0, 65535);
  const maxPort = checkInteger('passive.maxPort', options.passive?.maxPort ?? 0, 0, 65535);
  if ((minPort === 0) !== (maxPort === 0) || minPort > maxPort) {
    throw new InvalidOptionError('passive', `minPort (${minPort}) and maxPort (${maxPort}) must both be 0 or form a range`);
  }
  const hostnameCacheMs = checkInteger('passive.hostnameCacheMs', options.passive?.hostnameCacheMs ?? 2_000, 0, 3_600_000);
  const addresses = new PassiveAddressResolver(options.passive?.address, hostnameCacheMs);
  if (options.beforeUpload !== undefined && typeof options.beforeUpload !== 'function')
    throw new InvalidOptionError('beforeUpload', 'must be a function');
  if (options.tls?.implicitPort !== undefined) checkInteger('tls.implicitPort', options.tls.implicitPort, 0, 65535);
  if (options.anonymous !== undefined && typeof options.anonymous.rootDirectory !== 'string') {
    throw new InvalidOptionError('anonymous.rootDirectory', 'is required to enable anonymous FTP (use "/" for a per-user storage)');
  }
  for (const [name, value] of Object.entries({ ...options.bandwidth, ...options.userDefaults?.bandwidth })) {
    if (value !== undefined && !(typeof value === 'number' && value > 0))
      throw new InvalidOptionError(`bandwidth.${name}`, 'must be a positive number of bytes per second');
  }
  return {
    tls: options.tls,
    proxyProtocol: resolveProxyProtocol(options.proxyProtocol),
    beforeUpload: options.beforeUpload,
    userDefaults: options.userDefaults ?? {},
    bandwidth: options.bandwidth,
    defender: options.defender,
    sharedState: options.sharedState,
    anonymous: options.anonymous,
    authenticator: options.authenticator,
    storage: options.storage,
    host: options.host ?? '127.0.0.1',
    port: checkInteger('port', options.port ?? 21, 0, 65535),
    serverName: options.serverName ?? 'FTP server',
    encoding: resolveWireCharset(options.encoding),
    passive: { minPort, maxPort, addresses },
    requireDataPeerMatch: options.requireDataPeerMatch ?? true,
    allowActiveMode: options.allowActiveMode ?? true,
    maxSessions: checkInteger('maxSessions', options.maxSessions ?? defaultMaxSessions, 1, 1_000_000),
    maxSessionsPerIp: checkInteger('maxSessionsPerIp', options.maxSessionsPerIp ?? 50, 1, 1_000_000),
    loginTimeoutMs: checkInteger('loginTimeoutMs', options.loginTimeoutMs ?? 60_000, 1, 86_400_000),
    idleTimeoutMs: checkInteger('idleTimeoutMs', options.idleTimeoutMs ?? 900_000, 1, 86_400_000),
    dataTimeoutMs: checkInteger('dataTimeoutMs', options.dataTimeoutMs ?? 30_000, 1, 86_400_000),
    tlsHandshakeTimeoutMs: checkInteger('tlsHandshakeTimeoutMs', options.tlsHandshakeTimeoutMs ?? 10_000, 1, 86_400_000),
    maxLineLength: checkInteger('maxLineLength', options.maxLineLength ?? 4096, 64, 1_048_576),
    maxBadCommands: checkInteger('maxBadCommands', options.maxBadCommands ?? 50, 1, 1_000_000),
    maxLoginAttempts: checkInteger('maxLoginAttempts', options.maxLoginAttempts ?? 3, 1, 1000),
    shutdownTimeoutMs: checkInteger('shutdownTimeoutMs', options.shutdownTimeoutMs ?? 30_000, 0, 86_400_000),
    logger: options.logger ?? silentServerLogger,
  };
}
