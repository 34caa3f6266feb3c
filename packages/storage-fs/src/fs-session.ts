import { constants, type Dir, type Dirent, type Stats } from 'node:fs';
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
import { UploadDigests, type ChecksumRecords } from './checksum-records.ts';
import { entryAddressing, type DirectoryHandle } from './directory-handle.ts';
import { entryKindOf, isTemporaryName } from './entry-visibility.ts';
import type { FileCalls } from './file-calls.ts';
import {
  batchesInFlight,
  fieldsPerEntry,
  lstatInWorker,
  WorkerUnavailableError,
  workerBatchEntries,
  writeEntryFacts,
  type ListedBatch,
} from './list-worker.ts';
import { readAhead } from './read-ahead.ts';
import { errnoOf, mapErrors } from './errno-to-storage-error.ts';
import { fileEntryFromFacts, fileEntryFromStats } from './file-entry-from-stats.ts';
import { flattenBatches } from './flatten-batches.ts';
import type { Jail, Located } from './jail.ts';
import { throwIfAborted } from './write-all.ts';

/**
 * Entries lstat'ed in one synchronous batch when listing a local file system: an lstat of a cached inode takes a few
 * microseconds, while a thread-pool round trip per entry costs ten times that. The event loop is blocked for one
 * batch at most.
 */
const syncStatBatch = 256;

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
  /** Digests computed as uploads pass, recorded at commit in `checksumRecords` (shared by the connector's sessions). */
  readonly recordChecksums: readonly ChecksumAlgorithm[];
  readonly checksumRecords: ChecksumRecords;
}

/** Opens a file to read it: never through a symlink at the end, never blocking on a FIFO. */
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Opens an existing file to resume an upload in it (REST+STOR). */
const resumeFlags = constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/**
 * O_PATH (Linux): a descriptor that names an entry without opening it for reading or writing, so SITE CHMOD works on
 * a file whose mode the server process cannot read. Node.js does not export the constant; it has this value on every
 * architecture Node.js runs on Linux (include/uapi/asm-generic/fcntl.h, which none of them overrides for O_PATH).
 */
const linuxPathOnly = 0o10000000;

/**
 * How SITE CHMOD reaches the entry it changes: through a descriptor opened without following a symlink, so the mode
 * lands on the entry the jail's walk found and never on what a link swapped in meanwhile leads to. On Linux with
 * /proc, an O_PATH descriptor and chmod of its /proc entry (fchmod refuses O_PATH descriptors); elsewhere, a
 * read-only open and fchmod, which needs the entry to be readable by the server process.
 */
function modeChangeAccess(): { readonly flags: number; readonly procPrefix: string | undefined } {
  const addressing = entryAddressing();
  if (process.platform === 'linux' && addressing.kind === 'descriptor') {
    return { flags: linuxPathOnly | constants.O_NOFOLLOW, procPrefix: addressing.prefix };
  }
  return { flags: constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK, procPrefix: undefined };
}

/** Opens a file to append to it, creating it if missing (APPE). */
const appendFlags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The entry of what `stats` describes, or ENOENT where the visibility rule hides it. */
function visibleEntry(name: string, stats: Stats | undefined, virtualPath: string): FileEntry {
  const kind = stats === undefined ? 'hidden' : entryKindOf(stats.mode);
  if (kind !== 'file' && kind !== 'directory') throw storageError('ENOENT', virtualPath);
  return fileEntryFromStats(name, stats!);
}

/**
 * One user's view of the file system. Every path goes through the session's jail (see `Jail`): each operation acts on
 * the directory handle the jail's walk produced, and on the file it opened, so what was checked is what is used.
 */
export class FsSession implements StorageSessionV1 {
  private readonly jail: Jail;
  private readonly settings: FsSessionSettings;

  constructor(jail: Jail, settings: FsSessionSettings) {
    this.jail = jail;
    this.settings = settings;
  }

  stat(path: string): Promise<FileEntry> {
    return mapErrors(path, async () => {
      const found = await this.jail.resolve(path);
      found.parent.release();
      // Named as asked: a link is shown under its own name, as what it leads to.
      return visibleEntry(path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1), found.stats, path);
    });
  }

  list(path: string, options: StorageCallOptions): AsyncIterable<FileEntry> {
    return flattenBatches(this.listBatches(path, options));
  }

  /** The entries of a directory in the batches they are stat'ed in. */
  private async *listBatches(path: string, options: StorageCallOptions): AsyncGenerator<FileEntry[]> {
    const directory = await mapErrors(path, () => this.jail.directory(path));
    const { calls, listInWorker } = this.settings;
    let opened: Dir | undefined;
    try {
      // opendir streams the directory in small batches, so a directory of any size lists in bounded memory.
      opened = await mapErrors(path, () => calls.opendir(directory.self));
      const batchSize = listInWorker ? workerBatchEntries : calls.direct ? syncStatBatch : this.settings.listConcurrency;
      // With workers, up to `batchesInFlight` batches are stat'ed there while the oldest is yielded here.
      const inFlight: Array<Promise<ListedBatch>> = [];
      let exhausted = false;
      for (;;) {
        while (!exhausted && inFlight.length < (listInWorker ? batchesInFlight : 1)) {
          const batch = await this.readNames(opened, batchSize);
          if (batch.length < batchSize) exhausted = true;
          if (batch.length === 0) break;
          const entries = this.lstatBatch(directory, batch);
          entries.catch(() => {}); // awaited in order below; an early stop must not make it unhandled
          inFlight.push(entries);
        }
        const next = inFlight.shift();
        if (next === undefined) return;
        throwIfAborted(options.signal);
        yield await this.visibleEntries(directory, await next, path);
      }
    } finally {
      if (opened !== undefined) {
        if (calls.direct) opened.closeSync();
        else await opened.close();
      }
      directory.release();
    }
  }

  /** Up to `count` names of an open directory, without in-progress uploads. */
  private async readNames(directory: Dir, count: number): Promise<string[]> {
    const { calls, temporaryPrefix } = this.settings;
    const batch: string[] = [];
    while (batch.length < count) {
      // On a local file system the names come synchronously: a promise per buffered entry is a measurable share of a LIST.
      const dirent: Dirent | null = calls.direct ? directory.readSync() : await directory.read();
      if (dirent === null) break;
      if (!isTemporaryName(dirent.name, temporaryPrefix)) batch.push(dirent.name);
    }
    return batch;
  }

  /** The lstat facts of one batch of names: in a worker when there is one, else here (event loop or thread pool). */
  private async lstatBatch(directory: DirectoryHandle, names: string[]): Promise<ListedBatch> {
    if (this.settings.listInWorker) {
      try {
        return await lstatInWorker(directory.self, names);
      } catch (error) {
        if (!(error instanceof WorkerUnavailableError)) throw error;
      }
    }
    const { calls } = this.settings;
    const facts = new Float64Array(names.length * fieldsPerEntry);
    await Promise.all(names.map(async (name, index) => writeEntryFacts(facts, index, await calls.lstat(directory.at(name)))));
    return { names, facts };
  }

  /**
   * The entries of a batch a client may see, by the connector's one visibility rule (`entryKindOf`): a symlink is
   * followed inside the root and shown as what it leads to, under its own name.
   */
  private async visibleEntries(directory: DirectoryHandle, batch: ListedBatch, path: string): Promise<FileEntry[]> {
    const { names, facts } = batch;
    const entries: FileEntry[] = [];
    for (let index = 0; index < names.length; index++) {
      const kind = entryKindOf(facts[index * fieldsPerEntry]!);
      if (kind === 'file' || kind === 'directory') {
        entries.push(fileEntryFromFacts(names[index]!, facts, index, kind === 'directory'));
      } else if (kind === 'link') {
        const target = await this.linkTarget(directory, names[index]!, path);
        if (target !== undefined) entries.push(fileEntryFromStats(names[index]!, target));
      }
    }
    return entries;
  }

  /** What the link `name` of `directory` leads to inside the root; undefined when dangling, looping or hidden. */
  private async linkTarget(directory: DirectoryHandle, name: string, path: string): Promise<Stats | undefined> {
    try {
      const stats = await this.settings.calls.lstat(directory.at(name));
      const found = await this.jail.follow({ parent: directory.retain(), name, stats }, path);
      found.parent.release();
      const kind = found.stats === undefined ? 'hidden' : entryKindOf(found.stats.mode);
      return kind === 'file' || kind === 'directory' ? found.stats : undefined;
    } catch {
      return undefined;
    }
  }

  read(path: string, options: ReadOptions): Promise<ReadSource> {
    return mapErrors(path, async () => {
      throwIfAborted(options.signal);
      const { fd, stats } = await this.openFile(path, readFlags);
      // The generator owns the descriptor: ending, an early return() and an abort all close the file.
      return readAhead(
        this.settings.calls,
        fd,
        options.offset,
        this.settings.readChunkBytes,
        options.signal,
        stats.size,
        options.bufferPool,
      );
    });
  }

  /**
   * Opens the file `path` names, following symlinks inside the root, with `flags` (which include O_NOFOLLOW): the
   * descriptor is what every later call uses. EISDIR for a directory; ENOENT for what the visibility rule hides.
   */
  private async openFile(path: string, flags: number, mode?: number): Promise<{ fd: number; stats: Stats }> {
    const { calls } = this.settings;
    const budget = { steps: 0, links: 0 };
    let found: Located | undefined = await this.jail.locate(path);
    try {
      for (;;) {
        if (found.name === '') throw storageError('EISDIR', path);
        let fd: number;
        try {
          fd = await calls.open(found.parent.at(found.name), flags, mode);
        } catch (error) {
          const errno = errnoOf(error);
          if (errno === 'EISDIR') throw storageError('EISDIR', path);
          if (errno !== 'ELOOP') throw error;
          // A symlink at the end: follow it inside the root and open what it names. A link swapped back for a file
          // meanwhile counts as a hop too, so a racing swap cannot keep this loop going.
          const link: Located = { ...found, stats: await calls.lstat(found.parent.at(found.name)) };
          if (link.stats?.isSymbolicLink() !== true && ++budget.links > this.jail.maxLinkHops) throw storageError('ENOENT', path);
          found = undefined; // `follow` takes the parent over, and releases it whatever happens
          found = await this.jail.follow(link, path, budget);
          continue;
        }
        const stats = await calls.fstat(fd).catch(async (error: unknown) => {
          await calls.close(fd);
          throw error;
        });
        const kind = entryKindOf(stats.mode);
        if (kind !== 'file') {
          await calls.close(fd);
          throw storageError(kind === 'directory' ? 'EISDIR' : 'ENOENT', path);
        }
        return { fd, stats };
      }
    } finally {
      found?.parent.release();
    }
  }

  write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
    return mapErrors(path, async () => {
      if (!Number.isSafeInteger(options.offset) || options.offset < 0) throw storageError('EBADNAME', path);
      throwIfAborted(options.signal);
      const { fileMode, fsync, temporaryPrefix, calls } = this.settings;
      if (options.offset > 0) {
        const { fd, stats } = await this.openFile(path, resumeFlags);
        this.settings.checksumRecords.forget(stats);
        try {
          return { bytesWritten: await writeInPlace(fd, data, options.offset, { signal: options.signal, fsync, calls }) };
        } finally {
          await calls.close(fd);
        }
      }
      // Writing through an in-root symlink replaces the file it leads to, not the link.
      const target = await this.jail.resolve(path);
      try {
        if (target.name === '') throw storageError('EISDIR', path);
        if (target.stats !== undefined) {
          if (target.stats.isDirectory()) throw storageError('EISDIR', path);
          if (options.exclusive === true) throw storageError('EEXIST', path);
        }
        const { recordChecksums, checksumRecords } = this.settings;
        const digests = recordChecksums.length === 0 ? undefined : new UploadDigests(recordChecksums);
        const bytesWritten = await writeAtomically(target.parent, target.name, digests?.tap(data) ?? data, {
          signal: options.signal,
          exclusive: options.exclusive === true,
          fileMode,
          temporaryPrefix,
          fsync,
          calls,
          ...(digests === undefined ? {} : { onPublished: (stats: Stats) => checksumRecords.record(stats, digests.finish()) }),
        });
        return { bytesWritten };
      } finally {
        target.parent.release();
      }
    });
  }

  append(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult> {
    return mapErrors(path, async () => {
      const { fileMode, fsync, calls } = this.settings;
      const { fd, stats } = await this.openFile(path, appendFlags, fileMode);
      this.settings.checksumRecords.forget(stats);
      try {
        return { bytesWritten: await writeInPlace(fd, data, null, { signal: options.signal, fsync, calls }) };
      } finally {
        await calls.close(fd);
      }
    });
  }

  delete(path: string): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.locate(path);
      try {
        if (found.name === '') throw storageError('EISDIR', path);
        const kind = found.stats === undefined ? 'hidden' : entryKindOf(found.stats.mode);
        if (kind === 'directory') throw storageError('EISDIR', path);
        if (kind === 'hidden') throw storageError('ENOENT', path);
        if (kind === 'link') await this.refuseLinkToDirectory(found, path);
        // Unlinks the entry itself: deleting an in-root symlink removes the link, not the file it leads to.
        this.jail.forgetAnchor();
        if (kind === 'file') this.settings.checksumRecords.forget(found.stats!);
        await this.settings.calls.unlink(found.parent.at(found.name));
      } finally {
        found.parent.release();
      }
    });
  }

  /** DELE of a link to a directory is refused as for the directory itself (EISDIR); a dangling link may go. */
  private async refuseLinkToDirectory(link: Located, path: string): Promise<void> {
    let target: Located;
    try {
      target = await this.jail.follow({ ...link, parent: link.parent.retain() }, path);
    } catch {
      return;
    }
    target.parent.release();
    if (target.stats?.isDirectory() === true) throw storageError('EISDIR', path);
  }

  makeDirectory(path: string): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.locate(path);
      try {
        if (found.name === '' || found.stats !== undefined) throw storageError('EEXIST', path);
        await this.settings.calls.mkdir(found.parent.at(found.name), this.settings.directoryMode);
      } finally {
        found.parent.release();
      }
    });
  }

  removeDirectory(path: string): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.locate(path);
      try {
        if (found.name === '') throw storageError('EACCES', path);
        if (found.stats === undefined) throw storageError('ENOENT', path);
        if (!found.stats.isDirectory()) throw storageError('ENOTDIR', path);
        this.jail.forgetAnchor();
        await this.settings.calls.rmdir(found.parent.at(found.name));
      } catch (error) {
        // POSIX allows EEXIST for a non-empty directory (rmdir(2)); the contract has one code for it.
        if (errnoOf(error) === 'EEXIST') throw storageError('ENOTEMPTY', path, error);
        throw error;
      } finally {
        found.parent.release();
      }
    });
  }

  rename(from: string, to: string): Promise<void> {
    return mapErrors(from, async () => {
      const source = await this.jail.locate(from);
      try {
        if (source.name === '') throw storageError('EACCES', from);
        if (source.stats === undefined || entryKindOf(source.stats.mode) === 'hidden') throw storageError('ENOENT', from);
        const target = await mapErrors(to, () => this.jail.locate(to));
        try {
          if (target.name === '') throw storageError('EEXIST', to);
          if (target.parent.segments.join('/') === source.parent.segments.join('/') && target.name === source.name) return;
          if (target.stats !== undefined && (source.stats.isDirectory() || target.stats.isDirectory())) {
            throw storageError('EEXIST', to);
          }
          this.jail.forgetAnchor();
          const { calls, checksumRecords } = this.settings;
          const [from, into] = [source.parent.at(source.name), target.parent.at(target.name)];
          // A rename changes the file's ctime, not its content: a checksum recorded for it still holds.
          await checksumRecords.carry(
            source.stats,
            () => mapErrors(to, () => calls.rename(from, into)),
            () => calls.lstat(into),
          );
        } finally {
          target.parent.release();
        }
      } finally {
        source.parent.release();
      }
    });
  }

  setModifiedTime(path: string, time: Date): Promise<void> {
    return mapErrors(path, async () => {
      const found = await this.jail.resolve(path);
      try {
        const entry = visibleEntry(found.name, found.stats, path);
        const atime = found.stats!.atime;
        const { calls, checksumRecords } = this.settings;
        // lutimes on the entry the walk found: a link swapped in meanwhile gets the time, never what it points to.
        if (found.name === '') await calls.utimes(found.parent.self, atime, time);
        else {
          const at = found.parent.at(entry.name);
          // MFMT after an upload (FileZilla, WinSCP) changes times, not content: a recorded checksum still holds.
          await checksumRecords.carry(
            found.stats,
            () => calls.lutimes(at, atime, time),
            () => calls.lstat(at),
          );
        }
      } finally {
        found.parent.release();
      }
    });
  }

  /**
   * SITE CHMOD: the permission bits of the file or directory `path` names (in-root links followed, as `stat` does),
   * set on a descriptor of the entry the walk found (see `modeChangeAccess`). The user's root is refused (EACCES).
   */
  setMode(path: string, mode: number): Promise<void> {
    return mapErrors(path, async () => {
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw storageError('EACCES', path);
      const found = await this.jail.resolve(path);
      try {
        if (found.name === '') throw storageError('EACCES', path);
        visibleEntry(found.name, found.stats, path);
        const { calls, checksumRecords } = this.settings;
        const at = found.parent.at(found.name);
        // A mode change alters the ctime, not the content: a recorded checksum still holds.
        await checksumRecords.carry(
          found.stats,
          () => this.changeMode(at, mode, path),
          () => calls.lstat(at),
        );
      } finally {
        found.parent.release();
      }
    });
  }

  /** chmod of the entry named `at` itself: a symlink or anything hidden found there now is ENOENT. */
  private async changeMode(at: string, mode: number, path: string): Promise<void> {
    const { calls } = this.settings;
    const access = modeChangeAccess();
    const fd = await calls.open(at, access.flags);
    try {
      const kind = entryKindOf((await calls.fstat(fd)).mode);
      if (kind !== 'file' && kind !== 'directory') throw storageError('ENOENT', path);
      if (access.procPrefix === undefined) await calls.fchmod(fd, mode);
      else await calls.chmod(`${access.procPrefix}${fd}`, mode);
    } finally {
      await calls.close(fd);
    }
  }

  /** AVBL: the space the file system holding the directory `path` has for the server process (statfs `f_bavail`). */
  freeSpace(path: string): Promise<number> {
    return mapErrors(path, async () => {
      const directory = await this.jail.directory(path);
      try {
        const stats = await this.settings.calls.statfs(directory.self);
        return Math.min(Number.MAX_SAFE_INTEGER, Math.floor(stats.bavail * stats.bsize));
      } finally {
        directory.release();
      }
    });
  }

  /**
   * HASH of a whole file: the digest recorded when this connector committed its upload, while the file is unchanged
   * (`ChecksumRecords`); `ENOTSUP` otherwise, and the server reads the file through `read`.
   */
  checksum(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
    return mapErrors(path, async () => {
      const found = await this.jail.resolve(path);
      found.parent.release();
      if (found.name === '' || found.stats?.isDirectory() === true) throw storageError('EISDIR', path);
      const kind = found.stats === undefined ? 'hidden' : entryKindOf(found.stats.mode);
      if (kind !== 'file') throw storageError('ENOENT', path);
      const digest = this.settings.checksumRecords.lookup(found.stats!, algorithm);
      if (digest === undefined) throw storageError('ENOTSUP', path);
      return digest;
    });
  }

  async close(): Promise<void> {
    this.jail.close();
  }
}
