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
}
