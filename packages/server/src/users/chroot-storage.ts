import { confinedSession, type AuthenticatedUser, type PluginContext, type StorageConnector, type StorageSessionV1 } from '@ftp/plugin-api';
import { resolveVirtualPath } from '@ftp/protocol';

/**
 * Confines a storage session to one of its directories (the user's `rootDirectory`, as the operator or authenticator
 * wrote it): the user's "/" is that directory, and nothing outside it can be named (`confinedSession`). Works for any
 * connector (a directory on disk, a key prefix in a bucket). Optional methods stay optional.
 */
export function chrootStorage(inner: StorageSessionV1, rootDirectory: string): StorageSessionV1 {
  return confinedSession(inner, resolveVirtualPath('/', rootDirectory));
}

/**
 * Opens `connector`'s storage for `user`, confined to the user's root directory: by the connector when it applies it
 * itself, else here. A connector that does not apply the root directory must not see it either: it would nest the
 * user's root twice, since the confinement prefixes every path with it.
 */
export async function openUserStorage(
  connector: StorageConnector,
  user: AuthenticatedUser,
  context: PluginContext,
): Promise<StorageSessionV1> {
  if (user.rootDirectory === undefined || connector.appliesRootDirectory === true) return connector.openSession(user, context);
  const { rootDirectory, ...unconfined } = user;
  return chrootStorage(await connector.openSession(unconfined, context), rootDirectory);
}
