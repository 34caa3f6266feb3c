import { storageError, type StorageCallOptions, type StorageSessionV1 } from '@ftp/plugin-api';
import { resolveVirtualPath } from '@ftp/protocol';

/**
 * Confines a storage session to one of its directories (the user's `rootDirectory`): the user's "/" is that
 * directory, and since every path the server passes is normalised and never above "/", nothing outside it can be
 * named. Works for any connector (a directory on disk, a key prefix in a bucket). Optional methods stay optional.
 */
export function chrootStorage(inner: StorageSessionV1, rootDirectory: string): StorageSessionV1 {
  const root = resolveVirtualPath('/', rootDirectory);
  if (root === '/') return inner;
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
  const optional: Partial<StorageSessionV1> = {};
  if (inner.append) optional.append = (path, data, options) => inner.append!(inside(path), data, options);
  if (inner.rename) optional.rename = (from, to, options: StorageCallOptions) => inner.rename!(inside(from), inside(to), options);
  if (inner.setModifiedTime) optional.setModifiedTime = (path, time, options) => inner.setModifiedTime!(inside(path), time, options);
  if (inner.checksum) optional.checksum = (path, algorithm, options) => inner.checksum!(inside(path), algorithm, options);
  if (inner.setMode) {
    // The user's "/" is a jail's root, which the contract keeps out of reach of setMode, as the connector's own.
    optional.setMode = async (path, mode, options) => {
      if (path === '/') throw storageError('EACCES', path);
      return inner.setMode!(inside(path), mode, options);
    };
  }
  if (inner.freeSpace) optional.freeSpace = (path, options) => inner.freeSpace!(inside(path), options);
  if (inner.close) optional.close = () => inner.close!();
  return { ...session, ...optional };
}
