import { createFtpServer, type FtpServer, type FtpServerOptions, type PassiveAddressOption, type SharedState } from '@ftp/server';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AppConfig } from './config.ts';
import { logServerEvents } from './logging.ts';
import { loadAuthenticator, loadSharedState, loadStorageConnector, type PluginEnvironment } from './plugins.ts';
import { readCertificatePair, tlsOptions } from './tls-config.ts';
import { createAppMetrics, recordReclaimedTemporaries, recordServerMetrics } from './metrics.ts';
import { startObservabilityServer, type ObservabilityServer, type ReadinessProbe } from './observability-server.ts';
import { timeAuthenticator, timeStorage } from './plugin-timing.ts';
import { createPreUploadHook } from './pre-upload-hook.ts';
import { WebhookDispatcher } from './webhooks.ts';
import type { AdminServer } from '@ftp/admin';
import { startAdminListener } from './admin-listener.ts';
import { listenOrExplain, type PortKey } from './listen-errors.ts';

/** A listening server and the address it is bound to. */
export interface StartedServer {
  readonly server: FtpServer;
  readonly address: string;
  readonly port: number;
  readonly implicitTlsPort?: number;
  /** The metrics and health listener (`/metrics`, `/healthz`, `/readyz`), when `metricsPort` is set. */
  readonly metrics?: { readonly address: string; readonly port: number };
  /** The metrics, when `metricsPort` is set (served by the listener above, or by the caller without it). */
  readonly metricsRegistry?: Registry;
  /** The checks of `/readyz` besides the listener's own: storage, authenticator, shared state. */
  readonly readinessProbes: readonly ReadinessProbe[];
  /** The admin API and web page (`@ftp/admin`), when `admin` is set. */
  readonly admin?: Pick<AdminServer, 'address' | 'port' | 'url' | 'setTlsCertificate'>;
  /** Graceful stop: the FTP server (transfers may finish), then queued webhooks, then the metrics listener. */
  close(): Promise<void>;
}

/** What a caller may give `startServer` besides the config. */
export interface StartServerOptions {
  /**
   * The shared state when the config keeps it in `memory`: a worker process passes the one its primary keeps for all
   * workers. Ignored with another `sharedState` (a store every process reaches already).
   */
  readonly memorySharedState?: SharedState;
  /** Wraps the shared state the config names (`postgres`): a worker also counts its connections with its primary. */
  readonly extendSharedState?: (store: SharedState) => SharedState;
  /**
   * False: with `metricsPort` set, the metrics are collected but the caller serves them (a worker process, whose
   * primary serves the whole server's); no listener is opened. Default true.
   */
  readonly observabilityListener?: boolean;
}

/**
 * Builds the authenticator and storage connector named in the config, creates the server with every event logged,
 * and starts listening. Configuration problems surface here as `ConfigError`/`PluginVersionError`.
 */
export async function startServer(config: AppConfig, logger: Logger, options: StartServerOptions = {}): Promise<StartedServer> {
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
  const certificate = config.tls === undefined ? undefined : await readCertificatePair(config.tls);
  const tls = config.tls === undefined ? undefined : tlsOptions(config.tls, certificate!, config.implicitFtpsPort);
  const loadedSharedState = await loadSharedState(config, environment(`shared-state-${config.sharedState}`));
  const sharedState =
    loadedSharedState === undefined ? options.memorySharedState : (options.extendSharedState?.(loadedSharedState) ?? loadedSharedState);
  const parts = {
    // Timing decorators only when metrics are on: the plugins the engine sees are otherwise the loaded ones.
    authenticator: metrics === undefined ? authenticator : timeAuthenticator(authenticator, metrics.authCallDuration),
    storage: metrics === undefined ? storage : timeStorage(storage, metrics.storageCallDuration),
    // The engine's own lines (sessions, errors) carry component "engine"; the app's lifecycle and event lines do not.
    logger: logger.child({ component: 'engine' }),
    ...(tls === undefined ? {} : { tls }),
    ...(config.preUploadHook === undefined ? {} : { beforeUpload: createPreUploadHook(config.preUploadHook, logger) }),
    ...(sharedState === undefined ? {} : { sharedState }),
  };
  let server: FtpServer;
  try {
    server = createFtpServer(serverOptions(config, parts));
  } catch (error) {
    // The engine closes the shared state with itself; one it never took is closed here.
    await sharedState?.close?.();
    throw error;
  }
  logServerEvents(server, logger);
  const webhooks = config.webhooks === undefined ? undefined : new WebhookDispatcher(config.webhooks, logger, metrics);
  webhooks?.attach(server);
  if (metrics !== undefined) recordServerMetrics(server, metrics);
  const enginePorts: PortKey[] = [{ key: 'ftpPort', port: config.ftpPort }];
  if (config.implicitFtpsPort !== undefined) enginePorts.push({ key: 'implicitFtpsPort', port: config.implicitFtpsPort });
  const listening = await listenOrExplain(
    () => server.listen(),
    enginePorts,
    { key: 'ftpAddr', address: config.ftpAddr },
    () => Promise.all([server.close(), webhooks?.close()]),
  );
  let isListening = true;
  const probes: ReadinessProbe[] = [
    { name: 'storage', check: async () => storage.checkHealth?.() },
    { name: 'authenticator', check: async () => authenticator.checkHealth?.() },
    // Down, logins are answered 421 on this instance: the balancer should send clients elsewhere.
    ...(sharedState === undefined ? [] : [{ name: 'sharedState', check: async () => sharedState.checkHealth?.() }]),
  ];
  let observability: ObservabilityServer | undefined;
  if (metrics !== undefined && options.observabilityListener !== false) {
    const host = config.metricsAddr ?? '127.0.0.1';
    observability = await listenOrExplain(
      () =>
        startObservabilityServer({
          host,
          port: config.metricsPort!,
          registry: metrics.registry,
          isListening: () => isListening,
          probes,
          logger,
        }),
      [{ key: 'metricsPort', port: config.metricsPort }],
      { key: 'metricsAddr', address: host },
      () => Promise.all([server.close(), webhooks?.close()]),
    );
  }
  const adminAddress = config.admin?.address ?? '127.0.0.1';
  const admin = await listenOrExplain(
    () => startAdminListener(config, server, logger, { certificate, users: authenticator.users }),
    [{ key: 'admin.port', port: config.admin?.port }],
    { key: 'admin.address', address: adminAddress },
    () => Promise.all([server.close(), webhooks?.close(), observability?.close()]),
  );
  let closing: Promise<void> | undefined;
  const close = async () => {
    isListening = false;
    // The admin listener first: its event streams would otherwise hold the FTP server's events to the end.
    await admin?.close();
    await server.close();
    await webhooks?.close();
    await observability?.close();
  };
  return {
    server,
    ...listening,
    ...(observability === undefined ? {} : { metrics: { address: observability.address, port: observability.port } }),
    ...(metrics === undefined ? {} : { metricsRegistry: metrics.registry }),
    readinessProbes: probes,
    ...(admin === undefined
      ? {}
      : {
          admin: {
            address: admin.address,
            port: admin.port,
            url: admin.url,
            setTlsCertificate: (pair: { cert: Buffer; key: Buffer }) => admin.setTlsCertificate(pair),
          },
        }),
    close: () => (closing ??= close()),
  };
}

/** Maps the app's config keys (ex_ftp names) to `createFtpServer` options, leaving unset keys to its defaults. */
export function serverOptions(
  config: AppConfig,
  parts: Pick<FtpServerOptions, 'authenticator' | 'storage' | 'logger' | 'tls' | 'beforeUpload' | 'sharedState'>,
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
    encoding: config.encoding,
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
  return [...Object.entries(config.pasvAddressMap).map(([clients, address]) => ({ clients, address })), ...rest];
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
