import type { MessagePort } from './shared-state-messages.ts';

/** Set in a worker's environment by the primary: the process serves FTP for it (see `runWorker`). */
export const workerVariable = 'FTP_SERVER_WORKER';

/**
 * Set by the primary when it runs the embedded default configuration: that document as JSON, so every worker serves
 * the same user with the same password hash instead of generating its own.
 */
export const workerDefaultsVariable = 'FTP_SERVER_WORKER_DEFAULTS';

/** A worker listens: it takes connections from now on. */
export interface WorkerListening {
  readonly tag: 'ftp-server/worker-listening';
  readonly address: string;
  readonly port: number;
  readonly implicitTlsPort?: number;
}

/** The primary asks a worker to stop taking connections, let its sessions finish (until `shutdownTimeoutMs`) and exit. */
export interface WorkerRetire {
  readonly tag: 'ftp-server/worker-retire';
  readonly reason: string;
}

export function isWorkerListening(message: unknown): message is WorkerListening {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === 'ftp-server/worker-listening';
}

export function isWorkerRetire(message: unknown): message is WorkerRetire {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === 'ftp-server/worker-retire';
}

/** The IPC channel of this process to its parent (a cluster worker's), as a `MessagePort`. */
export function parentPort(): MessagePort {
  return {
    send(message, onFailure) {
      if (process.send === undefined || !process.connected) {
        setImmediate(onFailure, new Error('the IPC channel to the primary process is closed'));
        return;
      }
      try {
        process.send(message, undefined, {}, (error) => {
          if (error !== null && error !== undefined) onFailure(error);
        });
      } catch (error) {
        setImmediate(onFailure, error instanceof Error ? error : new Error(String(error)));
      }
    },
    subscribe(listener) {
      process.on('message', listener);
      return () => process.off('message', listener);
    },
  };
}

/**
 * What the primary asks a worker: its metrics and readiness, to serve `/metrics` and `/readyz` for the whole server,
 * and what the admin API shows and steers (`admin-…`, answered as an `AdminAnswer`).
 */
export type WorkerQueryKind = 'metrics' | 'readiness' | AdminQueryKind;

/** The admin API's questions to a worker; their parameters travel in `WorkerQuery.parameters`. */
export type AdminQueryKind =
  | 'admin-sessions'
  | 'admin-session'
  | 'admin-end-session'
  | 'admin-end-sessions-of'
  | 'admin-status'
  | 'admin-quota-usage'
  | 'admin-rescan-quota'
  | 'admin-quota-report'
  | 'admin-defender-state'
  | 'admin-is-banned'
  | 'admin-record-failed-login'
  | 'admin-lift-ban'
  | 'admin-allow';

export interface WorkerQuery {
  readonly tag: 'ftp-server/worker-query';
  readonly id: number;
  readonly kind: WorkerQueryKind;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * A worker's answer to an admin query: its value, or the error it met with its stable code (e.g.
 * `FTP_ERR_INVALID_OPTION`), so the primary can answer the admin as one process would. JSON has no undefined: an
 * absent value is null.
 */
export type AdminAnswer =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string; readonly code?: string; readonly option?: string };

/**
 * A server event of a worker, sent to the primary when the config has an `admin` section (its event stream shows
 * every worker's), with the fields the stream shows.
 */
export interface WorkerEvent {
  readonly tag: 'ftp-server/worker-event';
  readonly event: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export function isWorkerEvent(message: unknown): message is WorkerEvent {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === 'ftp-server/worker-event';
}

/**
 * The answer to a `WorkerQuery`: for `metrics` the worker's registry as prom-client's JSON (`getMetricsAsJSON`), for
 * `readiness` each check's name with "ok" or its failure.
 */
export interface WorkerAnswer {
  readonly tag: 'ftp-server/worker-answer';
  readonly id: number;
  readonly value: unknown;
}

export function isWorkerQuery(message: unknown): message is WorkerQuery {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === 'ftp-server/worker-query';
}

export function isWorkerAnswer(message: unknown): message is WorkerAnswer {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === 'ftp-server/worker-answer';
}
