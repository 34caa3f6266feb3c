/** Facts common to every event of one session. */
export interface SessionEventBase {
  readonly sessionId: string;
  readonly remoteAddress: string;
  /** The logged-in user; undefined before login. */
  readonly username: string | undefined;
}

export interface ConnectEvent extends SessionEventBase {}
export interface DisconnectEvent extends SessionEventBase {
  /** How long the control connection was open. */
  readonly durationMs: number;
}
export interface LoginEvent extends SessionEventBase {
  readonly username: string;
}
export interface LoginFailedEvent extends SessionEventBase {
  /** The USER that was tried. */
  readonly attemptedUsername: string;
}
/** Emitted only after the transfer completed: for uploads, after the storage committed the file. */
export interface TransferEvent extends SessionEventBase {
  readonly username: string;
  readonly path: string;
  readonly bytes: number;
  readonly durationMs: number;
  /** The command that moved the data: RETR, STOR, STOU, APPE. */
  readonly command: string;
}
export interface PathEvent extends SessionEventBase {
  readonly username: string;
  readonly path: string;
}
export interface RenameEvent extends SessionEventBase {
  readonly username: string;
  readonly from: string;
  readonly to: string;
}

/** A command ran (metrics, command logs); emitted after its last reply. PASS arguments are never included. */
export interface CommandEvent extends SessionEventBase {
  /** The verb after alias resolution (XMKD → MKD). */
  readonly verb: string;
  /** The argument as sent; undefined for PASS, whose argument is never reported. */
  readonly argument: string | undefined;
  /** The last reply code the command sent (for a transfer, 226, 426, …); 0 when it sent none. */
  readonly replyCode: number;
  readonly durationMs: number;
}

/** The events of an FTP server, each emitted after the operation really completed. */
export interface FtpServerEvents {
  connect: [ConnectEvent];
  disconnect: [DisconnectEvent];
  login: [LoginEvent];
  'login-failed': [LoginFailedEvent];
  upload: [TransferEvent];
  download: [TransferEvent];
  delete: [PathEvent];
  mkdir: [PathEvent];
  rmdir: [PathEvent];
  rename: [RenameEvent];
  command: [CommandEvent];
}
