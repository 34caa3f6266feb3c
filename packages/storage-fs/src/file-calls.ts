import * as fs from 'node:fs';
import type { Dir, Stats } from 'node:fs';
import { promisify } from 'node:util';

/**
 * Where the connector's system calls run: on the event loop for a local file system, in libuv's thread pool for a
 * network one.
 *
 * A thread-pool round trip costs about ten times a cached metadata call made directly, and more while the client keeps
 * the other core busy (docs/performance.md). On a local disk or tmpfs the calls below are bounded: metadata calls touch
 * cached inodes, and a read or write of at most `eventLoopBytes` is one copy to or from the page cache. They run
 * directly, the way nginx makes its open and stat calls. What is not bounded stays in the thread pool whatever the
 * mode: fsync (a device flush), and reads and writes larger than `eventLoopBytes`, so a large transfer never holds
 * the event loop for long. On a network file system every call can wait for a round trip, so all of them go to the
 * thread pool.
 *
 * Every method returns a promise either way, so a failing direct call still arrives as a rejection.
 */
export interface FileCalls {
  /** True when bounded calls run on the event loop ("local"). */
  readonly direct: boolean;
  /**
   * False where fsync(2) has nothing to flush: tmpfs and ramfs implement it as a no-op for files and directories alike
   * (Linux `noop_fsync`), so the connector skips it there, and the directory open that a durable rename needs.
   */
  readonly fsyncFlushes: boolean;
  realpath(path: string): Promise<string>;
  /** lstat, or undefined when nothing is there. */
  lstat(path: string): Promise<Stats | undefined>;
  stat(path: string): Promise<Stats>;
  /** open(2); numeric flags are passed to the kernel as they are (O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK). */
  open(path: string, flags: string | number, mode?: number): Promise<number>;
  fstat(fd: number): Promise<Stats>;
  readlink(path: string): Promise<string>;
  close(fd: number): Promise<void>;
  /** fsync(2); always in the thread pool. */
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  /** Reads into `buffer` from `position`; returns the bytes read. Direct when local and `length` is small. */
  read(fd: number, buffer: Uint8Array, length: number, position: number): Promise<number>;
  /** One writev(2) at `position` (null: the file's offset); returns the bytes written (possibly short). */
  writev(fd: number, chunks: readonly Uint8Array[], byteLength: number, position: number | null): Promise<number>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  copyFileExclusive(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, mode: number, recursive?: boolean): Promise<void>;
  rmdir(path: string): Promise<void>;
  utimes(path: string, accessedAt: Date, modifiedAt: Date): Promise<void>;
  /** utimes of the entry itself, not following a symlink at the end. */
  lutimes(path: string, accessedAt: Date, modifiedAt: Date): Promise<void>;
  opendir(path: string): Promise<Dir>;
  /** chmod(2): follows a symlink at the end, so only for a name that cannot be one (a descriptor's /proc entry). */
  chmod(path: string, mode: number): Promise<void>;
  fchmod(fd: number, mode: number): Promise<void>;
  /** statfs(2) of the file system holding `path`. */
  statfs(path: string): Promise<fs.StatsFs>;
}

/** The largest read or write made on the event loop in local mode: one socket read's worth. */
export const eventLoopBytes = 64 * 1024;

const threadPool = {
  realpath: promisify(fs.realpath.native),
  lstat: promisify(fs.lstat),
  stat: promisify(fs.stat),
  open: promisify(fs.open),
  fstat: promisify(fs.fstat),
  readlink: promisify(fs.readlink),
  lutimes: promisify(fs.lutimes),
  close: promisify(fs.close),
  fsync: promisify(fs.fsync),
  ftruncate: promisify(fs.ftruncate),
  read: promisify(fs.read),
  writev: promisify(fs.writev),
  rename: promisify(fs.rename),
  link: promisify(fs.link),
  copyFile: promisify(fs.copyFile),
  unlink: promisify(fs.unlink),
  mkdir: promisify(fs.mkdir),
  rmdir: promisify(fs.rmdir),
  utimes: promisify(fs.utimes),
  chmod: promisify(fs.chmod),
  fchmod: promisify(fs.fchmod),
  statfs: promisify(fs.statfs),
};

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/** Every call in the thread pool: for network file systems (NFS, SMB, FUSE), where any call may take milliseconds. */
export const threadPoolCalls: FileCalls = {
  direct: false,
  fsyncFlushes: true,
  realpath: (path) => threadPool.realpath(path),
  lstat: async (path) => {
    try {
      return await threadPool.lstat(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  stat: (path) => threadPool.stat(path),
  open: (path, flags, mode) => threadPool.open(path, flags, mode),
  fstat: (fd) => threadPool.fstat(fd),
  readlink: (path) => threadPool.readlink(path, 'utf8'),
  close: (fd) => threadPool.close(fd),
  fsync: (fd) => threadPool.fsync(fd),
  ftruncate: (fd, length) => threadPool.ftruncate(fd, length),
  read: async (fd, buffer, length, position) => (await threadPool.read(fd, buffer, 0, length, position)).bytesRead,
  writev: async (fd, chunks, _byteLength, position) =>
    (await threadPool.writev(fd, chunks as Uint8Array[], position ?? undefined)).bytesWritten,
  rename: (from, to) => threadPool.rename(from, to),
  link: (existing, created) => threadPool.link(existing, created),
  copyFileExclusive: (from, to) => threadPool.copyFile(from, to, fs.constants.COPYFILE_EXCL),
  unlink: (path) => threadPool.unlink(path),
  mkdir: async (path, mode, recursive = false) => {
    await threadPool.mkdir(path, { mode, recursive });
  },
  rmdir: (path) => threadPool.rmdir(path),
  utimes: (path, accessedAt, modifiedAt) => threadPool.utimes(path, accessedAt, modifiedAt),
  lutimes: (path, accessedAt, modifiedAt) => threadPool.lutimes(path, accessedAt, modifiedAt),
  opendir: (path) => fs.promises.opendir(path, { bufferSize: 256 }),
  chmod: (path, mode) => threadPool.chmod(path, mode),
  fchmod: (fd, mode) => threadPool.fchmod(fd, mode),
  statfs: (path) => threadPool.statfs(path),
};

/**
 * Bounded calls on the event loop, for local disks and tmpfs. Methods are `async` so that a synchronous failure
 * becomes a rejection like the thread pool's.
 */
export const eventLoopCalls: FileCalls = {
  direct: true,
  fsyncFlushes: true,
  realpath: async (path) => fs.realpathSync.native(path),
  lstat: async (path) => fs.lstatSync(path, { throwIfNoEntry: false }),
  stat: async (path) => fs.statSync(path),
  open: async (path, flags, mode) => fs.openSync(path, flags, mode),
  fstat: async (fd) => fs.fstatSync(fd),
  readlink: async (path) => fs.readlinkSync(path, 'utf8'),
  close: async (fd) => fs.closeSync(fd),
  fsync: threadPoolCalls.fsync,
  ftruncate: async (fd, length) => fs.ftruncateSync(fd, length),
  read: async (fd, buffer, length, position) =>
    length <= eventLoopBytes ? fs.readSync(fd, buffer, 0, length, position) : threadPoolCalls.read(fd, buffer, length, position),
  writev: async (fd, chunks, byteLength, position) =>
    byteLength <= eventLoopBytes
      ? fs.writevSync(fd, chunks as Uint8Array[], position ?? undefined)
      : threadPoolCalls.writev(fd, chunks, byteLength, position),
  rename: async (from, to) => fs.renameSync(from, to),
  link: async (existing, created) => fs.linkSync(existing, created),
  copyFileExclusive: threadPoolCalls.copyFileExclusive,
  unlink: async (path) => fs.unlinkSync(path),
  mkdir: async (path, mode, recursive = false) => {
    fs.mkdirSync(path, { mode, recursive });
  },
  rmdir: async (path) => fs.rmdirSync(path),
  utimes: async (path, accessedAt, modifiedAt) => fs.utimesSync(path, accessedAt, modifiedAt),
  lutimes: async (path, accessedAt, modifiedAt) => fs.lutimesSync(path, accessedAt, modifiedAt),
  opendir: async (path) => fs.opendirSync(path, { bufferSize: 256 }),
  chmod: async (path, mode) => fs.chmodSync(path, mode),
  fchmod: async (fd, mode) => fs.fchmodSync(fd, mode),
  statfs: async (path) => fs.statfsSync(path),
};

/** statfs(2) `f_type` of the memory file systems, where fsync has nothing to flush. */
const memoryFileSystemTypes = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

/**
 * Local calls for a root on tmpfs or ramfs, where fsync has nothing to flush: the connector does not ask for it
 * (`fsyncFlushes`), which saves an upload four system calls (fsync of the file; open, fsync and close of its
 * directory).
 */
export const memoryFileSystemCalls: FileCalls = { ...eventLoopCalls, fsyncFlushes: false };

/** The calls for a session whose root is `directory`: `memoryFileSystemCalls` when local mode finds a memory file system. */
export function callsForRoot(calls: FileCalls, directory: string): FileCalls {
  if (calls !== eventLoopCalls) return calls;
  try {
    return memoryFileSystemTypes.has(fs.statfsSync(directory).type) ? memoryFileSystemCalls : calls;
  } catch {
    return calls;
  }
}
