import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FtpServer } from '@ftp/server';
import { transferVerbs } from './logging.ts';

/** Seconds buckets for transfers: from a small file on a LAN to a large one over a slow link. */
const transferBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800];
/** Seconds buckets for one storage or authenticator call. */
const callBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The Prometheus metrics of one app instance, in a registry of their own (so tests can run several). */
export interface AppMetrics {
  readonly registry: Registry;
  readonly sessionsTotal: Counter<never>;
  readonly loginsTotal: Counter<'result'>;
  readonly commandsTotal: Counter<'verb' | 'reply_class'>;
  readonly transferBytesTotal: Counter<'direction'>;
  readonly transfersTotal: Counter<'direction' | 'result'>;
  readonly transferDuration: Histogram<'direction'>;
  readonly storageCallDuration: Histogram<'operation' | 'result'>;
  readonly authCallDuration: Histogram<'operation' | 'result'>;
  readonly webhookDeliveriesTotal: Counter<'event' | 'result'>;
  readonly temporariesReclaimedTotal: Counter<never>;
  readonly temporaryBytesReclaimedTotal: Counter<never>;
  readonly webhookQueueLength: Gauge<never>;
}

/** Creates every metric in a new registry, with the Node.js process metrics (`process_*`, `nodejs_*`) beside them. */
export function createAppMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sessionsTotal: new Counter({ name: 'ftp_sessions_total', help: 'Control connections accepted as sessions', registers }),
    loginsTotal: new Counter({
      name: 'ftp_logins_total',
      help: 'Login attempts by result (success, failure)',
      labelNames: ['result'],
      registers,
    }),
    commandsTotal: new Counter({
      name: 'ftp_commands_total',
      help: 'Commands run, by verb and the class of their last reply (2xx, 3xx, 4xx, 5xx)',
      labelNames: ['verb', 'reply_class'],
      registers,
    }),
    transferBytesTotal: new Counter({
      name: 'ftp_transfer_bytes_total',
      help: 'File bytes moved by completed transfers',
      labelNames: ['direction'],
      registers,
    }),
    transfersTotal: new Counter({
      name: 'ftp_transfers_total',
      help: 'File transfers by direction and result (success, failure)',
      labelNames: ['direction', 'result'],
      registers,
    }),
    transferDuration: new Histogram({
      name: 'ftp_transfer_duration_seconds',
      help: 'Duration of completed file transfers, from the data connection opening to the last byte stored or sent',
      labelNames: ['direction'],
      buckets: transferBuckets,
      registers,
    }),
    storageCallDuration: new Histogram({
      name: 'ftp_storage_call_duration_seconds',
      help: 'Storage connector calls by operation and result (ok, error)',
      labelNames: ['operation', 'result'],
      buckets: callBuckets,
      registers,
    }),
    authCallDuration: new Histogram({
      name: 'ftp_auth_call_duration_seconds',
      help: 'Authenticator calls by operation and result (accepted, rejected, error, ok)',
      labelNames: ['operation', 'result'],
      buckets: callBuckets,
      registers,
    }),
    webhookDeliveriesTotal: new Counter({
      name: 'ftp_webhook_deliveries_total',
      help: 'Webhook events by result (delivered, failed after retries, dropped because the queue was full)',
      labelNames: ['event', 'result'],
      registers,
    }),
    temporariesReclaimedTotal: new Counter({
      name: 'ftp_storage_temporaries_reclaimed_total',
      help: 'Orphaned upload temporaries (left by a crash) the fs storage removed',
      registers,
    }),
    temporaryBytesReclaimedTotal: new Counter({
      name: 'ftp_storage_temporary_bytes_reclaimed_total',
      help: 'Bytes of the orphaned upload temporaries the fs storage removed',
      registers,
    }),
    webhookQueueLength: new Gauge({ name: 'ftp_webhook_queue_length', help: 'Webhook events waiting for delivery', registers }),
  };
}

/** Counts the server's events into `metrics` and exposes its live gauges (sessions, passive ports). */
export function recordServerMetrics(server: FtpServer, metrics: AppMetrics): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'ftp_sessions_active',
    help: 'Sessions currently connected',
    registers,
    collect() {
      this.set(server.sessionCount);
    },
  });
  new Gauge({
    name: 'ftp_passive_ports_in_use',
    help: 'Passive data ports currently held',
    registers,
    collect() {
      this.set(server.passivePortsInUse);
    },
  });
  server.on('connect', () => metrics.sessionsTotal.inc());
  server.on('login', () => metrics.loginsTotal.inc({ result: 'success' }));
  server.on('login-failed', () => metrics.loginsTotal.inc({ result: 'failure' }));
  for (const direction of ['upload', 'download'] as const) {
    server.on(direction, (event) => {
      metrics.transfersTotal.inc({ direction, result: 'success' });
      metrics.transferBytesTotal.inc({ direction }, event.bytes);
      metrics.transferDuration.observe({ direction }, event.durationMs / 1000);
    });
  }
  server.on('command', (event) => {
    metrics.commandsTotal.inc({ verb: event.verb, reply_class: event.replyCode === 0 ? 'none' : `${Math.floor(event.replyCode / 100)}xx` });
    const direction = transferVerbs[event.verb];
    if (direction !== undefined && event.replyCode >= 400) metrics.transfersTotal.inc({ direction, result: 'failure' });
  });
}

/** Counts orphaned upload temporaries the fs storage connector removed. */
export function recordReclaimedTemporaries(metrics: AppMetrics, reclaimed: { readonly files: number; readonly bytes: number }): void {
  metrics.temporariesReclaimedTotal.inc(reclaimed.files);
  metrics.temporaryBytesReclaimedTotal.inc(reclaimed.bytes);
}
