import type { AuthenticatedUser, QuotaUsage } from '@ftp/plugin-api';
import type { DefenderAccess, FtpServerEvents, QuotaFolderReport, QuotaReport, ServerStatus, SessionInfo } from '@ftp/server';

/**
 * What the admin API reads and steers: one `FtpServer` satisfies it as it is, and a server of several processes (the
 * CLI's workers) implements it over its IPC channels. A method may answer at once or with a promise.
 */
export interface AdminTarget {
  /** The connected sessions of the whole server. */
  sessions(): readonly SessionInfo[] | Promise<readonly SessionInfo[]>;
  /** One connected session; undefined when none has that id. */
  session(id: string): SessionInfo | undefined | Promise<SessionInfo | undefined>;
  /** Ends the session `id` (421 with `reason`); true once it is gone, false when no session has that id. */
  endSession(id: string, reason?: string): Promise<boolean>;
  /** Ends every session logged in as `username`; resolves with their number. */
  endSessionsOf(username: string, reason?: string): Promise<number>;
  /** Listeners, sessions, passive ports and counters, with each process's share when there are several. */
  status(): AdminStatus | Promise<AdminStatus>;
  /** The usage the shared state counts for `username`; undefined when never counted. */
  quotaUsage(username: string): Promise<QuotaUsage | undefined>;
  /** Recounts `user`'s files from the storage and sets the usage to that count. */
  rescanQuota(user: AuthenticatedUser): Promise<QuotaUsage>;
  /**
   * Optional (`FtpServer.quotaReport`): `user`'s usage and the quota folders of the user's tree with theirs. Without
   * it the quota view shows the usage alone and says the folders are unknown.
   */
  quotaReport?(user: AuthenticatedUser): Promise<AdminQuotaReport>;
  readonly defender: AdminDefender;
  on<E extends keyof FtpServerEvents>(event: E, listener: (...payload: FtpServerEvents[E]) => void): unknown;
  off<E extends keyof FtpServerEvents>(event: E, listener: (...payload: FtpServerEvents[E]) => void): unknown;
}

/** What `AdminTarget.quotaReport` answers: the `QuotaReport` of `FtpServer.quotaReport`. */
export type AdminQuotaReport = QuotaReport;

/** One quota folder of a user's tree: its account's name, where it appears, its limits and its account's usage. */
export type AdminQuotaFolder = QuotaFolderReport;

/** `ServerStatus`, with the share of each worker process when the server runs several. */
export interface AdminStatus extends ServerStatus {
  readonly workers?: readonly WorkerStatus[];
}

/** One worker process of a server of several. */
export interface WorkerStatus {
  /** The primary's number for the worker (`worker` in the log lines). */
  readonly id: number;
  readonly pid: number | undefined;
  /** False when it did not answer in time: its sessions and counts are missing from the totals. */
  readonly answered: boolean;
  readonly sessions: number;
  readonly passivePortsInUse: number;
}

/**
 * The defender as the admin API uses it: `DefenderAccess` of `@ftp/server`, whose `allow` may also answer with a promise
 * (a server of several processes adds the entry in each).
 */
export interface AdminDefender extends Omit<DefenderAccess, 'allow'> {
  /** Throws (or rejects with) `InvalidOptionError` for an entry that is no address or CIDR block. */
  allow(entry: string): void | Promise<void>;
}

/** The outcome of a rolling restart asked for by `POST /api/server/restart`. */
export interface RestartOutcome {
  /** How many worker processes were replaced. */
  readonly replaced: number;
  /** False when a new worker did not start: the restart stopped there and the old workers left keep serving. */
  readonly complete: boolean;
}
