import { dirname, isAbsolute, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { InvalidOptionError, isChecksumAlgorithm, rootDirectorySegments, StorageError, type ChecksumAlgorithm } from '@ftp/plugin-api';
import { ChecksumRecords } from './checksum-records.ts';
import type { AuthenticatedUser, PluginContext, PluginLogger, StorageConnectorV1, StorageSessionV1 } from '@ftp/plugin-api';
import { errnoOf } from './errno-to-storage-error.ts';
import { callsForRoot, eventLoopCalls, threadPoolCalls, type FileCalls } from './file-calls.ts';
import { FsSession, type FsSessionSettings } from './fs-session.ts';
import { openJail, type Jail } from './jail.ts';
import { checkFsHealth } from './fs-health.ts';
import { defaultTemporaryMaxAgeMs, startTemporaryReclaimer, type TemporaryReclaimer } from './reclaim-temporaries.ts';

/** Options of `createFsStorage`. */
export interface FsStorageOptions {
  /**
   * The directory users see as "/": an absolute path, where `{user}` is replaced by the authenticated user's name
   * (for example "/srv/ftp/{user}"), or a function that returns an absolute path for a user. A user name that is
   * empty, ".", or contains "/", "\\", ".." or NUL never gets a session.
   */
  readonly root: string | ((user: AuthenticatedUser) => string);
  /** Create the user's root (mkdir -p) when a session opens. Default true; when false a missing root refuses the session. */
  readonly createRoot?: boolean;
  /** Start of the names of in-progress uploads; such names are hidden from listings and refused as paths. Default ".ftp-upload-". */
  readonly temporaryPrefix?: string;
  /** Permission bits of new files, before the process umask. Default 0o644. */
  readonly fileMode?: number;
  /** Permission bits of new directories (and created roots), before the process umask. Default 0o755. */
  readonly directoryMode?: number;
  /** fsync every upload and its directory before reporting success. Default true; false trades durability for speed. */
  readonly fsync?: boolean;
  /**
   * Size of the chunks `read` yields; the next chunk is read while the current one is sent. Default 512 KiB: each
   * download holds up to four, and larger chunks made parallel downloads slower (more buffers cycling through the
   * caches) without making one faster.
   */
  readonly readChunkBytes?: number;
  /**
   * Where the system calls run. "local" (default, for local disks and tmpfs): the calls whose cost is bounded run
   * on the event loop: path look-ups, stat, open, close, rename, unlink, mkdir, rmdir, the stats of a listing (in
   * batches of 256), and reads and writes of at most 64 KiB (a small file whole, or the tail of a large one).
   * A thread-pool round trip costs about ten times such a call. fsync and larger reads and writes stay in the thread
   * pool. "network" (NFS, SMB, FUSE mounts, where any call may wait for a round trip): every call in the thread pool.
   */
  readonly fileSystem?: 'local' | 'network';
  /**
   * Read directories and stat their entries in a worker thread (one per process, shared by every listing), which
   * overlaps the system calls of a listing with sending it and keeps them off the event loop. Default true; false
   * lists on the event loop ("local") or in the thread pool ("network").
   */
  readonly listInWorker?: boolean;
  /** How many entries `list` stats at once with `fileSystem: "network"` and `listInWorker: false`. Default 32. */
  readonly listConcurrency?: number;
  /**
   * Digests computed as each upload's bytes go by and recorded when it is committed, so that HASH (and XCRC, XMD5,
   * XSHA*) of a file uploaded since the process started needs no second read of it: any of "SHA-1", "SHA-256",
   * "SHA-512", "MD5", "CRC32". Default none: every algorithm costs CPU on every upload (SHA-256 about as much as
   * the rest of an upload on the same core), and HASH reads the file otherwise. A record is kept in memory, for the
   * 10,000 files last uploaded or hashed, and holds only while the file's size, modification and change times are
   * those of the commit (the README's HASH section says what that does not see).
   */
  readonly recordChecksums?: readonly ChecksumAlgorithm[];
  /** The connector name in logs. Default "fs". */
  readonly name?: string;
  /**
   * Removal of orphaned upload temporaries (left by a crash or a kill): at start and then every `intervalMs`
   * (default an hour), every temporary older than `maxAgeMs` (default a day) that no upload of this process is
   * writing is deleted from the roots (the root, or the directory that holds the per-user roots, and the roots of
   * sessions opened since). `false` turns it off.
   */
  readonly reclaimTemporaries?: false | { readonly maxAgeMs?: number; readonly intervalMs?: number };
  /** Where the connector logs what it does on its own (reclaimed temporaries). Default: silent. */
  readonly logger?: PluginLogger;
  /** Told after each sweep that removed temporaries: for a metric. */
  readonly onTemporariesReclaimed?: (reclaimed: { readonly files: number; readonly bytes: number }) => void;
}

const placeholder = '{user}';

function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidOptionError(option, 'must be a positive integer');
  return value;
}

function permissionBits(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) throw new InvalidOptionError(option, 'must be 0 to 0o7777');
  return value;
}

function settingsFrom(options: FsStorageOptions): FsSessionSettings {
  const temporaryPrefix = options.temporaryPrefix ?? '.ftp-upload-';
  if (temporaryPrefix === '' || /[/\\\0]/.test(temporaryPrefix) || temporaryPrefix === '.' || temporaryPrefix === '..') {
    throw new InvalidOptionError('temporaryPrefix', 'must be a non-empty file name prefix without "/", "\\" or NUL');
  }
  return {
    temporaryPrefix,
    fileMode: permissionBits('fileMode', options.fileMode, 0o644),
    directoryMode: permissionBits('directoryMode', options.directoryMode, 0o755),
    fsync: options.fsync ?? true,
    readChunkBytes: positiveInteger('readChunkBytes', options.readChunkBytes, 512 * 1024),
    listConcurrency: positiveInteger('listConcurrency', options.listConcurrency, 32),
    calls: fileSystemFrom(options.fileSystem) === 'local' ? eventLoopCalls : threadPoolCalls,
    listInWorker: booleanOption('listInWorker', options.listInWorker, true),
    recordChecksums: checksumAlgorithmsOf(options.recordChecksums),
    checksumRecords: new ChecksumRecords(checksumRecordLimit),
  };
}

/** Files whose upload checksums are remembered at once (a record is under 300 bytes). */
const checksumRecordLimit = 10_000;

function checksumAlgorithmsOf(value: readonly ChecksumAlgorithm[] | undefined): readonly ChecksumAlgorithm[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && isChecksumAlgorithm(item))) {
    throw new InvalidOptionError('recordChecksums', 'must be a list of "SHA-1", "SHA-256", "SHA-512", "MD5" or "CRC32"');
  }
  return Object.freeze([...new Set(value)]);
}

function booleanOption(option: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'must be true or false');
  return value;
}

function fileSystemFrom(value: FsStorageOptions['fileSystem']): 'local' | 'network' {
  if (value === undefined) return 'local';
  if (value !== 'local' && value !== 'network') throw new InvalidOptionError('fileSystem', 'must be "local" or "network"');
  return value;
}

/** Refuses the session: the user must not get any view of the file system. */
function refuse(reason: string, cause?: unknown): StorageError {
  return new StorageError('EACCES', `storage-fs refused the session: ${reason}`, cause === undefined ? {} : { cause });
}

/**
 * Which calls a root gets (`callsForRoot`: a statfs(2)), remembered per device so that a login does not ask again: the
 * file system type cannot change while the device number stays. At most `limit` devices are kept; past that the
 * cache starts over.
 */
class DeviceCallsCache {
  static readonly limit = 1_000;
  readonly #calls: FileCalls;
  readonly #byDevice = new Map<number, FileCalls>();

  constructor(calls: FileCalls) {
    this.#calls = calls;
  }

  callsFor(directory: string, device: number): FileCalls {
    const known = this.#byDevice.get(device);
    if (known !== undefined) return known;
    if (this.#byDevice.size >= DeviceCallsCache.limit) this.#byDevice.clear();
    const calls = callsForRoot(this.#calls, directory);
    this.#byDevice.set(device, calls);
    return calls;
  }
}

/**
 * The segments of an authenticator's `rootDirectory` (a directory of the connector's root that becomes the user's
 * "/"), or a refusal for one that climbs ("..") or holds NUL.
 */
function rootDirectoryOf(user: AuthenticatedUser): string | undefined {
  if (user.rootDirectory === undefined) return undefined;
  const segments = rootDirectorySegments(user.rootDirectory);
  if (segments === undefined) throw refuse('the root directory is not a valid path');
  return segments.length === 0 ? undefined : `/${segments.join('/')}`;
}

/** The roots of sessions opened lately, for the reclaimer where no fixed directory holds them all (a root function). */
class RecentRoots {
  static readonly limit = 10_000;
  readonly #roots = new Set<string>();

  remember(directory: string): void {
    if (this.#roots.has(directory)) return;
    if (this.#roots.size >= RecentRoots.limit) this.#roots.delete(this.#roots.values().next().value!);
    this.#roots.add(directory);
  }

  get roots(): Iterable<string> {
    return this.#roots;
  }
}

/**
 * The directories the reclaimer sweeps: the fixed root; for "/srv/ftp/{user}" the directory that holds every user's
 * root ("/srv/ftp"), so users who have not logged in since a crash are swept too; for a root function the roots of
 * sessions opened so far.
 */
function sweptRoots(root: FsStorageOptions['root'], staticRoot: string | undefined, sessionRoots: RecentRoots): () => Iterable<string> {
  if (staticRoot !== undefined) return () => [staticRoot];
  if (typeof root === 'string') {
    const before = root.slice(0, root.indexOf(placeholder));
    const holder = before.endsWith('/') ? before : dirname(before);
    return () => [holder];
  }
  return () => sessionRoots.roots;
}

const defaultSweepIntervalMs = 60 * 60 * 1000;

/** Starts the reclaimer of orphaned temporaries unless the options turn it off. */
function startReclaimer(
  options: FsStorageOptions,
  temporaryPrefix: string,
  staticRoot: string | undefined,
  sessionRoots: RecentRoots,
): TemporaryReclaimer | undefined {
  const chosen = options.reclaimTemporaries;
  if (chosen === false) return undefined;
  if (chosen !== undefined && (typeof chosen !== 'object' || chosen === null)) {
    throw new InvalidOptionError('reclaimTemporaries', 'must be false or { maxAgeMs, intervalMs }');
  }
  const logger = options.logger;
  return startTemporaryReclaimer({
    roots: sweptRoots(options.root, staticRoot, sessionRoots),
    temporaryPrefix,
    maxAgeMs: positiveInteger('reclaimTemporaries.maxAgeMs', chosen?.maxAgeMs, defaultTemporaryMaxAgeMs),
    intervalMs: positiveInteger('reclaimTemporaries.intervalMs', chosen?.intervalMs, defaultSweepIntervalMs),
    onSwept(result, root) {
      if (result.removedFiles === 0) return;
      logger?.info({ root, files: result.removedFiles, bytes: result.removedBytes }, 'storage-fs reclaimed orphaned upload temporaries');
      options.onTemporariesReclaimed?.({ files: result.removedFiles, bytes: result.removedBytes });
    },
    onError(error, root) {
      logger?.warn({ root, error: String(error) }, 'storage-fs could not sweep for orphaned upload temporaries');
    },
  });
}

/** A root without `{user}` is the same for every login, so `rootFor` runs once for it. */
function staticRootOf(root: FsStorageOptions['root']): string | undefined {
  if (typeof root !== 'string' || root.includes(placeholder)) return undefined;
  try {
    return rootFor(root, { username: '' });
  } catch {
    return undefined; // refused at each login instead, with its reason
  }
}

/** True when a user name is safe to place in a path as one directory name. */
export function isSafeUsername(username: string): boolean {
  return username !== '' && username !== '.' && !/[/\\\0]/.test(username) && !username.includes('..');
}

/** The absolute root directory of `user`, or a refusal. */
export function rootFor(root: FsStorageOptions['root'], user: AuthenticatedUser): string {
  let directory: string;
  if (typeof root === 'function') {
    directory = root(user);
  } else if (root.includes(placeholder)) {
    if (!isSafeUsername(user.username)) throw refuse('the user name cannot name a directory');
    directory = root.replaceAll(placeholder, user.username);
  } else {
    directory = root;
  }
  if (typeof directory !== 'string' || !isAbsolute(directory) || directory.includes('\0')) {
    throw refuse('the root is not an absolute path');
  }
  return resolve(directory);
}

/**
 * A storage connector on the local file system. Each user sees one directory as "/", held open for the session:
 * every path is walked from it through open directory handles and symlinks resolve inside it, as in a chroot.
 * Uploads are atomic (a hidden temporary file renamed over the target); APPE and REST+STOR write in place. Offers every optional capability: append, rename, setModifiedTime, checksum.
 *
 * @example
 * ```ts
 * const storage = createFsStorage({ root: '/srv/ftp/{user}' });
 * ```
 */
export function createFsStorage(options: FsStorageOptions): StorageConnectorV1 {
  const root = options.root;
  if (typeof root !== 'function' && (typeof root !== 'string' || !isAbsolute(root))) {
    throw new InvalidOptionError('root', 'must be an absolute directory path or a function returning one');
  }
  const settings = settingsFrom(options);
  const createRoot = options.createRoot ?? true;

  // The settings for each placement of calls, made once: a copy per session would stay with every idle session.
  const settingsByCalls = new Map<FileCalls, FsSessionSettings>([[settings.calls, settings]]);
  const settingsWith = (calls: FileCalls): FsSessionSettings => {
    let found = settingsByCalls.get(calls);
    // Where fsync has nothing to flush (tmpfs), an upload is as durable without it: 226 still means stored.
    if (found === undefined) settingsByCalls.set(calls, (found = { ...settings, calls, fsync: settings.fsync && calls.fsyncFlushes }));
    return found;
  };

  const staticRoot = staticRootOf(root);
  const sessionRoots = new RecentRoots();
  const callsByDevice = new DeviceCallsCache(settings.calls);

  /**
   * The connector's root for the user (`root`, `{user}` filled in), opened: created first when it is missing and
   * `createRoot` is on. Opened before any mkdir, since the root exists at nearly every login.
   */
  async function openConnectorRoot(directory: string): Promise<{ readonly jail: Jail; readonly rootStats: Stats }> {
    const { calls, temporaryPrefix, directoryMode } = settings;
    try {
      return await openJail(directory, calls, temporaryPrefix);
    } catch (error) {
      if (!createRoot || errnoOf(error) !== 'ENOENT') throw error;
      await calls.mkdir(directory, directoryMode, true);
      return await openJail(directory, calls, temporaryPrefix);
    }
  }

  /**
   * The user's jail: the connector's root for the user, narrowed to the authenticator's `rootDirectory` when it sets
   * one, reached by the in-root walk so that no link can lead above it.
   */
  async function jailFor(user: AuthenticatedUser): Promise<{ readonly jail: Jail; readonly rootStats: Stats }> {
    const directory = staticRoot ?? rootFor(root, user);
    if (typeof root === 'function') sessionRoots.remember(directory);
    const rootDirectory = rootDirectoryOf(user);
    const connectorRoot = await openConnectorRoot(directory);
    if (rootDirectory === undefined) return connectorRoot;
    let jail: Jail | undefined;
    try {
      jail = await connectorRoot.jail.narrowed(rootDirectory, createRoot ? settings.directoryMode : undefined);
      return { jail, rootStats: await settings.calls.fstat(jail.root.fd) };
    } catch (error) {
      jail?.close();
      throw error;
    } finally {
      connectorRoot.jail.close();
    }
  }

  async function openSession(user: AuthenticatedUser, context: PluginContext): Promise<StorageSessionV1> {
    try {
      const { jail, rootStats } = await jailFor(user);
      context.logger.debug({ device: rootStats.dev, inode: rootStats.ino }, 'storage-fs session opened');
      return new FsSession(jail, settingsWith(callsByDevice.callsFor(jail.root.self, rootStats.dev)));
    } catch (error) {
      if (StorageError.isInstance(error)) {
        // A refusal stays one; an outage stays one (421); anything else about the root (missing, not a directory,
        // too deep) refuses this user.
        if (error.storageCode === 'EACCES' || error.storageCode === 'EUNAVAILABLE') throw error;
        throw refuse(`the root cannot be used (${error.storageCode})`, error);
      }
      const errno = errnoOf(error);
      // ENAMETOOLONG: a `{user}` root whose name is longer than a directory name may be (NAME_MAX) cannot exist.
      if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EACCES' || errno === 'EPERM' || errno === 'ENAMETOOLONG') {
        throw refuse(`the root cannot be used (${errno})`, error);
      }
      throw error;
    }
  }

  const reclaimer = startReclaimer(options, settings.temporaryPrefix, staticRoot, sessionRoots);
  const checkHealth = () => checkFsHealth(root, createRoot);
  const close = async (): Promise<void> => {
    reclaimer?.stop();
  };
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: options.name ?? 'fs',
    appliesRootDirectory: true as const,
    openSession,
    checkHealth,
    close,
  });
}
