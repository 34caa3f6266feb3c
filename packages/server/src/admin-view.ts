import type { DefenderState } from '@ftp/plugin-api';
import type { Session } from './session/session.ts';

/** Which way a transfer's data moves: listings go to the client like downloads. */
export type TransferDirection = 'download' | 'upload';

/** A transfer in progress, as an operator sees it. */
export interface TransferProgress {
  /** The command that moves the data: RETR, STOR, STOU, APPE, LIST, NLST, MLSD. */
  readonly command: string;
  /** The virtual path it names (the directory for a listing). */
  readonly path: string;
  readonly direction: TransferDirection;
  /** Bytes moved so far. */
  readonly bytes: number;
  /** When it started (milliseconds since the epoch). */
  readonly startedAt: number;
  /** Average since it started, in bytes per second. */
  readonly bytesPerSecond: number;
}

/** One connected session, as an operator sees it. */
export interface SessionInfo {
  readonly id: string;
  /** The logged-in user; undefined before login. */
  readonly username: string | undefined;
  readonly remoteAddress: string;
  /** The control connection is protected by TLS (implicit, or after AUTH TLS). */
  readonly secure: boolean;
  /** When the control connection was accepted (milliseconds since the epoch). */
  readonly connectedAt: number;
  /** The queued command that runs now; undefined between commands. */
  readonly command: string | undefined;
  readonly transfer: TransferProgress | undefined;
}

/** Counts since the server started. */
export interface ServerCounters {
  readonly connections: number;
  readonly logins: number;
  readonly failedLogins: number;
  readonly uploads: number;
  readonly downloads: number;
  readonly bytesUploaded: number;
  readonly bytesDownloaded: number;
}

/** One bound listener. */
export interface ListenerInfo {
  /** `control` for plain FTP and explicit FTPS (AUTH TLS), `implicit-tls` for implicit FTPS. */
  readonly kind: 'control' | 'implicit-tls';
  readonly address: string;
  readonly port: number;
}

/** What a running server reports about itself. */
export interface ServerStatus {
  /** When the server was created (milliseconds since the epoch). */
  readonly startedAt: number;
  /** Empty before `listen()` resolves and after `close()`. */
  readonly listeners: readonly ListenerInfo[];
  readonly sessions: number;
  readonly passivePortsInUse: number;
  readonly counters: ServerCounters;
}

const uploadCommands: ReadonlySet<string> = new Set(['STOR', 'STOU', 'APPE']);

/** The operator's view of `session` at `now`. */
export function describeSession(session: Session, now: number): SessionInfo {
  const { sessionId, remoteAddress } = session.connection;
  const state = session.state;
  const transfer = state.transfer;
  let progress: TransferProgress | undefined;
  if (transfer !== undefined) {
    const bytes = transfer.bytes();
    const seconds = Math.max(now - transfer.startedAt, 1) / 1000;
    progress = {
      command: transfer.command,
      path: transfer.path,
      direction: uploadCommands.has(transfer.command) ? 'upload' : 'download',
      bytes,
      startedAt: transfer.startedAt,
      bytesPerSecond: Math.round(bytes / seconds),
    };
  }
  return {
    id: sessionId,
    username: state.user?.username,
    remoteAddress,
    secure: state.secure,
    connectedAt: session.connectedAt,
    command: session.runningCommand,
    transfer: progress,
  };
}

/**
 * The server's defender, for front doors other than FTP (an admin API): their failed logins count against the same
 * address, and a ban refuses them too.
 */
export interface DefenderAccess {
  /** False when the operator turned the defender off: nothing is counted and nobody is banned. */
  readonly enabled: boolean;
  /** True while `address` is banned. Rejects with `SharedStateUnavailableError` when the shared state cannot answer. */
  isBanned(address: string): Promise<boolean>;
  /**
   * Counts one failed login of `username` from `address` (unless the allow list exempts it); resolves true when this
   * one banned the address. Rejects with `SharedStateUnavailableError`.
   */
  recordFailedLogin(address: string, username: string): Promise<boolean>;
  /**
   * The addresses banned now and the failed logins within the defender's window, per address; undefined when the
   * shared state cannot list them (or the defender is off). Rejects with `SharedStateUnavailableError`.
   */
  state(): Promise<DefenderState | undefined>;
  /**
   * Lifts the ban of `address` (on every instance of the shared state) and forgets its failures: `not-banned` when it
   * was not banned, `unsupported` when the shared state cannot lift bans. Rejects with `SharedStateUnavailableError`.
   */
  liftBan(address: string): Promise<'lifted' | 'not-banned' | 'unsupported'>;
  /** This server's allow list: the configured entries, then those added by `allow`. Empty when the defender is off. */
  readonly allowList: readonly string[];
  /**
   * Exempts an address or CIDR block from the defender on this server until it stops. Throws `InvalidOptionError`
   * for anything else, or when the defender is off.
   */
  allow(entry: string): void;
}
