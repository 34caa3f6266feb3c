import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import type { AdminDefender, AdminQuotaReport, AdminStatus, AdminTarget, WorkerStatus } from '@ftp/admin';
import {
  InvalidOptionError,
  SharedStateUnavailableError,
  type AuthenticatedUser,
  type DefenderState,
  type QuotaUsage,
} from '@ftp/plugin-api';
import type { ListenerInfo, ServerCounters, ServerStatus, SessionInfo } from '@ftp/server';
import type { Logger } from 'pino';
import type { AppConfig } from '../config.ts';
import { isWorkerEvent, isWorkerListening, type AdminAnswer, type AdminQueryKind } from './lifecycle-messages.ts';
import type { RunningPrimary } from './primary.ts';

/** How long the admin API waits for a worker's answer before it reports the worker as silent. */
const defaultAnswerTimeoutMs = 3_000;

const counterNames: readonly (keyof ServerCounters)[] = [
  'connections',
  'logins',
  'failedLogins',
  'uploads',
  'downloads',
  'bytesUploaded',
  'bytesDownloaded',
];

/**
 * The whole server of worker processes as the admin API sees it, in the primary: every question is asked of the
 * workers over their IPC channels (each with its own request id), and a worker that does not answer within the
 * timeout is left out and reported (in the log and in `status().workers`), never waited for longer.
 *
 * - Sessions: every worker is asked and the answers are joined; a session id is a random UUID, so it names one session
 *   of one worker. Ending a session is asked of every worker: only the one that holds it ends it.
 * - Status: the workers' counters, sessions and passive ports are summed, each worker's share listed.
 * - Defender, quota: the state they read is shared by every worker (the primary's, or the `postgres` store), so one
 *   serving worker answers. An address added to the allow list is added on every worker, and on each worker that
 *   starts later (a replacement, a rolling restart).
 * - Events: each worker sends its events (the config has `admin`); they are emitted here as the engine's.
 */
export class WorkersAdminTarget extends EventEmitter implements AdminTarget {
  readonly defender: AdminDefender;
  readonly #running: RunningPrimary;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #startedAt = Date.now();
  /** Entries added by `defender.allow`, given to every worker that starts from now on. */
  readonly #allowed: string[] = [];
  readonly #onMessage: (worker: Worker, message: unknown) => void;

  constructor(running: RunningPrimary, config: AppConfig, logger: Logger, answerTimeoutMs = defaultAnswerTimeoutMs) {
    super();
    this.#running = running;
    this.#logger = logger;
    this.#timeoutMs = answerTimeoutMs;
    const configured = config.defender?.allowList ?? [];
    const allowList = () => [...configured, ...this.#allowed];
    this.defender = {
      enabled: config.defender?.enabled !== false,
      isBanned: async (address) => (await this.#one('admin-is-banned', { address })) === true,
      recordFailedLogin: async (address, username) => (await this.#one('admin-record-failed-login', { address, username })) === true,
      state: async () => ((await this.#one('admin-defender-state')) ?? undefined) as DefenderState | undefined,
      liftBan: async (address) => (await this.#one('admin-lift-ban', { address })) as 'lifted' | 'not-banned' | 'unsupported',
      get allowList() {
        return allowList();
      },
      allow: async (entry) => {
        // Every worker checks the entry as one process would; a bad one is refused by the first, before any is added.
        await this.#all('admin-allow', { entry });
        if (!this.#allowed.includes(entry)) this.#allowed.push(entry);
      },
    };
    this.#onMessage = (worker, message) => {
      if (isWorkerEvent(message)) this.emit(message.event, message.payload);
      else if (isWorkerListening(message) && this.#allowed.length > 0) void this.#giveAllowList(worker.id);
    };
    cluster.on('message', this.#onMessage);
  }

  async sessions(): Promise<readonly SessionInfo[]> {
    const answers = await this.#all('admin-sessions');
    return answers.flatMap(({ value }) => value as SessionInfo[]);
  }

  async session(id: string): Promise<SessionInfo | undefined> {
    const answers = await this.#all('admin-session', { id });
    return answers.find(({ value }) => value !== null)?.value as SessionInfo | undefined;
  }

  async endSession(id: string, reason?: string): Promise<boolean> {
    const answers = await this.#all('admin-end-session', { id, ...(reason === undefined ? {} : { reason }) });
    return answers.some(({ value }) => value === true);
  }

  async endSessionsOf(username: string, reason?: string): Promise<number> {
    const answers = await this.#all('admin-end-sessions-of', { username, ...(reason === undefined ? {} : { reason }) });
    return answers.reduce((sum, { value }) => sum + (value as number), 0);
  }

  async status(): Promise<AdminStatus> {
    const { answers, silent } = await this.#ask('admin-status', {});
    const statuses = answers.map(({ worker, value }) => ({ worker, status: unwrap(worker, value) as ServerStatus }));
    const counters = Object.fromEntries(
      counterNames.map((name) => [name, statuses.reduce((sum, { status }) => sum + status.counters[name], 0)]),
    ) as unknown as ServerCounters;
    const { address, port, implicitTlsPort } = this.#running.listening;
    const listeners: ListenerInfo[] = [{ kind: 'control', address, port }];
    if (implicitTlsPort !== undefined) listeners.push({ kind: 'implicit-tls', address, port: implicitTlsPort });
    const workers: WorkerStatus[] = [
      ...statuses.map(({ worker, status }) => ({
        id: worker,
        pid: workerPid(worker),
        answered: true,
        sessions: status.sessions,
        passivePortsInUse: status.passivePortsInUse,
      })),
      ...silent.map((worker) => ({ id: worker, pid: workerPid(worker), answered: false, sessions: 0, passivePortsInUse: 0 })),
    ].sort((first, second) => first.id - second.id);
    return {
      startedAt: this.#startedAt,
      listeners,
      sessions: statuses.reduce((sum, { status }) => sum + status.sessions, 0),
      passivePortsInUse: statuses.reduce((sum, { status }) => sum + status.passivePortsInUse, 0),
      counters,
      workers,
    };
  }

  async quotaUsage(username: string): Promise<QuotaUsage | undefined> {
    return ((await this.#one('admin-quota-usage', { username })) ?? undefined) as QuotaUsage | undefined;
  }

  async rescanQuota(user: AuthenticatedUser): Promise<QuotaUsage> {
    return (await this.#one('admin-rescan-quota', { user: { ...user } })) as QuotaUsage;
  }

  /** Any one worker opens the user's storage to learn the tree's quota folders; their usage is the shared state's. */
  async quotaReport(user: AuthenticatedUser): Promise<AdminQuotaReport> {
    return (await this.#one('admin-quota-report', { user: { ...user } })) as AdminQuotaReport;
  }

  /** Stops listening to the workers' messages. */
  close(): void {
    cluster.off('message', this.#onMessage);
    this.removeAllListeners();
  }

  async #ask(kind: AdminQueryKind, parameters: Readonly<Record<string, unknown>>, worker?: number) {
    const result = await this.#running.query(kind, this.#timeoutMs, { parameters, ...(worker === undefined ? {} : { worker }) });
    if (result.silent.length > 0)
      this.#logger.warn({ query: kind, workers: result.silent, timeoutMs: this.#timeoutMs }, 'admin: workers did not answer in time');
    return result;
  }

  /** Every worker's answer (the silent ones left out); the first error a worker met is thrown. */
  async #all(kind: AdminQueryKind, parameters: Readonly<Record<string, unknown>> = {}) {
    const { answers } = await this.#ask(kind, parameters);
    return answers.map(({ worker, value }) => ({ worker, value: unwrap(worker, value) }));
  }

  /** One serving worker's answer, for what every worker reads alike (the shared state); the next one when it is silent. */
  async #one(kind: AdminQueryKind, parameters: Readonly<Record<string, unknown>> = {}): Promise<unknown> {
    for (const worker of this.#running.servingWorkers()) {
      const { answers } = await this.#ask(kind, parameters, worker.id);
      const [answer] = answers;
      if (answer !== undefined) return unwrap(answer.worker, answer.value);
    }
    throw new SharedStateUnavailableError('no worker process answered');
  }

  async #giveAllowList(worker: number): Promise<void> {
    for (const entry of this.#allowed) {
      const { answers } = await this.#ask('admin-allow', { entry }, worker);
      if (answers.length === 0) this.#logger.error({ worker, entry }, 'admin: a new worker did not take the allow list entry');
    }
  }
}

/** A worker's `AdminAnswer` as its value, or its error thrown as the engine would have thrown it. */
function unwrap(worker: number, answer: unknown): unknown {
  const reply = answer as AdminAnswer;
  if (reply.ok) return reply.value;
  if (reply.code === 'FTP_ERR_INVALID_OPTION' && reply.option !== undefined)
    throw new InvalidOptionError(reply.option, reply.message.slice(`${reply.option}: `.length));
  if (reply.code === 'FTP_ERR_SHARED_STATE_UNAVAILABLE') throw new SharedStateUnavailableError(reply.message);
  throw new Error(`worker ${worker}: ${reply.message}`);
}

function workerPid(id: number): number | undefined {
  return cluster.workers?.[id]?.process.pid;
}
