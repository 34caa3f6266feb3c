import { storageError } from '../../errors/storage-error.ts';
import type { QuotaFolder } from './quota-folder.ts';
import type { StorageSessionV1 } from './storage-connector-v1.ts';

/**
 * `inner` seen from its directory `root` (an absolute, normalised virtual path) down: the caller's "/" is `root`, and
 * since every path the server passes is normalised and never above "/", nothing above `root` can be named. This is the
 * jail of a connector that does not apply `rootDirectory` itself, which holds where a path prefix is one (a key prefix
 * in a flat bucket). Optional methods stay optional; setMode on "/" is refused (`EACCES`), since the contract keeps a
 * jail's root out of its reach.
 */
export function confinedSession(inner: StorageSessionV1, root: string): StorageSessionV1 {
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
  const { append, rename, setModifiedTime, checksum, setMode, freeSpace, quotaFolders, close } = inner;
  if (append) session.append = (path, data, options) => append.call(inner, inside(path), data, options);
  if (rename) session.rename = (from, to, options) => rename.call(inner, inside(from), inside(to), options);
  if (setModifiedTime) session.setModifiedTime = (path, time, options) => setModifiedTime.call(inner, inside(path), time, options);
  if (checksum) session.checksum = (path, algorithm, options) => checksum.call(inner, inside(path), algorithm, options);
  if (setMode) {
    session.setMode = async (path, mode, options) => {
      if (path === '/') throw storageError('EACCES', path);
      return setMode.call(inner, inside(path), mode, options);
    };
  }
  if (freeSpace) session.freeSpace = (path, options) => freeSpace.call(inner, inside(path), options);
  if (quotaFolders) {
    // The folders as the caller sees them: the deepest folder holding `root` covers the whole jail, folders below
    // `root` keep their place in it, and the others are out of reach.
    session.quotaFolders = () => {
      const folders = quotaFolders.call(inner);
      const covering = folders
        .filter((folder) => folder.path === '/' || folder.path === root || root.startsWith(`${folder.path}/`))
        .reduce<QuotaFolder | undefined>(
          (deepest, folder) => (deepest === undefined || folder.path.length > deepest.path.length ? folder : deepest),
          undefined,
        );
      const below = folders
        .filter((folder) => folder.path.startsWith(`${root}/`))
        .map((folder) => ({ ...folder, path: folder.path.slice(root.length) }));
      return covering === undefined ? below : [{ ...covering, path: '/' }, ...below];
    };
  }
  if (close) session.close = () => close.call(inner);
  return session;
}
