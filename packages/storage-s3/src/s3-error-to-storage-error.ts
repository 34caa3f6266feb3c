import { StorageError, type StorageErrorCode } from '@ftp/plugin-api';

/** S3 error codes (the `Code` of the XML error, the SDK's `name`) and what they mean for a storage call. */
const codeByS3Error: Readonly<Record<string, StorageErrorCode>> = {
  NoSuchKey: 'ENOENT',
  NotFound: 'ENOENT',
  NoSuchUpload: 'EUNAVAILABLE',
  AccessDenied: 'EACCES',
  AllAccessDisabled: 'EACCES',
  InvalidAccessKeyId: 'EACCES',
  SignatureDoesNotMatch: 'EACCES',
  AccountProblem: 'EACCES',
  InvalidObjectState: 'EACCES',
  KeyTooLongError: 'EBADNAME',
  InvalidObjectName: 'EBADNAME',
  EntityTooLarge: 'EDQUOT',
  // A missing bucket inside a session is an outage of this storage; at login it refuses the session (421).
  NoSuchBucket: 'EUNAVAILABLE',
  SlowDown: 'EUNAVAILABLE',
  Throttling: 'EUNAVAILABLE',
  ThrottlingException: 'EUNAVAILABLE',
  RequestTimeout: 'EUNAVAILABLE',
  RequestTimeTooSkewed: 'EUNAVAILABLE',
  ServiceUnavailable: 'EUNAVAILABLE',
  InternalError: 'EUNAVAILABLE',
  TimeoutError: 'EUNAVAILABLE',
  RequestTimeoutException: 'EUNAVAILABLE',
  // The object changed while a resume read its first bytes (If-Match failed): the client may simply retry.
  PreconditionFailed: 'EUNAVAILABLE',
};

/** Socket-level failures of the HTTP client: the endpoint cannot be reached right now. */
const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** The HTTP status of an SDK error, when the error came from an HTTP response. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as SdkErrorShape).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code of an SDK error (`NoSuchKey`, `SlowDown`, ...), or the Node.js error code of a socket failure. */
export function s3ErrorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const shape = error as SdkErrorShape;
  for (const candidate of [shape.Code, shape.code, shape.name]) {
    if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== 'S3ServiceException') return candidate;
  }
  return undefined;
}

/** True for an S3 "the key does not exist" answer (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isNotFound(error: unknown): boolean {
  const code = s3ErrorCodeOf(error);
  return code === 'NoSuchKey' || code === 'NotFound' || (code === undefined && httpStatusOf(error) === 404);
}

/** The storage code an S3 or network failure stands for, or undefined when it is none of the expected kinds. */
export function storageCodeFor(error: unknown): StorageErrorCode | undefined {
  const code = s3ErrorCodeOf(error);
  if (code !== undefined) {
    const mapped = codeByS3Error[code];
    if (mapped !== undefined) return mapped;
    if (networkErrorCodes.has(code)) return 'EUNAVAILABLE';
  }
  const status = httpStatusOf(error);
  if (status === undefined) return undefined;
  if (status === 404) return 'ENOENT';
  if (status === 403) return 'EACCES';
  // 429 Too Many Requests and every 5xx: the store is overloaded or down; the client may retry (451).
  if (status === 429 || status >= 500) return 'EUNAVAILABLE';
  return undefined;
}

/**
 * Translates an error from the AWS SDK into a `StorageError` naming only the virtual path (never the bucket or key):
 * `NoSuchKey`/404 → `ENOENT`, `AccessDenied`/403 → `EACCES`, throttling, timeouts, 5xx and socket failures →
 * `EUNAVAILABLE` (451, the session stays). A `StorageError` passes through; anything else (an abort, a programming
 * error, an unexpected 4xx) is returned unchanged so the server logs it with an error id.
 */
export function toStorageError(error: unknown, path: string): unknown {
  if (StorageError.isInstance(error)) return error;
  const storageCode = storageCodeFor(error);
  if (storageCode === undefined) return error;
  const detail = s3ErrorCodeOf(error) ?? `HTTP ${httpStatusOf(error) ?? '?'}`;
  return new StorageError(storageCode, `${storageCode}: ${path} (S3 ${detail})`, { path, cause: error });
}

/** Runs an S3 call and translates its failure with `toStorageError`. */
export async function mapS3Errors<T>(path: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStorageError(error, path);
  }
}
