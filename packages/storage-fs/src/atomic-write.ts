import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { errnoOf } from './errno-to-storage-error.ts';
import type { DirectoryHandle } from './directory-handle.ts';
import type { FileCalls } from './file-calls.ts';
import { markTemporaryActive, markTemporaryDone } from './reclaim-temporaries.ts';
import { throwIfAborted, writeAll } from './write-all.ts';

export interface AtomicWriteOptions {
  readonly signal: AbortSignal;
  /** Fail with EEXIST instead of replacing an existing target (STOU). */
  readonly exclusive: boolean;
  /** Mode of a new file, before the umask. */
  readonly fileMode: number;
  /** Start of the temporary file's name; listings hide names that start with it. */
  readonly temporaryPrefix: string;
  /** fsync the file and its directory before resolving. */
  readonly fsync: boolean;
  /** Where the system calls run (event loop or thread pool). */
  readonly calls: FileCalls;
  /**
   * Told the stats of the file as published by a rename (not with `exclusive`), taken on its still open descriptor:
   * the file that was written, whatever has been put at its name since.
   */
  readonly onPublished?: (stats: Stats) => void;
}

/**
 * Temporary names: a random part drawn once per process and a counter, so no upload pays for random bytes. The
 * name only has to be hard to guess and unused; 'wx' (O_EXCL) makes a clash fail instead of sharing a file.
 */
const processTag = randomBytes(6).toString('hex');
let temporaryCounter = 0;

/** The name of a fresh temporary file. */
export function temporaryNameFor(temporaryPrefix: string): string {
  temporaryCounter = (temporaryCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${temporaryPrefix}${processTag}${temporaryCounter.toString(36)}`;
}

/** fsync a directory so a rename in it survives a crash; best effort, some file systems refuse. */
async function syncDirectory(calls: FileCalls, directory: DirectoryHandle): Promise<void> {
  try {
    await calls.fsync(directory.fd);
  } catch {
    // Durability of the directory entry is a bonus; the file's own content is already synced.
  }
}

async function removeQuietly(calls: FileCalls, path: string): Promise<void> {
  try {
    await calls.unlink(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
}

/** Publishes the temporary file at `targetPath` only if nothing is there yet: link(2) fails with EEXIST atomically. */
async function publishExclusively(calls: FileCalls, temporaryPath: string, targetPath: string): Promise<void> {
  try {
    await calls.link(temporaryPath, targetPath);
  } catch (error) {
    const errno = errnoOf(error);
    // Some file systems (FAT, some FUSE mounts) have no hard links: COPYFILE_EXCL is still exclusive, not atomic.
    if (errno !== 'EPERM' && errno !== 'ENOTSUP' && errno !== 'EOPNOTSUPP') throw error;
    await calls.copyFileExclusive(temporaryPath, targetPath);
  }
}

/**
 * Stores `data` as the entry `name` of the open `directory` so that readers see the old content or the new, never a
 * part (RFC 959 STOR with the contract's atomic replacement): the bytes go to a hidden temporary file in the same
 * directory, which is fsynced and then renamed over the target. Both names are addressed through the directory's
 * handle, so the file lands in the directory that was checked, even if its path changed meanwhile. On any failure or
 * abort the temporary file is removed and the target is untouched. Returns the number of bytes stored.
 */
export async function writeAtomically(
  directory: DirectoryHandle,
  name: string,
  data: AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions,
): Promise<number> {
  throwIfAborted(options.signal);
  if (name.startsWith(options.temporaryPrefix)) throw new Error('refusing to write a temporary name');
  const { calls } = options;
  const temporaryName = temporaryNameFor(options.temporaryPrefix);
  const temporaryPath = directory.at(temporaryName);
  const targetPath = directory.at(name);
  let fd: number | undefined;
  let temporaryExists = false;
  markTemporaryActive(temporaryName);
  try {
    // 'wx' is O_CREAT|O_EXCL: never opens an existing file or follows a symlink planted at the temporary name.
    fd = await calls.open(temporaryPath, 'wx', options.fileMode);
    temporaryExists = true;
    const bytesWritten = await writeAll(calls, fd, data, options.signal, 0);
    if (options.fsync) await calls.fsync(fd);
    throwIfAborted(options.signal);
    // The synced file may be published while its descriptor closes: in the thread pool both calls overlap. Only
    // when its stats as published are wanted does the descriptor stay open until after the rename (which changes
    // the file's ctime).
    const statsWanted = options.onPublished !== undefined && !options.exclusive;
    let closing: Promise<void> | undefined;
    if (!statsWanted) {
      closing = calls.close(fd);
      fd = undefined;
    }
    try {
      if (options.exclusive) {
        await publishExclusively(calls, temporaryPath, targetPath);
      } else {
        await calls.rename(temporaryPath, targetPath);
        temporaryExists = false;
      }
    } finally {
      await closing;
    }
    if (statsWanted) {
      // The upload is stored whatever happens here: stats that cannot be taken only mean nothing is told.
      const stats = await calls.fstat(fd!).catch(() => undefined);
      if (stats !== undefined) options.onPublished!(stats);
    }
    if (options.fsync) await syncDirectory(calls, directory);
    return bytesWritten;
  } finally {
    if (fd !== undefined) await calls.close(fd).catch(() => {});
    if (temporaryExists) await removeQuietly(calls, temporaryPath);
    markTemporaryDone(temporaryName);
  }
}

export interface InPlaceWriteOptions {
  readonly signal: AbortSignal;
  readonly fsync: boolean;
  readonly calls: FileCalls;
}

/**
 * Writes `data` into the open file `fd` in place: from `offset` after cutting the file there (REST+STOR resumes), or
 * at the end with `offset` null (APPE, the file opened with O_APPEND). Not atomic by design: a broken resume or
 * append keeps what arrived, which is what lets the client resume again. The caller opens and closes the file.
 */
export async function writeInPlace(
  fd: number,
  data: AsyncIterable<Uint8Array>,
  offset: number | null,
  options: InPlaceWriteOptions,
): Promise<number> {
  throwIfAborted(options.signal);
  const { calls } = options;
  if (offset !== null) await calls.ftruncate(fd, offset);
  const bytesWritten = await writeAll(calls, fd, data, options.signal, offset);
  if (options.fsync) await calls.fsync(fd);
  return bytesWritten;
}
