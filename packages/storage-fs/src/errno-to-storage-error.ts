import { StorageError, storageError, type StorageErrorCode } from '@ftp/plugin-api';

/** errno values with a storage meaning; anything else is unexpected and goes to the server's log as it is. */
const storageCodeByErrno: Readonly<Record<string, StorageErrorCode>> = {
  ENOENT: 'ENOENT',
  // A symlink loop cannot be followed to anything, so it reads as a missing path.
  ELOOP: 'ENOENT',
  EEXIST: 'EEXIST',
  ENOTDIR: 'ENOTDIR',
  EISDIR: 'EISDIR',
  ENOTEMPTY: 'ENOTEMPTY',
  EACCES: 'EACCES',
  EPERM: 'EACCES',
  EROFS: 'EACCES',
  ENOSPC: 'ENOSPC',
  EDQUOT: 'EDQUOT',
  // A file larger than the file system allows exceeds the storage allocation (RFC 959 reply 552).
  EFBIG: 'EDQUOT',
  ENAMETOOLONG: 'EBADNAME',
  EINVAL: 'EBADNAME',
  EILSEQ: 'EBADNAME',
  // A rename across mount points inside the root cannot be done with rename(2).
  EXDEV: 'ENOTSUP',
  EOPNOTSUPP: 'ENOTSUP',
  ENOTSUP: 'ENOTSUP',
  // Out of descriptors or a busy device: transient, the client may retry (RFC 959 reply 450).
  EMFILE: 'EUNAVAILABLE',
  ENFILE: 'EUNAVAILABLE',
  EAGAIN: 'EUNAVAILABLE',
  EBUSY: 'EUNAVAILABLE',
};

/** The errno string of a Node.js system error, if `error` is one. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Translates a Node.js file-system error into a `StorageError` about `virtualPath` (never the real path, which the
 * client must not learn). A `StorageError` passes through unchanged; errors without a storage meaning are returned
 * as they are so the server logs them with an error id and answers 451.
 */
export function errnoToStorageError(error: unknown, virtualPath: string): unknown {
  if (StorageError.isInstance(error)) return error;
  const errno = errnoOf(error);
  const storageCode = errno === undefined ? undefined : storageCodeByErrno[errno];
  return storageCode === undefined ? error : storageError(storageCode, virtualPath, error);
}

/** Runs `operation`, translating its file-system errors with `errnoToStorageError`. */
export async function mapErrors<T>(virtualPath: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw errnoToStorageError(error, virtualPath);
  }
}
