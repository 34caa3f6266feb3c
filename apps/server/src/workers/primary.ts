import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { RestartOutcome } from '@ftp/admin';
import { defaultMaxSessions } from '@ftp/server';
import type { AppConfig } from '../config.ts';
import {
  isWorkerAnswer,
  isWorkerListening,
  workerDefaultsVariable,
  workerVariable,
  type WorkerListening,
  type WorkerQuery,
  type WorkerQueryKind,
  type WorkerRetire,
} from './lifecycle-messages.ts';
import { SharedStateHost } from './shared-state-host.ts';
import type { MessagePort } from './shared-state-messages.ts';

/** A replacement for a worker that failed before it listened waits this long, so a failing setup does not spin. */
const replacementDelayMs = 1_000;
const maximumReplacementDelayMs = 60_000;

export interface PrimaryOptions {
  readonly config: AppConfig;
  readonly logger: Logger;
  /** How many workers serve at a time (2 or more). */
  readonly workers: number;
  /** The embedded default configuration's document, when no config file is used: every worker serves the same. */
  readonly defaultDocument?: Readonly<Record<string, unknown>>;
}

/** The primary, once its first workers listen. */
export interface RunningPrimary {
  /** Where the workers listen (the primary's shared sockets). */
  readonly listening: WorkerListening;
  /** The state the workers share: sessions of every worker, bans, quotas, locks. */
  readonly sharedState: SharedStateHost;
  /** The workers taking connections now (not the ones starting or retiring). */
  servingWorkers(): readonly Worker[];
  /**
   * Asks every worker that took connections (serving or retiring), or only `options.worker`, a question (`kind` with
   * `options.parameters`); the workers that did not answer within `timeoutMs` are listed in `silent`.
   */
  query(kind: WorkerQueryKind, timeoutMs: number, options?: QueryOptions): Promise<WorkerAnswers>;
  /**
   * Replaces the workers one at a time; resolves when the last one was replaced, or when a new one did not start
   * (`complete` false: the old ones left keep serving). A call while one runs joins it.
   */
  restart(reason: string): Promise<RestartOutcome>;
  /** Stops every worker as one process stops (SIGTERM); resolves once they all exited. */
  close(): Promise<void>;
}

export interface QueryOptions {
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Asks only this worker (by id), whatever its phase. */
  readonly worker?: number;
}

/** The answers to one `query`. */
export interface WorkerAnswers {
  readonly answers: readonly { readonly worker: number; readonly value: unknown }[];
  readonly silent: readonly number[];
}

type WorkerPhase = 'starting' | 'serving' | 'retiring';

interface WorkerEntry {
  readonly worker: Worker;
  phase: WorkerPhase;
  /** Replaced when it exits unexpectedly: once it listened, or from the start when it replaces one. */
  replaceable: boolean;
  readonly listening: Promise<WorkerListening>;
}

/** An initial worker failed before it listened; the primary stops with the worker's exit code. */
export class WorkerStartError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'WorkerStartError';
    this.exitCode = exitCode;
  }
}

/**
 * The primary of `workers` processes: it owns the control and implicit-TLS sockets (node:cluster shares the workers'
 * listens through it, and hands each connection to a worker), keeps the state they share, replaces a worker that
 * exits unexpectedly, and replaces all of them one at a time on `restart`.
 */
export async function runPrimary(options: PrimaryOptions): Promise<RunningPrimary> {
  const { config, logger } = options;
  const host = new SharedStateHost({ maxSessions: config.maxSessions ?? defaultMaxSessions });
  const entries = new Map<number, WorkerEntry>();
  let closing: Promise<void> | undefined;
  let restarting: Promise<RestartOutcome> | undefined;
  const environment: Record<string, string> = { [workerVariable]: '1' };
  if (options.defaultDocument !== undefined) environment[workerDefaultsVariable] = JSON.stringify(options.defaultDocument);

  let failedStarts = 0;
  const fork = (replaceable: boolean): WorkerEntry => {
    const worker = cluster.fork(environment);
    const port = workerPort(worker);
    const clientId = String(worker.id);
    host.attach(clientId, port);
    const listening = new Promise<WorkerListening>((resolve, reject) => {
      const unsubscribe = port.subscribe((message) => {
        if (!isWorkerListening(message)) return;
        unsubscribe();
        resolve(message);
      });
      worker.once('exit', (code, signal) => {
        unsubscribe();
        reject(new WorkerStartError(`worker ${worker.id} exited (${signal ?? code}) before it listened`, code ?? 1));
      });
    });
    // Failures are read by whoever waits for the worker; one nobody waits for must not be an unhandled rejection.
    listening.catch(() => undefined);
    const entry: WorkerEntry = { worker, phase: 'starting', listening, replaceable };
    entries.set(worker.id, entry);
    listening.then(
      () => {
        if (entry.phase === 'starting') entry.phase = 'serving';
        entry.replaceable = true;
        failedStarts = 0;
      },
      () => undefined,
    );
    worker.once('exit', (code, signal) => {
      entries.delete(worker.id);
      // Whatever it held and did not give back (a crash) is given back now.
      host.detach(clientId);
      const ended = { worker: worker.id, workerPid: worker.process.pid, code, signal };
      if (closing !== undefined || entry.phase === 'retiring') {
        logger.info(ended, 'worker exited');
        return;
      }
      if (!entry.replaceable) {
        // A first worker (the start fails) or a new one of a rolling restart (which stops; the old ones keep serving).
        logger.error(ended, 'worker exited before it listened');
        return;
      }
      if (entry.phase === 'serving') {
        logger.error(ended, 'worker exited unexpectedly; starting a replacement');
        replace();
        return;
      }
      // A replacement that failed to start: the next waits longer each time, so a broken setup does not spin.
      const delayMs = Math.min(maximumReplacementDelayMs, replacementDelayMs * 2 ** failedStarts);
      failedStarts++;
      logger.error({ ...ended, retryInMs: delayMs }, 'worker exited before it listened; starting a replacement later');
      setTimeout(replace, delayMs);
    });
    logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker started');
    return entry;
  };

  const replace = () => {
    if (closing !== undefined) return;
    const entry = fork(true);
    entry.listening.then(
      () => logger.info({ worker: entry.worker.id }, 'replacement worker listening'),
      () => undefined,
    );
  };

  const retire = (entry: WorkerEntry, reason: string) => {
    entry.phase = 'retiring';
    const message: WorkerRetire = { tag: 'ftp-server/worker-retire', reason };
    if (entry.worker.isConnected()) entry.worker.send(message);
    else entry.worker.process.kill('SIGTERM');
  };

  const initial = Array.from({ length: options.workers }, () => fork(false));
  let listening: WorkerListening;
  try {
    [listening] = (await Promise.all(initial.map((entry) => entry.listening))) as [WorkerListening];
  } catch (error) {
    closing = Promise.resolve();
    for (const entry of entries.values()) entry.worker.process.kill('SIGKILL');
    throw error;
  }

  const restart = async (reason: string): Promise<RestartOutcome> => {
    const old = [...entries.values()].filter((entry) => entry.phase === 'serving');
    logger.info({ reason, workers: old.length }, 'rolling restart');
    let replaced = 0;
    for (const entry of old) {
      if (closing !== undefined) return { replaced, complete: false };
      // A worker that exited meanwhile was replaced already.
      if (!entries.has(entry.worker.id) || entry.phase !== 'serving') continue;
      const fresh = fork(false);
      try {
        await fresh.listening;
      } catch (error) {
        logger.error(
          { reason, error: (error as Error).message },
          'rolling restart stopped: a new worker did not start; the old ones keep serving',
        );
        return { replaced, complete: false };
      }
      retire(entry, reason);
      replaced++;
    }
    logger.info({ reason, replaced }, 'rolling restart done');
    return { replaced, complete: true };
  };

  let nextQueryId = 1;
  const query = async (kind: WorkerQueryKind, timeoutMs: number, options: QueryOptions = {}): Promise<WorkerAnswers> => {
    const asked = [...entries.values()].filter((entry) =>
      options.worker === undefined ? entry.phase !== 'starting' && entry.worker.isConnected() : entry.worker.id === options.worker,
    );
    const results = await Promise.all(
      asked.map((entry) => askWorker(entry.worker, { kind, id: nextQueryId++, parameters: options.parameters }, timeoutMs)),
    );
    return {
      answers: asked.flatMap((entry, index) =>
        results[index]!.answered ? [{ worker: entry.worker.id, value: results[index]!.value }] : [],
      ),
      silent: asked.flatMap((entry, index) => (results[index]!.answered ? [] : [entry.worker.id])),
    };
  };

  return {
    listening,
    query,
    sharedState: host,
    servingWorkers: () => [...entries.values()].filter((entry) => entry.phase === 'serving').map((entry) => entry.worker),
    restart(reason) {
      if (restarting !== undefined) {
        logger.warn({ reason }, 'rolling restart already running');
        return restarting;
      }
      restarting = restart(reason).finally(() => (restarting = undefined));
      return restarting;
    },
    close() {
      closing ??= (async () => {
        const exits = [...entries.values()].map((entry) => new Promise((resolve) => entry.worker.once('exit', resolve)));
        // As one process stops: idle sessions get 421 at once, transfers finish until `shutdownTimeoutMs`. A worker
        // retiring from a restart stops so too.
        for (const entry of entries.values()) {
          entry.phase = 'retiring';
          entry.worker.process.kill('SIGTERM');
        }
        await Promise.all(exits);
      })();
      return closing;
    },
  };
}

/** The primary's end of a worker's IPC channel, as a `MessagePort`. */
function workerPort(worker: Worker): MessagePort {
  return {
    send(message, onFailure) {
      if (!worker.isConnected()) {
        setImmediate(onFailure, new Error('the worker is gone'));
        return;
      }
      try {
        worker.send(message as object, undefined, (error) => {
          if (error !== null && error !== undefined) onFailure(error);
        });
      } catch (error) {
        setImmediate(onFailure, error instanceof Error ? error : new Error(String(error)));
      }
    },
    subscribe(listener) {
      worker.on('message', listener);
      return () => worker.off('message', listener);
    },
  };
}

/** Sends one query to `worker`; its answer, or `answered: false` when none came in time (or the worker went away). */
function askWorker(
  worker: Worker,
  { kind, id, parameters }: { kind: WorkerQueryKind; id: number; parameters: Readonly<Record<string, unknown>> | undefined },
  timeoutMs: number,
): Promise<{ readonly answered: boolean; readonly value?: unknown }> {
  return new Promise((resolve) => {
    const finish = (result: { answered: boolean; value?: unknown }) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(result);
    };
    const onMessage = (message: unknown) => {
      if (isWorkerAnswer(message) && message.id === id) finish({ answered: true, value: message.value });
    };
    const onExit = () => finish({ answered: false });
    const timer = setTimeout(onExit, timeoutMs);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    const message: WorkerQuery = { tag: 'ftp-server/worker-query', id, kind, ...(parameters === undefined ? {} : { parameters }) };
    workerPort(worker).send(message, onExit);
  });
}
