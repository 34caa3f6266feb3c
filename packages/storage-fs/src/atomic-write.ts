import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf } from './errno-to-storage-error.ts';
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
}

/**
 * Temporary names: a random part drawn once per process and a counter, so no upload pays for random bytes. The
 * name only has to be hard to guess and unused; 'wx' (O_EXCL) makes a clash fail instead of sharing a file.
 */
const processTag = randomBytes(6).toString('hex');
let temporaryCounter = 0;

/** The name of a fresh temporary file beside `targetPath`. */
export function temporaryPathFor(targetPath: string, temporaryPrefix: string): string {
  temporaryCounter = (temporaryCounter + 1) % Number.MAX_SAFE_INTEGER;
  return join(dirname(targetPath), `${temporaryPrefix}${processTag}${temporaryCounter.toString(36)}`);
}

/** Opens a directory for the fsync that makes a rename in it durable; undefined when the file system refuses. */
async function openDirectory(directoryPath: string): Promise<FileHandle | undefined> {
  try {
    return await open(directoryPath, 'r');
  } catch {
    return undefined;
  }
}

/** fsync a directory so a rename in it survives a crash; best effort, some file systems refuse. */
async function syncDirectory(directory: FileHandle | undefined): Promise<void> {
  try {
    await directory?.sync();
  } catch {
    // Durability of the directory entry is a bonus; the file's own content is already synced.
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
}

/** Publishes the temporary file at `targetPath` only if nothing is there yet: link(2) fails with EEXIST atomically. */
async function publishExclusively(temporaryPath: string, targetPath: string): Promise<void> {
  try {
    await link(temporaryPath, targetPath);
  } catch (error) {
    const errno = errnoOf(error);
    // Some file systems (FAT, some FUSE mounts) have no hard links: COPYFILE_EXCL is still exclusive, not atomic.
    if (errno !== 'EPERM' && errno !== 'ENOTSUP' && errno !== 'EOPNOTSUPP') throw error;
    await copyFile(temporaryPath, targetPath, constants.COPYFILE_EXCL);
  }
}

/**
 * Stores `data` at `targetPath` so that readers see the old content or the new, never a part (RFC 959 STOR with
 * the contract's atomic replacement): the bytes go to a hidden temporary file in the same directory, which is
 * fsynced and then renamed over the target. On any failure or abort the temporary file is removed and the target
 * is untouched. Returns the number of bytes stored.
 */
export async function writeAtomically(
  targetPath: string,
  data: AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions,
): Promise<number> {
  throwIfAborted(options.signal);
  if (basename(targetPath).startsWith(options.temporaryPrefix)) throw new Error('refusing to write a temporary name');
  const temporaryPath = temporaryPathFor(targetPath, options.temporaryPrefix);
  // The directory is opened while the data arrives, so its fsync after the rename costs one call, not three.
  const directoryOpening = options.fsync ? openDirectory(dirname(targetPath)) : Promise.resolve(undefined);
  let handleOpen = false;
  let temporaryExists = false;
  let handle: FileHandle | undefined;
  try {
    // 'wx' is O_CREAT|O_EXCL: never opens an existing file or follows a symlink planted at the temporary name.
    handle = await open(temporaryPath, 'wx', options.fileMode);
    handleOpen = true;
    temporaryExists = true;
    const bytesWritten = await writeAll(handle, data, options.signal, 0);
    if (options.fsync) await handle.sync();
    throwIfAborted(options.signal);
    // The synced file may be published while its descriptor closes: both are thread-pool calls that can overlap.
    handleOpen = false;
    const closing = handle.close();
    try {
      if (options.exclusive) {
        await publishExclusively(temporaryPath, targetPath);
      } else {
        await rename(temporaryPath, targetPath);
        temporaryExists = false;
      }
    } finally {
      await closing;
    }
    if (options.fsync) await syncDirectory(await directoryOpening);
    return bytesWritten;
  } finally {
    if (handleOpen) await handle?.close().catch(() => {});
    if (temporaryExists) await removeQuietly(temporaryPath);
    void directoryOpening.then((directory) => directory?.close()).catch(() => {});
  }
}

export interface InPlaceWriteOptions {
  readonly signal: AbortSignal;
  readonly fileMode: number;
  readonly fsync: boolean;
}

/**
 * Writes `data` into an existing file in place: from `offset` after cutting the file there (REST+STOR resumes), or
 * at the end with `offset` null (APPE, creating the file if missing). Not atomic by design: a broken resume or
 * append keeps what arrived, which is what lets the client resume again.
 */
export async function writeInPlace(
  path: string,
  data: AsyncIterable<Uint8Array>,
  offset: number | null,
  options: InPlaceWriteOptions,
): Promise<number> {
  throwIfAborted(options.signal);
  const handle = await open(path, offset === null ? 'a' : 'r+', options.fileMode);
  try {
    if (offset !== null) await handle.truncate(offset);
    const bytesWritten = await writeAll(handle, data, options.signal, offset);
    if (options.fsync) await handle.sync();
    return bytesWritten;
  } finally {
    await handle.close();
  }
}
