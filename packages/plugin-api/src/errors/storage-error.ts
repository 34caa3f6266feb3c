import { FtpError, type FtpErrorOptions } from './ftp-error.ts';

const storageErrorBrand = Symbol.for('@ftp/storage-error');

/**
 * The closed set of storage failure kinds. Connectors translate their own failures (errno values, S3 error codes,
 * HTTP statuses) into one of these; the server maps each to one reply code in one place.
 */
export const StorageErrorCode = {
  /** The path does not exist. */
  NotFound: 'ENOENT',
  /** The target already exists (MKD of an existing directory, an exclusive create). */
  AlreadyExists: 'EEXIST',
  /** A directory was expected (CWD, LIST, RMD on a file). */
  NotADirectory: 'ENOTDIR',
  /** A file was expected (RETR, DELE, SIZE on a directory). */
  IsADirectory: 'EISDIR',
  /** RMD of a directory that still has entries. */
  NotEmpty: 'ENOTEMPTY',
  /** The backend refuses the operation for this user. */
  PermissionDenied: 'EACCES',
  /** No space left right now; may succeed later (RFC 959 452). */
  NoSpace: 'ENOSPC',
  /** The user's storage allocation is exceeded (RFC 959 552). */
  QuotaExceeded: 'EDQUOT',
  /** The name is not allowed by the backend (RFC 959 553). */
  BadName: 'EBADNAME',
  /** The backend cannot do this operation at all (for example resuming an upload). */
  NotSupported: 'ENOTSUP',
  /** The backend is down, throttled or timed out; the command fails with 451, the session stays, the client may retry. */
  Unavailable: 'EUNAVAILABLE',
} as const;

export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

const storageErrorCodes: ReadonlySet<string> = new Set(Object.values(StorageErrorCode));

export interface StorageErrorOptions extends FtpErrorOptions {
  /** The virtual path the operation was about, for the log. */
  readonly path?: string;
}

/** A storage operation failed in one of the expected ways. Thrown by storage connectors, mapped to a reply by the server. */
export class StorageError extends FtpError {
  readonly storageCode: StorageErrorCode;
  readonly path: string | undefined;

  constructor(storageCode: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super('FTP_ERR_STORAGE', message, options);
    this.name = 'StorageError';
    this.storageCode = storageCode;
    this.path = options.path;
    Object.defineProperty(this, storageErrorBrand, { value: true });
  }

  static override isInstance(value: unknown): value is StorageError {
    return (
      FtpError.isInstance(value) &&
      (value as unknown as Record<symbol, unknown>)[storageErrorBrand] === true &&
      storageErrorCodes.has((value as StorageError).storageCode)
    );
  }
}

/**
 * Shorthand for connectors: `throw storageError('ENOENT', path)`. The error has no stack trace: these are expected
 * outcomes (a missing file, an existing directory), answered to the client and logged at debug level, and capturing
 * a stack costs more than the look-up that found the missing file (every new upload's target is a miss). A `cause`
 * keeps its own stack; `new StorageError(…)` keeps one too.
 */
export function storageError(storageCode: StorageErrorCode, path: string, cause?: unknown): StorageError {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new StorageError(storageCode, `${storageCode}: ${path}`, cause === undefined ? { path } : { path, cause });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
