import { createFtpServer, type FtpServer, type FtpServerOptions, type PassiveAddressOption } from '@ftp/server';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';
import { logServerEvents } from './logging.ts';
import { loadAuthenticator, loadStorageConnector, type PluginEnvironment } from './plugins.ts';
import { readCertificatePair, tlsOptions } from './tls-config.ts';
import { passiveRulesFrom } from './hooks-config.ts';
import { createAppMetrics, recordReclaimedTemporaries, recordServerMetrics } from './metrics.ts';
import { startObservabilityServer, type ObservabilityServer, type ReadinessProbe } from './observability-server.ts';
import { timeAuthenticator, timeStorage } from './plugin-timing.ts';
import { createPreUploadHook } from './pre-upload-hook.ts';
import { WebhookDispatcher } from './webhooks.ts';

/** A listening server and the address it is bound to. */
export interface StartedServer {
  readonly server: FtpServer;
  readonly address: string;
  readonly port: number;
  readonly implicitTlsPort?: number;
  /** The metrics and health listener (`/metrics`, `/healthz`, `/readyz`), when `metricsPort` is set. */
  readonly metrics?: { readonly address: string; readonly port: number };
  /** Graceful stop: the FTP server (transfers may finish), then queued webhooks, then the metrics listener. */
  close(): Promise<void>;
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
  const metrics = config.metricsPort === undefined ? undefined : createAppMetrics();
  const storageHooks =
    metrics === undefined
      ? {}
      : { onTemporariesReclaimed: (reclaimed: { files: number; bytes: number }) => recordReclaimedTemporaries(metrics, reclaimed) };
  const storage = await loadStorageConnector(
    config.storageConnector,
    config.storageConfig,
    environment(config.storageConnector),
    storageHooks,
  );
  const tls = config.tls === undefined ? undefined : tlsOptions(config.tls, await readCertificatePair(config.tls), config.implicitFtpsPort);
  const parts = {
    // Timing decorators only when metrics are on: the plugins the engine sees are otherwise the loaded ones.
    authenticator: metrics === undefined ? authenticator : timeAuthenticator(authenticator, metrics.authCallDuration),
    storage: metrics === undefined ? storage : timeStorage(storage, metrics.storageCallDuration),
    // The engine's own lines (sessions, errors) carry component "engine"; the app's lifecycle and event lines do not.
    logger: logger.child({ component: 'engine' }),
    ...(tls === undefined ? {} : { tls }),
    ...(config.preUploadHook === undefined ? {} : { beforeUpload: createPreUploadHook(config.preUploadHook, logger) }),
  };
  const server = createFtpServer(serverOptions(config, parts));
  logServerEvents(server, logger);
  const webhooks = config.webhooks === undefined ? undefined : new WebhookDispatcher(config.webhooks, logger, metrics);
  webhooks?.attach(server);
  if (metrics !== undefined) recordServerMetrics(server, metrics);
  const listening = await server.listen();
  let isListening = true;
  const probes: ReadinessProbe[] = [
    { name: 'storage', check: async () => storage.checkHealth?.() },
    { name: 'authenticator', check: async () => authenticator.checkHealth?.() },
  ];
  let observability: ObservabilityServer | undefined;
  if (metrics !== undefined) {
    const host = config.metricsAddr ?? '127.0.0.1';
    observability = await startObservabilityServer({
      host,
      port: config.metricsPort!,
      registry: metrics.registry,
      isListening: () => isListening,
      probes,
      logger,
    });
  }
  let closing: Promise<void> | undefined;
  const close = async () => {
    isListening = false;
    await server.close();
    await webhooks?.close();
    await observability?.close();
  };
  return {
    server,
    ...listening,
    ...(observability === undefined ? {} : { metrics: { address: observability.address, port: observability.port } }),
    close: () => (closing ??= close()),
  };
}

/** Maps the app's config keys (ex_ftp names) to `createFtpServer` options, leaving unset keys to its defaults. */
export function serverOptions(
  config: AppConfig,
  parts: Pick<FtpServerOptions, 'authenticator' | 'storage' | 'logger' | 'tls' | 'beforeUpload'>,
): FtpServerOptions {
  const passive = withoutUndefined({
    minPort: config.minPassivePort,
    maxPort: config.maxPassivePort,
    address: passiveAddress(config),
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
    tlsHandshakeTimeoutMs: config.tlsHandshakeTimeoutMs,
    maxLineLength: config.maxLineLength,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    userDefaults: config.userDefaults,
    bandwidth: config.bandwidth,
    defender: config.defender,
    anonymous: config.anonymous,
    // Checked by the engine at start (InvalidOptionError names the field, and the app exits with code 2).
    proxyProtocol: config.proxyProtocol as FtpServerOptions['proxyProtocol'],
  }) as FtpServerOptions;
}

/** `pasvAddress` alone, or `pasvAddressMap` with `pasvAddress` (when set) for every client the map leaves out. */
function passiveAddress(config: AppConfig): PassiveAddressOption | undefined {
  if (config.pasvAddressMap === undefined) return config.pasvAddress;
  const rest = config.pasvAddress === undefined ? [] : ['0.0.0.0/0', '::/0'].map((clients) => ({ clients, address: config.pasvAddress! }));
  return [...passiveRulesFrom(config.pasvAddressMap), ...rest];
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
