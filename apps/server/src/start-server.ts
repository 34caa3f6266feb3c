import { createFtpServer, type FtpServer, type FtpServerOptions } from '@ftp/server';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';
import { logServerEvents } from './logging.ts';
import { loadAuthenticator, loadStorageConnector, type PluginEnvironment } from './plugins.ts';
import { readCertificatePair, tlsOptions } from './tls-config.ts';

/** A listening server and the address it is bound to. */
export interface StartedServer {
  readonly server: FtpServer;
  readonly address: string;
  readonly port: number;
  readonly implicitTlsPort?: number;
}

/**
 * Builds the authenticator and storage connector named in the config, creates the server with every event logged,
 * and starts listening. Configuration problems surface here as `ConfigError`/`PluginVersionError`.
 */
export async function startServer(config: AppConfig, logger: Logger): Promise<StartedServer> {
  const environment = (plugin: string): PluginEnvironment => ({
    logger: logger.child({ plugin }),
    configDirectory: config.configDirectory,
  });
  const authenticator = await loadAuthenticator(config.authenticator, config.authenticatorConfig, environment(config.authenticator));
  const storage = await loadStorageConnector(config.storageConnector, config.storageConfig, environment(config.storageConnector));
  // The engine's own lines (sessions, errors) carry component "engine"; the app's lifecycle and event lines do not.
  const tls = config.tls === undefined ? undefined : tlsOptions(config.tls, await readCertificatePair(config.tls), config.implicitFtpsPort);
  const parts = { authenticator, storage, logger: logger.child({ component: 'engine' }), ...(tls === undefined ? {} : { tls }) };
  const server = createFtpServer(serverOptions(config, parts));
  logServerEvents(server, logger);
  return { server, ...(await server.listen()) };
}

/** Maps the app's config keys (ex_ftp names) to `createFtpServer` options, leaving unset keys to its defaults. */
export function serverOptions(
  config: AppConfig,
  parts: Pick<FtpServerOptions, 'authenticator' | 'storage' | 'logger' | 'tls'>,
): FtpServerOptions {
  const passive = withoutUndefined({
    minPort: config.minPassivePort,
    maxPort: config.maxPassivePort,
    address: config.pasvAddress,
  });
  return withoutUndefined({
    ...parts,
    host: config.ftpAddr,
    port: config.ftpPort,
    serverName: config.serverName,
    passive: Object.keys(passive).length === 0 ? undefined : passive,
    requireDataPeerMatch: config.requireDataPeerMatch,
    allowActiveMode: config.allowActiveMode,
    maxSessions: config.maxSessions,
    maxSessionsPerIp: config.maxSessionsPerIp,
    maxBadCommands: config.maxBadCommands,
    maxLoginAttempts: config.maxLoginAttempts,
    loginTimeoutMs: config.loginTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    dataTimeoutMs: config.dataTimeoutMs,
    maxLineLength: config.maxLineLength,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  }) as FtpServerOptions;
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
