import {
  confinedSession,
  rootDirectorySegments,
  StorageError,
  type AuthenticatedUser,
  type PluginContext,
  type StorageConnectorV1,
  type StorageSessionV1,
} from '@ftp/plugin-api';

/**
 * Opens `connector` for `user` with `rootDirectory` (a directory of that connector's storage, or undefined for its own
 * root) as the session's "/". A connector that declares `appliesRootDirectory` jails the session itself; for any other
 * every path is prefixed here, as the server does for such a connector, which is a jail where a path prefix is one.
 * A root directory that cannot name a directory inside the connector's root refuses the session (`EACCES`).
 */
export async function openConfinedSession(
  connector: StorageConnectorV1,
  user: AuthenticatedUser,
  rootDirectory: string | undefined,
  context: PluginContext,
): Promise<StorageSessionV1> {
  const { rootDirectory: _userRoot, ...unconfined } = user;
  if (rootDirectory === undefined) return connector.openSession(unconfined, context);
  const segments = rootDirectorySegments(rootDirectory);
  if (segments === undefined) {
    throw new StorageError('EACCES', `mount root directory ${JSON.stringify(rootDirectory)} names no directory inside its storage`, {
      path: '/',
    });
  }
  if (connector.appliesRootDirectory === true) return connector.openSession({ ...unconfined, rootDirectory }, context);
  const session = await connector.openSession(unconfined, context);
  return confinedSession(session, `/${segments.join('/')}`);
}
