import {
  AuthenticationUnavailableError,
  FtpError,
  SharedStateUnavailableError,
  StorageError,
  type StorageErrorCode,
} from '@ftp/plugin-api';
import { ReplyCode, standardReplyText } from '@ftp/protocol';

export interface ErrorReply {
  readonly code: number;
  readonly text: string;
  /** True when the error was not one we expected: the caller logs it with `errorId`. */
  readonly isUnexpected: boolean;
  /**
   * The level to log it at, by its cause: `error` (with a stack) for what we did not expect, `warn` for a backend
   * outage the operator should see (storage `EUNAVAILABLE`, the authenticator unreachable), `debug` for a refusal that
   * is the client's business (a missing file, a bad argument, a data connection it did not open).
   */
  readonly logLevel: 'debug' | 'warn' | 'error';
  /** Close the control connection after the reply (421). */
  readonly closeConnection: boolean;
}

/** RFC 959 §4.2 reply for each storage failure; the text is fixed, the detail goes only to the log. */
const storageReplies: Record<StorageErrorCode, { code: number; text: string }> = {
  ENOENT: { code: ReplyCode.FileUnavailable, text: 'No such file or directory.' },
  EEXIST: { code: ReplyCode.FileUnavailable, text: 'File exists.' },
  ENOTDIR: { code: ReplyCode.FileUnavailable, text: 'Not a directory.' },
  EISDIR: { code: ReplyCode.FileUnavailable, text: 'Is a directory.' },
  ENOTEMPTY: { code: ReplyCode.FileUnavailable, text: 'Directory not empty.' },
  EACCES: { code: ReplyCode.FileUnavailable, text: 'Permission denied.' },
  ENOSPC: { code: ReplyCode.InsufficientStorage, text: 'Insufficient storage space.' },
  EDQUOT: { code: ReplyCode.ExceededStorageAllocation, text: 'Exceeded storage allocation.' },
  EBADNAME: { code: ReplyCode.FileNameNotAllowed, text: 'File name not allowed.' },
  ENOTSUP: { code: ReplyCode.ParameterNotImplemented, text: 'Not supported by this storage.' },
  // A backend outage or throttling aborts this command only (451); the session stays and the client may retry.
  EUNAVAILABLE: { code: ReplyCode.LocalError, text: 'Storage temporarily unavailable; try again.' },
};

/**
 * The one place where errors become replies. Handlers throw; the dispatcher calls this. Internal error text never
 * reaches the client: only `FtpError`s marked `expose` show their message, and an unexpected error is answered 451
 * with an error id that also appears in the log line.
 *
 * @param overrides per-command codes for a storage code, e.g. STOU and RNTO answer EEXIST with 553.
 */
export function toReply(error: unknown, errorId: string, overrides: Partial<Record<StorageErrorCode, number>> = {}): ErrorReply {
  if (AuthenticationUnavailableError.isInstance(error)) {
    return {
      code: ReplyCode.ServiceNotAvailable,
      text: standardReplyText[421],
      isUnexpected: false,
      logLevel: 'warn',
      closeConnection: true,
    };
  }
  // The shared state down: this command is refused before it changes anything (an upload moves no data); the session
  // stays, as for a storage outage. A login maps it to 421 itself, since it cannot count the session.
  if (SharedStateUnavailableError.isInstance(error)) {
    return {
      code: ReplyCode.LocalError,
      text: 'Shared state temporarily unavailable; try again.',
      isUnexpected: false,
      logLevel: 'warn',
      closeConnection: false,
    };
  }
  if (StorageError.isInstance(error)) {
    const reply = storageReplies[error.storageCode];
    const logLevel = error.storageCode === 'EUNAVAILABLE' ? 'warn' : 'debug';
    return { code: overrides[error.storageCode] ?? reply.code, text: reply.text, isUnexpected: false, logLevel, closeConnection: false };
  }
  if (FtpError.isInstance(error) && error.replyCode !== undefined) {
    const code = error.replyCode;
    const text = error.expose ? error.message : (standardReplyText[code as ReplyCode] ?? 'Requested action not taken.');
    return { code, text, isUnexpected: false, logLevel: 'debug', closeConnection: code === ReplyCode.ServiceNotAvailable };
  }
  return {
    code: ReplyCode.LocalError,
    text: `Local error in processing (error id ${errorId}).`,
    isUnexpected: true,
    logLevel: 'error',
    closeConnection: false,
  };
}
