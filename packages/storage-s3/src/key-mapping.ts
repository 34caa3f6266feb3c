import { rootDirectorySegments, StorageError, storageError, type AuthenticatedUser } from '@ftp/plugin-api';

/** S3 refuses keys longer than 1,024 bytes of UTF-8. */
const maxKeyBytes = 1024;
const userPlaceholder = '{user}';

/**
 * Maps the virtual paths of one session to S3 keys below the session's key prefix, and back.
 *
 * A file `/a/b.txt` is the key `<prefix>a/b.txt`, exactly: lookups never match by prefix, so `foo` never finds
 * `foo.txt`. A directory `/a` is the key prefix `<prefix>a/`: it exists when the marker key `<prefix>a/` (an empty
 * object) or any key below it exists. The root `/` is `<prefix>` itself and always exists.
 */
export interface KeyMapping {
  /** The key prefix of the session's root: "" or a string ending in "/". */
  readonly rootPrefix: string;
  /** The key of the file at a virtual path. Throws `EBADNAME` for "/" or a path S3 cannot store. */
  fileKey(path: string): string;
  /** The key prefix of the directory at a virtual path: "<prefix>a/" for "/a", `rootPrefix` for "/". */
  directoryPrefix(path: string): string;
  /** The virtual path of the directory a virtual path is in ("/" for "/a"). */
  parentOf(path: string): string;
}

/** Splits a virtual path into its segments after checking it is absolute and normalised. */
function segmentsOf(path: string): string[] {
  if (!path.startsWith('/') || path.includes('\0')) throw storageError('EBADNAME', path);
  if (path === '/') return [];
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') throw storageError('EBADNAME', path);
  }
  return segments;
}

function checkLength(key: string, path: string): string {
  if (Buffer.byteLength(key, 'utf8') > maxKeyBytes) throw storageError('EBADNAME', path);
  return key;
}

/** Creates the mapping for a session whose root is `rootPrefix` (already normalised by `normalisePrefix`). */
export function createKeyMapping(rootPrefix: string): KeyMapping {
  return {
    rootPrefix,
    fileKey(path) {
      const segments = segmentsOf(path);
      if (segments.length === 0) throw new StorageError('EISDIR', 'the root is a directory', { path });
      return checkLength(rootPrefix + segments.join('/'), path);
    },
    directoryPrefix(path) {
      const segments = segmentsOf(path);
      return segments.length === 0 ? rootPrefix : checkLength(`${rootPrefix}${segments.join('/')}/`, path);
    },
    parentOf(path) {
      const segments = segmentsOf(path);
      return segments.length <= 1 ? '/' : `/${segments.slice(0, -1).join('/')}`;
    },
  };
}

/** The last segment of a virtual path; "/" for the root. */
export function nameOf(path: string): string {
  if (path === '/') return '/';
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a directory's virtual path and an entry name. */
export function childPath(directory: string, name: string): string {
  return directory === '/' ? `/${name}` : `${directory}/${name}`;
}

/**
 * True when a name found in a listing can be shown as one FTP path segment. Keys such as `a//b`, `./x` or `../x`
 * cannot be reached through normalised virtual paths, so listings leave them out instead of showing unusable names.
 */
export function isListableName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** True when a user name can stand for `{user}` as one key segment. */
export function isSafeUsername(username: string): boolean {
  return username !== '' && username !== '.' && username !== '..' && !/[/\\\0\r\n]/.test(username);
}

/** "" for no prefix; otherwise the prefix without leading "/" and with exactly one trailing "/". */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * The root key prefix of a user: the template with `{user}` replaced, or what the function returns, normalised.
 * Throws `EACCES` when `{user}` would be replaced by a name that is not one safe key segment, or when the result
 * contains empty, "." or ".." segments, so no user can reach another user's keys.
 */
export function rootPrefixFor(prefix: string | ((user: AuthenticatedUser) => string), user: AuthenticatedUser): string {
  let chosen: string;
  if (typeof prefix === 'function') {
    chosen = prefix(user);
  } else if (prefix.includes(userPlaceholder)) {
    if (!isSafeUsername(user.username)) {
      throw new StorageError('EACCES', 'storage-s3 refused the session: the user name cannot name a key prefix');
    }
    chosen = prefix.replaceAll(userPlaceholder, user.username);
  } else {
    chosen = prefix;
  }
  if (typeof chosen !== 'string') throw new StorageError('EACCES', 'storage-s3 refused the session: no key prefix');
  const normalised = normalisePrefix(chosen);
  const segments = normalised === '' ? [] : normalised.slice(0, -1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..') || normalised.includes('\0')) {
    throw new StorageError('EACCES', 'storage-s3 refused the session: the key prefix has empty, "." or ".." segments');
  }
  return normalised;
}

/**
 * The root key prefix of a session, refused (`EACCES`) when it leaves no room below it for a key of even one byte: a
 * `{user}` prefix filled with a very long name (or a long `rootDirectory`) would give a login after which every command
 * fails with `EBADNAME`. Refused at login instead, as for a name unsafe for a key segment.
 */
export function requireRoomForKeys(rootPrefix: string): string {
  if (Buffer.byteLength(rootPrefix, 'utf8') >= maxKeyBytes) {
    throw new StorageError(
      'EACCES',
      `storage-s3 refused the session: the key prefix leaves no room for keys (S3 keys are at most ${maxKeyBytes} bytes)`,
    );
  }
  return rootPrefix;
}

/**
 * The root key prefix narrowed to the authenticator's `rootDirectory` (a directory of the connector's root that becomes
 * the user's "/"). A key prefix is a jail by itself: no key outside it can be named. Throws `EACCES` for a
 * `rootDirectory` with ".." or NUL.
 */
export function narrowToRootDirectory(rootPrefix: string, rootDirectory: string | undefined): string {
  if (rootDirectory === undefined) return rootPrefix;
  const segments = rootDirectorySegments(rootDirectory);
  if (segments === undefined) throw new StorageError('EACCES', 'storage-s3 refused the session: the root directory is not a valid path');
  return segments.length === 0 ? rootPrefix : `${rootPrefix}${segments.join('/')}/`;
}
