import {
  rootDirectorySegments,
  StorageError,
  storageError,
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
  return segments.length === 0 ? session : prefixedSession(session, `/${segments.join('/')}`);
}

/** `inner` seen from its directory `root` down: the caller's "/" is `root`, and nothing above it can be named. */
function prefixedSession(inner: StorageSessionV1, root: string): StorageSessionV1 {
  const inside = (path: string) => (path === '/' ? root : `${root}${path}`);
  const session: StorageSessionV1 = {
    async stat(path, options) {
      const entry = await inner.stat(inside(path), options);
      return path === '/' ? { ...entry, name: '/' } : entry;
    },
    list: (path, options) => inner.list(inside(path), options),
    read: (path, options) => inner.read(inside(path), options),
    write: (path, data, options) => inner.write(inside(path), data, options),
    delete: (path, options) => inner.delete(inside(path), options),
    makeDirectory: (path, options) => inner.makeDirectory(inside(path), options),
    removeDirectory: (path, options) => inner.removeDirectory(inside(path), options),
  };
  const { append, rename, setModifiedTime, checksum, setMode, freeSpace, close } = inner;
  if (append) session.append = (path, data, options) => append.call(inner, inside(path), data, options);
  if (rename) session.rename = (from, to, options) => rename.call(inner, inside(from), inside(to), options);
  if (setModifiedTime) session.setModifiedTime = (path, time, options) => setModifiedTime.call(inner, inside(path), time, options);
  if (checksum) session.checksum = (path, algorithm, options) => checksum.call(inner, inside(path), algorithm, options);
  if (setMode) {
    // The mount's root is a jail's root, which the contract keeps out of reach of setMode.
    session.setMode = async (path, mode, options) => {
      if (path === '/') throw storageError('EACCES', path);
      return setMode.call(inner, inside(path), mode, options);
    };
  }
  if (freeSpace) session.freeSpace = (path, options) => freeSpace.call(inner, inside(path), options);
  if (close) session.close = () => close.call(inner);
  return session;
}
