import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { listenOrExplain } from '../listen-errors.ts';
import type { ObservabilityServer } from '../observability-server.ts';
import { startPrimaryAdmin, type PrimaryAdmin } from './primary-admin.ts';
import { startPrimaryObservability } from './primary-observability.ts';
import { runPrimary, type PrimaryOptions, type RunningPrimary } from './primary.ts';

/**
 * Runs the primary of `workers` processes as the app: logs `listening` once the first workers listen, serves the
 * admin API over every worker when the config has `admin`, replaces the workers one at a time on SIGHUP (`systemctl
 * reload`) or the admin's `POST /api/server/restart`, and on SIGTERM/SIGINT lets every worker finish its sessions
 * before exiting 0; a second signal ends the workers at once.
 */
export async function startPrimary(options: PrimaryOptions): Promise<RunningPrimary> {
  const { logger } = options;
  // Installed before the workers start: SIGHUP's default action would end the primary.
  const signals = handlePrimarySignals(logger);
  const running = await runPrimary(options);
  const { config } = options;
  let observability: ObservabilityServer | undefined;
  let admin: PrimaryAdmin | undefined;
  // Whatever stops the start (a port in use, explained as a single process explains it, or any other failure) closes
  // what already runs: the workers, and the metrics listener before the admin's.
  const nothingMore = async () => undefined;
  try {
    if (config.metricsPort !== undefined) {
      const host = config.metricsAddr ?? '127.0.0.1';
      observability = await listenOrExplain(
        () =>
          startPrimaryObservability(running, {
            host,
            port: config.metricsPort!,
            workers: options.workers,
            logger,
            isListening: () => !signals.isClosing(),
          }),
        [{ key: 'metricsPort', port: config.metricsPort }],
        { key: 'metricsAddr', address: host },
        nothingMore,
      );
    }
    if (config.admin !== undefined) {
      admin = await listenOrExplain(
        () => startPrimaryAdmin(running, config, logger),
        [{ key: 'admin.port', port: config.admin.port }],
        { key: 'admin.address', address: config.admin.address ?? '127.0.0.1' },
        nothingMore,
      );
    }
  } catch (error) {
    await observability?.close();
    await running.close();
    throw error;
  }
  signals.attach(running, observability, admin);
  const { address, port, implicitTlsPort } = running.listening;
  const metrics = observability === undefined ? undefined : { address: observability.address, port: observability.port };
  logger.info({ address, port, implicitTlsPort, metrics, admin: admin?.server, workers: options.workers }, 'listening');
  return running;
}

function handlePrimarySignals(logger: Logger): {
  attach(running: RunningPrimary, observability: ObservabilityServer | undefined, admin: PrimaryAdmin | undefined): void;
  isClosing(): boolean;
} {
  let running: RunningPrimary | undefined;
  let observability: ObservabilityServer | undefined;
  let admin: PrimaryAdmin | undefined;
  let isClosing = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (isClosing || running === undefined) {
      logger.warn(
        { signal },
        running === undefined ? 'signal while starting: exiting' : 'second signal: ending the workers without waiting for transfers',
      );
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }
    isClosing = true;
    const workers = running;
    logger.info({ signal }, 'shutting down');
    // The admin listener first: its event streams would otherwise stay open to the end.
    const stopped = (admin?.close() ?? Promise.resolve()).catch((error: unknown) =>
      logger.error({ error: (error as Error).message }, 'admin listener close failed'),
    );
    void stopped
      .then(() => workers.close())
      .then(async () => {
        await observability?.close();
        logger.info({}, 'stopped');
        process.exit(0);
      });
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', () => {
    if (running === undefined) logger.warn({ signal: 'SIGHUP' }, 'no restart while the workers start');
    else if (!isClosing) {
      void admin?.reloadCertificate();
      void running.restart('SIGHUP');
    }
  });
  return {
    attach: (started, listener, adminListener) => {
      running = started;
      observability = listener;
      admin = adminListener;
    },
    isClosing: () => isClosing,
  };
}
