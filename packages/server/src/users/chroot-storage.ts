import { confinedSession, type StorageSessionV1 } from '@ftp/plugin-api';
import { resolveVirtualPath } from '@ftp/protocol';

/**
 * Confines a storage session to one of its directories (the user's `rootDirectory`, as the operator or authenticator
 * wrote it): the user's "/" is that directory, and nothing outside it can be named (`confinedSession`). Works for any
 * connector (a directory on disk, a key prefix in a bucket). Optional methods stay optional.
 */
export function chrootStorage(inner: StorageSessionV1, rootDirectory: string): StorageSessionV1 {
  return confinedSession(inner, resolveVirtualPath('/', rootDirectory));
}
