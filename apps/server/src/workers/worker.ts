import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { watchCertificate } from '../certificate-reload.ts';
import { loadConfig, type AppConfig } from '../config.ts';
import { createLogger } from '../logging.ts';
import { startServer, type StartedServer } from '../start-server.ts';
import { IpcSharedState } from './ipc-shared-state.ts';
import { ServerSessionCount } from './server-session-count.ts';
import {
  isWorkerQuery,
  isWorkerRetire,
  parentPort,
  workerDefaultsVariable,
  workerVariable,
  type WorkerAnswer,
  type WorkerListening,
  type WorkerQueryKind,
} from './lifecycle-messages.ts';
import { runReadinessProbes } from '../observability-server.ts';
import { answerAdminQuery, forwardEvents } from './worker-admin.ts';

/** Whether this process is a worker the primary of `runPrimary` started. */
export function isServerWorker(environment: NodeJS.ProcessEnv = process.env): boolean {
  return cluster.isWorker && environment[workerVariable] === '1';
}

/** The engine's default `shutdownTimeoutMs`. */
const defaultShutdownTimeoutMs = 30_000;

/** How long a worker that hit an unexpected error gives its sessions to end (with 421) before it exits. */
const crashCloseTimeoutMs = 1_000;
/** The latest a worker that hit an unexpected error exits, its sessions ended or not. */
const crashExitTimeoutMs = 5_000;

/**
 * A worker: a full engine with the config its primary runs (read again from the file, so a rolling restart applies a
 * changed config), listening on the primary's shared control and implicit-TLS sockets. Its passive listeners are its
 * own (exclusive), so a session's data connections reach the worker of its control connection. Session counts, bans,
 * quotas and locks are asked of the primary, unless the config names a store every process reaches (`postgres`); the
 * primary then still counts the connections of every worker against `maxSessions`.
 */
export async function runWorker(configFile: string | undefined): Promise<void> {
  const inherited = process.env[workerDefaultsVariable];
  const config = loadConfig({
    configFile,
    environment: process.env,
    cwd: process.cwd(),
    defaultDocument: inherited === undefined ? {} : (JSON.parse(inherited) as Record<string, unknown>),
  });
  // Not for the processes this one starts (hooks, plugins): they are no workers, and need no password hash.
  delete process.env[workerVariable];
  delete process.env[workerDefaultsVariable];
  const id = cluster.worker?.id ?? 0;
  const logger = createLogger(config.logLevel).child({ worker: id });
  const port = parentPort();
  const primaryState = await IpcSharedState.connect(port);
  // The admin listener is the primary's, over every worker: a worker opens none, and sends its events there.
  const serverConfig = Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'admin')) as AppConfig;
  const started = await startServer(serverConfig, logger, {
    memorySharedState: primaryState,
    extendSharedState: (store) => new ServerSessionCount(store, primaryState),
    observabilityListener: false,
  });
  if (config.admin !== undefined) forwardEvents(started.server, port);
  port.subscribe((message) => {
    if (!isWorkerQuery(message)) return;
    void answerQuery(message.kind, message.parameters ?? {}, started, logger).then((value) => {
      const answer: WorkerAnswer = { tag: 'ftp-server/worker-answer', id: message.id, value };
      port.send(answer, () => undefined);
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, exitCode: number, timeoutMs?: number) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'worker stopping');
      try {
        // The engine's close is one: the first call sets its deadline, the app's close then waits for it.
        if (timeoutMs !== undefined) void started.server.close({ timeoutMs });
        await started.close();
      } catch (error) {
        logger.error({ error: (error as Error).message }, 'worker shutdown failed');
        exitCode = 1;
      }
      logger.info({ reason }, 'worker stopped');
      process.exit(exitCode);
    })();
  };
  // Retiring (a rolling restart): the shared sockets are closed for this worker at once, its sessions go on until
  // their clients leave, and the ones left at `shutdownTimeoutMs` are ended with 421. The primary's shutdown is a
  // SIGTERM, as for one process.
  let retiring = false;
  port.subscribe((message) => {
    if (!isWorkerRetire(message) || retiring || stopping !== undefined) return;
    retiring = true;
    logger.info({ reason: message.reason, sessions: started.server.sessionCount }, 'worker retiring');
    const deadline = setTimeout(() => stop(message.reason, 0, 0), config.shutdownTimeoutMs ?? defaultShutdownTimeoutMs);
    // node:cluster closes this worker's shared listeners, waits until their connections (the sessions) ended, then
    // closes the IPC channel.
    process.once('disconnect', () => {
      clearTimeout(deadline);
      stop(message.reason, 0);
    });
    cluster.worker?.disconnect();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal, 0));
  handleCrash(logger, (reason) => stop(reason, 1, crashCloseTimeoutMs));
  if (config.tls !== undefined) watchCertificate(started, config.tls, logger);
  // SIGHUP is the primary's (a rolling restart); a worker that receives it too, from its process group, ignores it.
  else process.on('SIGHUP', () => undefined);
  logger.info({ address: started.address, port: started.port, implicitTlsPort: started.implicitTlsPort }, 'worker listening');
  const listening: WorkerListening = {
    tag: 'ftp-server/worker-listening',
    address: started.address,
    port: started.port,
    ...(started.implicitTlsPort === undefined ? {} : { implicitTlsPort: started.implicitTlsPort }),
  };
  port.send(listening, () => undefined);
}

/**
 * An error nobody caught leaves the worker in an unknown state: it is logged, the worker's sessions get 421 (busy ones
 * within a second), and the worker exits with code 1; the primary starts another in its place.
 */
function handleCrash(logger: Logger, stop: (reason: string) => void): void {
  const crash = (error: unknown) => {
    logger.fatal({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'worker failed');
    // Whatever the failure left behind (a close that never ends), the worker exits and is replaced.
    setTimeout(() => process.exit(1), crashExitTimeoutMs).unref();
    stop('unexpected error');
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * The primary serves `/metrics` and `/readyz` for the whole server (a worker opens no listener for them): it asks
 * each worker for its registry, as JSON it can aggregate, and for its readiness checks. Its admin listener asks for
 * the worker's sessions, status and defender.
 */
async function answerQuery(
  kind: WorkerQueryKind,
  parameters: Readonly<Record<string, unknown>>,
  started: StartedServer,
  logger: Logger,
): Promise<unknown> {
  if (kind === 'metrics') return started.metricsRegistry === undefined ? [] : started.metricsRegistry.getMetricsAsJSON();
  if (kind === 'readiness') return runReadinessProbes(started.readinessProbes, logger);
  return answerAdminQuery(kind, parameters, started.server);
}
