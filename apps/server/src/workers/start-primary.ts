import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { ConfigError } from '../config-error.ts';
import { runPrimary, type PrimaryOptions, type RunningPrimary } from './primary.ts';

/**
 * Runs the primary of `workers` processes as the app: logs `listening` once the first workers listen, replaces the
 * workers one at a time on SIGHUP (`systemctl reload`), and on SIGTERM/SIGINT lets every worker finish its sessions
 * before exiting 0; a second signal ends the workers at once.
 */
export async function startPrimary(options: PrimaryOptions): Promise<RunningPrimary> {
  const { logger } = options;
  if (options.config.metricsPort !== undefined) {
    throw new ConfigError('metricsPort', 'is not served yet with workers above 1: leave it out, or set workers to 1');
  }
  // Installed before the workers start: SIGHUP's default action would end the primary.
  const signals = handlePrimarySignals(logger);
  const running = await runPrimary(options);
  signals.attach(running);
  const { address, port, implicitTlsPort } = running.listening;
  logger.info({ address, port, implicitTlsPort, workers: options.workers }, 'listening');
  return running;
}

function handlePrimarySignals(logger: Logger): { attach(running: RunningPrimary): void } {
  let running: RunningPrimary | undefined;
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
    logger.info({ signal }, 'shutting down');
    void running.close().then(() => {
      logger.info({}, 'stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', () => {
    if (running === undefined) logger.warn({ signal: 'SIGHUP' }, 'no restart while the workers start');
    else if (!isClosing) void running.restart('SIGHUP');
  });
  return {
    attach: (started) => {
      running = started;
    },
  };
}
