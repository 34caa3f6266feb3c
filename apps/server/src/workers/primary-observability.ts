import type { Logger } from 'pino';
import { AggregatorRegistry, Gauge, Registry } from 'prom-client';
import { startObservabilityServer, type ObservabilityServer } from '../observability-server.ts';
import type { RunningPrimary } from './primary.ts';

/** How long the primary waits for each worker's metrics or readiness. */
const queryTimeoutMs = 3_000;

export interface PrimaryObservabilityOptions {
  readonly host: string;
  readonly port: number;
  /** The workers the config asks for. */
  readonly workers: number;
  readonly logger: Logger;
  /** False once shutdown began. */
  readonly isListening: () => boolean;
}

/**
 * `/metrics` and `/readyz` of the whole server, served by the primary: the metrics are every worker's registry
 * aggregated (counters and gauges summed, e.g. `ftp_sessions_active` is the server's), plus the primary's own
 * `ftp_workers`; `/readyz` passes while a worker serves and every worker passes its own checks (storage,
 * authenticator, shared state).
 */
export function startPrimaryObservability(running: RunningPrimary, options: PrimaryObservabilityOptions): Promise<ObservabilityServer> {
  const own = new Registry();
  new Gauge({
    name: 'ftp_workers',
    help: 'Worker processes taking connections',
    registers: [own],
    collect() {
      this.set(running.servingWorkers().length);
    },
  });
  const unanswered = new Gauge({
    name: 'ftp_workers_unanswered',
    help: 'Worker processes whose metrics did not come in time for this scrape (their counts are missing from it)',
    registers: [own],
  });
  const registry = {
    contentType: own.contentType,
    async metrics(): Promise<string> {
      const { answers, silent } = await running.query('metrics', queryTimeoutMs);
      unanswered.set(silent.length);
      if (silent.length > 0) options.logger.warn({ workers: silent }, 'workers did not send their metrics in time');
      const aggregated = AggregatorRegistry.aggregate(answers.map((answer) => answer.value as object));
      return `${await aggregated.metrics()}${await own.metrics()}`;
    },
  };
  return startObservabilityServer({
    host: options.host,
    port: options.port,
    registry,
    isListening: options.isListening,
    probes: [
      {
        name: 'workers',
        check: async () => {
          // While a crashed worker is replaced the others still serve: the machine stays in the balancer's pool.
          if (running.servingWorkers().length === 0) throw new Error(`none of ${options.workers} workers serving`);
          const { answers, silent } = await running.query('readiness', queryTimeoutMs);
          const failures = answers.flatMap(({ worker, value }) =>
            Object.entries(value as Record<string, string>)
              .filter(([, result]) => result !== 'ok')
              .map(([check, result]) => `worker ${worker} ${check}: ${result}`),
          );
          for (const worker of silent) failures.push(`worker ${worker}: no answer within ${queryTimeoutMs} ms`);
          if (failures.length > 0) throw new Error(failures.join('; '));
        },
      },
    ],
    logger: options.logger,
  });
}
