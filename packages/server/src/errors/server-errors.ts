import { FtpError } from '@ftp/plugin-api';

/**
 * The data connection could not be opened: no PASV/PORT first, nobody connected in time, connect refused, no TLS
 * handshake under PROT P. With `expose` the message is the reply text (it must then be safe to show).
 */
export class DataConnectionError extends FtpError {
  constructor(message: string, options: { cause?: unknown; expose?: boolean } = {}) {
    super('FTP_ERR_DATA_CONNECTION', message, { ...options, replyCode: 425 });
    this.name = 'DataConnectionError';
  }
}

/** A transfer stopped before it completed: ABOR, the data connection dropped or stalled, the session ended. */
export class TransferAbortedError extends FtpError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('FTP_ERR_TRANSFER_ABORTED', message, { ...options, replyCode: 426 });
    this.name = 'TransferAbortedError';
  }
}

/**
 * The user lacks a permission (UserPermissions); the message names it, and `reason` says why when the permission is
 * needed somewhere the command does not name (the source of a rename, say). Safe to show.
 */
export class PermissionError extends FtpError {
  constructor(permission: string, reason?: string) {
    const message = `Permission denied: ${permission} not allowed${reason === undefined ? '' : ` (${reason})`}.`;
    super('FTP_ERR_PERMISSION', message, { replyCode: 550, expose: true });
    this.name = 'PermissionError';
  }
}

/** A reply the handler wants sent as is: a client mistake whose text is safe to show (e.g. "Bad REST offset."). */
export class ReplyError extends FtpError {
  constructor(replyCode: number, message: string) {
    super('FTP_ERR_REPLY', message, { replyCode, expose: true });
    this.name = 'ReplyError';
  }
}
