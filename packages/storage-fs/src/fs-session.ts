import { createHash } from 'node:crypto';
import { createReadStream, realpathSync, statSync, type Dir, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { addAbortSignal } from 'node:stream';
import { crc32 } from 'node:zlib';
import { storageError } from '@ftp/plugin-api';
import type {
  ChecksumAlgorithm,
  FileEntry,
  ReadOptions,
  ReadSource,
  StorageCallOptions,
  StorageSessionV1,
  WriteOptions,
  WriteResult,
} from '@ftp/plugin-api';
import { writeAtomically, writeInPlace } from './atomic-write.ts';
import type { FileCalls } from './file-calls.ts';
import { batchesInFlight, statInWorker, WorkerUnavailableError, workerBatchEntries } from './list-worker.ts';
import { readAhead } from './read-ahead.ts';
import { errnoOf, mapErrors } from './errno-to-storage-error.ts';
import { fileEntryFromStats } from './file-entry-from-stats.ts';
import { flattenBatches } from './flatten-batches.ts';
import type { PathJail } from './path-jail.ts';
import { throwIfAborted } from './write-all.ts';

/**
 * Entries stat'ed in one synchronous batch when listing a local file system: a stat of a cached inode
 * takes about a microsecond, while a thread-pool round trip per entry costs ten times that and made a 10k-entry
 * LIST several times slower than the C servers (issue 6 profile: `stat` 43% of the listing's CPU). The event loop
 * is blocked for one batch at most.
 */
const syncStatBatch = 256;

/** The entry for one directory member, stat'ed synchronously; undefined for what a client must not see. */
function entryOfSync(jail: PathJail, directoryPath: string, dirent: Dirent): FileEntry | undefined {
  const entryPath = join(directoryPath, dirent.name);
  try {
    if (dirent.isSymbolicLink() && !jail.contains(realpathSync.native(entryPath))) return undefined;
    const stats = statSync(entryPath, { throwIfNoEntry: false });
    if (stats === undefined || (!stats.isFile() && !stats.isDirectory())) return undefined;
    return fileEntryFromStats(dirent.name, stats);
  } catch (error) {
    // Dangling links and entries removed since the directory was read are left out.
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'ELOOP' || errno === 'ENOTDIR' || errno === 'EACCES') return undefined;
    throw error;
  }
}

/** The resolved operator settings a session works with. */
export interface FsSessionSettings {
  readonly temporaryPrefix: string;
  readonly fileMode: number;
  readonly directoryMode: number;
  readonly fsync: boolean;
  readonly readChunkBytes: number;
  /** Entries stat'ed at once in the thread pool when listing a network file system without the worker. */
  readonly listConcurrency: number;
  /** Listings stat'ed in worker threads (falling back to the calls below when no worker starts). */
  readonly listInWorker: boolean;
  /** Where system calls run: the event loop for a local file system (entries stat'ed in batches), or the thread pool. */
  readonly calls: FileCalls;
}

const nodeHashNames = { 'SHA-256': 'sha256', 'SHA-1': 'sha1', MD5: 'md5' } as const;

/** One user's view of the file system: every path goes through the jail of that user's root. */
export class FsSession implements StorageSessionV1 {
  private readonly jail: PathJail;
  private readonly settings: FsSessionSettings;

  constructor(jail: PathJail, settings: FsSessionSettings) {
    this.jail = jail;
    this.settings = settings;
  }

  stat(path: string): Promise<FileEntry> {
    return mapErrors(path, async () => {
      const found = await this.jail.existing(path);
      return fileEntryFromStats(found.name === '' ? '/' : found.name, found.stats ?? (await this.statOf(found.realPath)));
    });
  }

  /** stat(2) of a real path. */
  private statOf(realPath: string): Promise<Stats> {
    return this.settings.calls.stat(realPath);
  }

  list(path: string, options: StorageCallOptions): AsyncIterable<FileEntry> {
    return flattenBatches(this.listBatches(path, options));
  }

  /** The entries of a directory in the batches they are stat'ed in. */
  private async *listBatches(path: string, options: StorageCallOptions): AsyncGenerator<FileEntry[]> {
    const found = await mapErrors(path, () => this.jail.existing(path));
    const { calls, listInWorker } = this.settings;
    // opendir streams the directory in small batches, so a directory of any size lists in bounded memory.
    const directory = await mapErrors(path, () => calls.opendir(found.realPath));
    const batchSize = listInWorker ? workerBatchEntries : calls.direct ? syncStatBatch : this.settings.listConcurrency;
    // With workers, up to `batchesInFlight` batches are stat'ed there while the oldest is yielded here.
    const inFlight: Array<Promise<() => ReadonlyArray<FileEntry | undefined>>> = [];
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && inFlight.length < (listInWorker ? batchesInFlight : 1)) {
          const batch = await this.readNames(directory, batchSize);
          if (batch.length < batchSize) exhausted = true;
          if (batch.length === 0) break;
          const entries = this.entriesOf(found.realPath, batch);
          entries.catch(() => {}); // awaited in order below; an early stop must not make it unhandled
          inFlight.push(entries);
        }
        const next = inFlight.shift();
        if (next === undefined) return;
        throwIfAborted(options.signal);
        const entries: FileEntry[] = [];
        for (const entry of (await next)()) if (entry !== undefined) entries.push(entry);
        yield entries;
      }
    } finally {
      if (calls.direct) directory.closeSync();
      else await directory.close();
    }
  }

  /** Up to `count` entries of an open directory, without in-progress uploads. */
  private async readNames(directory: Dir, count: number): Promise<Dirent[]> {
    const { calls, temporaryPrefix } = this.settings;
    const batch: Dirent[] = [];
    while (batch.length < count) {
      // On a local file system the names come synchronously: a promise per buffered entry cost 10% of a LIST.
      const dirent = calls.direct ? directory.readSync() : await directory.read();
      if (dirent === null) break;
      if (!dirent.name.startsWith(temporaryPrefix)) batch.push(dirent);
    }
    return batch;
  }

  /**
   * The entries of one batch, stat'ed in a worker when there is one, else here (event loop or thread pool). Resolves
   * with a function that gives them: a worker's batch makes its objects only when asked (see `statInWorker`).
   */
  private async entriesOf(directoryPath: string, batch: Dirent[]): Promise<() => ReadonlyArray<FileEntry | undefined>> {
    if (this.settings.listInWorker) {
      try {
        return await statInWorker(directoryPath, this.jail.root, batch.map((dirent) => dirent.name));
      } catch (error) {
        if (!(error instanceof WorkerUnavailableError)) throw error;
      }
    }
    const entries = this.settings.calls.direct
      ? batch.map((dirent) => entryOfSync(this.jail, directoryPath, dirent))
      : await Promise.all(batch.map((dirent) => this.entryOf(directoryPath, dirent)));
    return () => entries;
  }

  /** The entry for one directory member; undefined for what a client must not see or cannot transfer. */
  private async entryOf(directoryPath: string, dirent: Dirent): Promise<FileEntry | undefined> {
    const entryPath = join(directoryPath, dirent.name);
    try {
      const { calls } = this.settings;
      if (dirent.isSymbolicLink()) {
        if (!this.jail.contains(await calls.realpath(entryPath))) return undefined;
      }
      const stats = await calls.stat(entryPath);
      if (!stats.isFile() && !stats.isDirectory()) return undefined;
      return fileEntryFromStats(dirent.name, stats);
    } catch (error) {
      // Dangling links and entries removed since the directory was read are left out.
      const errno = errnoOf(error);
      if (errno === 'ENOENT' || errno === 'ELOOP' || errno === 'ENOTDIR' || errno === 'EACCES') return undefined;
      throw error;
    }
  }

  read(path: string, options: ReadOptions): Promise<ReadSource> {
    return mapErrors(path, async () => {
      throwIfAborted(options.signal);
      const found = await this.jail.existing(path);
      const { size } = await this.requireFile(found.realPath, path, found.stats);
      const { calls } = this.settings;
      const fd = await calls.open(found.realPath, 'r');
      // The generator owns the descriptor: ending, an early return() and an abort all close the file.
      return readAhead(calls, fd, options.offset, this.settings.readChunkBytes, options.signal, size, options.bufferPool);
    });
  }

  write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
    return mapErrors(path, async () => {
      if (!Number.isSafeInteger(options.offset) || options.offset < 0) throw storageError('EBADNAME', path);
      throwIfAborted(options.signal);
      const target = await this.jail.creatable(path);
      if (target.name === '') throw storageError('EISDIR', path);
      if (target.existingRealPath !== undefined) {
        const existingStats = target.existingStats ?? (await this.statOf(target.existingRealPath));
        if (existingStats.isDirectory()) throw storageError('EISDIR', path);
        if (options.exclusive === true) throw storageError('EEXIST', path);
      }
      const { fileMode, fsync, temporaryPrefix, calls } = this.settings;
      if (options.offset > 0) {
        if (target.existingRealPath === undefined) throw storageError('ENOENT', path);
        const bytesWritten = await writeInPlace(target.existingRealPath, data, options.offset, {
          signal: options.signal,
          fileMode,
          fsync,
          calls,
        });
        return { bytesWritten };
      }
      // Writing through an in-root symlink replaces the file it points to, not the link.
      const bytesWritten = await writeAtomically(target.existingRealPath ?? target.entryPath, data, {
        signal: options.signal,
        exclusive: options.exclusive === true,
        fileMode,
        temporaryPrefix,
        fsync,
        calls,
      });
      return { bytesWritten };
    });
  }

  append(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult> {
    return mapErrors(path, async () => {
      const target = await this.jail.creatable(path);
      if (target.name === '') throw storageError('EISDIR', path);
      if (target.existingRealPath !== undefined) await this.requireFile(target.existingRealPath, path, target.existingStats);
      const { fileMode, fsync, calls } = this.settings;
      const destination = target.existingRealPath ?? target.entryPath;
      return { bytesWritten: await writeInPlace(destination, data, null, { signal: options.signal, fileMode, fsync, calls }) };
    });
  }

  delete(path: string): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.existing(path);
      if (found.name === '' || (found.stats ?? (await this.statOf(found.realPath))).isDirectory()) throw storageError('EISDIR', path);
      // Unlinks the entry itself: deleting an in-root symlink removes the link, not the file it points to.
      await this.settings.calls.unlink(found.entryPath);
    });
  }

  makeDirectory(path: string): Promise<void> {
    return mapErrors(path, async () => {
      const target = await this.jail.creatable(path);
      if (target.existingRealPath !== undefined) throw storageError('EEXIST', path);
      await this.settings.calls.mkdir(target.entryPath, this.settings.directoryMode);
    });
  }

  removeDirectory(path: string): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.existing(path);
      if (found.name === '') throw storageError('EACCES', path);
      const { calls } = this.settings;
      if ((await calls.lstat(found.entryPath))?.isSymbolicLink() === true) throw storageError('ENOTDIR', path);
      try {
        await calls.rmdir(found.entryPath);
      } catch (error) {
        // POSIX allows EEXIST for a non-empty directory (rmdir(2)); the contract has one code for it.
        if (errnoOf(error) === 'EEXIST') throw storageError('ENOTEMPTY', path, error);
        throw error;
      }
    });
  }

  rename(from: string, to: string): Promise<void> {
    return mapErrors(from, async () => {
      const source = await this.jail.existing(from);
      if (source.name === '') throw storageError('EACCES', from);
      const target = await mapErrors(to, () => this.jail.creatable(to));
      if (target.entryPath === source.entryPath) return;
      if (target.existingRealPath !== undefined) {
        const sourceIsDirectory = (source.stats ?? (await this.statOf(source.realPath))).isDirectory();
        const targetIsDirectory = (target.existingStats ?? (await this.statOf(target.existingRealPath))).isDirectory();
        if (sourceIsDirectory || targetIsDirectory) throw storageError('EEXIST', to);
      }
      await mapErrors(to, () => this.settings.calls.rename(source.entryPath, target.entryPath));
    });
  }

  setModifiedTime(path: string, time: Date): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.existing(path);
      const stats = found.stats ?? (await this.statOf(found.realPath));
      await this.settings.calls.utimes(found.realPath, stats.atime, time);
    });
  }

  checksum(path: string, algorithm: ChecksumAlgorithm, options: StorageCallOptions): Promise<string> {
    return mapErrors(path, async () => {
      const found = await this.jail.existing(path);
      await this.requireFile(found.realPath, path, found.stats);
      const stream = createReadStream(found.realPath, { highWaterMark: this.settings.readChunkBytes });
      addAbortSignal(options.signal, stream);
      if (algorithm === 'CRC32') {
        let value = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) value = crc32(chunk, value);
        return value.toString(16).padStart(8, '0');
      }
      const hash = createHash(nodeHashNames[algorithm]);
      for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
      return hash.digest('hex');
    });
  }

  async close(): Promise<void> {}

  /**
   * EISDIR for a directory, EACCES for a device, FIFO or socket (opening a FIFO would block the session). `known` is
   * the stat the look-up already made, if it did.
   */
  private async requireFile(realPath: string, virtualPath: string, known?: Stats): Promise<Stats> {
    const stats = known ?? (await this.statOf(realPath));
    if (stats.isDirectory()) throw storageError('EISDIR', virtualPath);
    if (!stats.isFile()) throw storageError('EACCES', virtualPath);
    return stats;
  }
}
