import type { AuthenticatedUser } from '../../authenticator/v1/authenticator-v1.ts';
import type { PluginContext } from '../../plugin-context.ts';
import type { FileEntry } from './file-entry.ts';
import type { QuotaFolder } from './quota-folder.ts';

/** Options every storage call takes. */
export interface StorageCallOptions {
  /** Aborted on ABOR, when the data or control connection drops, and at shutdown. Stop work and reject when it fires. */
  readonly signal: AbortSignal;
}

export interface ReadOptions extends StorageCallOptions {
  /** Byte offset to start from (REST before RETR); 0 for the whole file. Never beyond the file size. */
  readonly offset: number;
  /**
   * Buffers the server lends for the chunks of this read, so that a long download reuses a few buffers instead of
   * allocating a fresh one per chunk (a fresh 1 MiB buffer costs its page faults and zeroing on every read). Optional
   * on both sides: the server may omit it, and a connector that does not read into memory of its own (a network
   * body, a cache) ignores it.
   */
  readonly bufferPool?: ReadBufferPool;
}

/**
 * What `read` resolves with: the content from the offset, as chunks, and optionally the size the file had when it
 * was opened. A plain async iterable is a valid `ReadSource`.
 */
export interface ReadSource extends AsyncIterable<Uint8Array> {
  /**
   * The whole file's size in bytes (not the bytes left after the offset) as found when it was opened, when the
   * connector learnt it anyway (an fstat, a GetObject's headers). RETR announces it in its 150 reply; with it the
   * server makes no `stat` call of its own before a RETR without REST. Leave it out when it is not known.
   */
  readonly size?: number;
}

/** See `ReadOptions.bufferPool`. */
export interface ReadBufferPool {
  /**
   * A buffer of at least `minimumBytes`, to read into. The connector yields it (or a subarray of it from offset 0)
   * as one chunk and never reads or writes it after yielding it: the server gives it back to the pool once the
   * chunk has been sent. A taken buffer that is never yielded (an error, an abort) is simply dropped.
   */
  take(minimumBytes: number): Uint8Array;
}

export interface WriteOptions extends StorageCallOptions {
  /**
   * 0: replace the file (or create it) with exactly the data given, atomically: readers see the old content or the new,
   * never a part. Greater than 0: keep the first `offset` bytes of the existing file, drop the rest, and write the data
   * from there (REST before STOR, a true resume). A connector that cannot resume throws `ENOTSUP` for offset > 0.
   */
  readonly offset: number;
  /** STOU: fail with `EEXIST` if the path already exists instead of replacing it. */
  readonly exclusive?: boolean;
}

export interface WriteResult {
  /** Bytes taken from `data` and stored. */
  readonly bytesWritten: number;
}

/** The digests HASH (draft-bryan-ftpext-hash) and XCRC, XMD5, XSHA1, XSHA256 and XSHA512 ask for. */
export type ChecksumAlgorithm = 'SHA-1' | 'SHA-256' | 'SHA-512' | 'MD5' | 'CRC32';

/**
 * The file operations of one logged-in user. Every path is virtual: absolute, POSIX, normalised (no ".", "..",
 * empty or trailing segments), "/" being the user's storage root. The server never passes a path above the root,
 * but a connector must still keep every operation inside its own root (a symlink, a key prefix).
 *
 * Errors: throw `StorageError` with the code named on each method; the server maps codes to replies in one place
 * (ENOENT → 550, ENOSPC → 452, EDQUOT → 552, EBADNAME → 553, EUNAVAILABLE → 451, …). Any other error is logged with
 * an error id and answered 451 without its message.
 *
 * Concurrency: the server may call `stat` and `list` while a `read` or `write` of the same session is running (STAT
 * during a transfer); it never runs two transfers of one session at once.
 */
export interface StorageSessionV1 {
  /** SIZE, MDTM, MLST, CWD, and checks before RETR/STOR/RNFR. Throws `ENOENT`. Follows symlinks inside the root. */
  stat(path: string, options: StorageCallOptions): Promise<FileEntry>;

  /**
   * LIST, NLST, MLSD. Yields the entries of a directory, without "." and "..", in any order, as they are found, so a
   * directory of any size lists in bounded memory. Throws (when iterated) `ENOENT`, or `ENOTDIR` for a file.
   */
  list(path: string, options: StorageCallOptions): AsyncIterable<FileEntry>;

  /**
   * RETR. Resolves once the file is open, with its content from `offset` as chunks (and, when known, its size: see
   * `ReadSource.size`). Errors before any byte moves (`ENOENT`, `EISDIR`, `EACCES`) must reject the promise, so the
   * client gets 550 before 150: for a RETR without REST the server calls `read` without a `stat` first, so `read`
   * itself must refuse a directory. The iterable stops when `signal` is aborted; the server may also stop iterating
   * early, which must release the file.
   */
  read(path: string, options: ReadOptions): Promise<ReadSource>;

  /**
   * STOR, STOU and REST+STOR. Consumes `data` (pulling only as fast as it can store, so memory stays bounded) and
   * resolves only when every byte is durably stored and visible at `path`. If `data` throws, `signal` aborts or
   * storing fails, it rejects and leaves no partial file where a complete one was expected: with offset 0 the previous
   * content (or absence) of `path` stays as it was. Throws `EISDIR`, `ENOENT` (parent missing), `EEXIST` (exclusive),
   * `ENOSPC`, `EDQUOT`, `EBADNAME`, `ENOTSUP` (offset > 0 unsupported).
   */
  write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult>;

  /** DELE. Removes a file. Throws `ENOENT`, `EISDIR`. */
  delete(path: string, options: StorageCallOptions): Promise<void>;

  /** MKD. Creates one directory; the parent must exist. Throws `EEXIST`, `ENOENT`. */
  makeDirectory(path: string, options: StorageCallOptions): Promise<void>;

  /** RMD. Removes an empty directory; never recursive. Throws `ENOENT`, `ENOTDIR`, `ENOTEMPTY`. */
  removeDirectory(path: string, options: StorageCallOptions): Promise<void>;

  /**
   * Optional: APPE. Appends `data` to the end of `path`, creating it if missing. Writes in place: a failed append may
   * leave the appended part stored (as on any FTP server). Without it, APPE answers 502 and is not in FEAT-related help.
   */
  append?(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult>;

  /**
   * Optional: RNFR/RNTO. Moves a file or directory; replaces an existing file at `to`. Throws `ENOENT`, `EEXIST`
   * (directory over something). Without it, RNFR and RNTO answer 502.
   */
  rename?(from: string, to: string, options: StorageCallOptions): Promise<void>;

  /** Optional: MFMT. Sets the modification time. Without it, MFMT answers 502 and is left out of FEAT. */
  setModifiedTime?(path: string, time: Date, options: StorageCallOptions): Promise<void>;

  /**
   * Optional: HASH, XCRC, XMD5, XSHA1, XSHA256 and XSHA512 of a whole file, answered without the server reading it:
   * from a checksum the store kept (an S3 object checksum, one the connector recorded as it committed the upload) or
   * computed where the data lives. Resolves with the digest of the file's current content in the form
   * `createChecksumDigest` gives (lower-case hex; CRC32 as 8 digits), never one recorded for content the file no
   * longer has (after an overwrite, an append, a resume or a change by another program). Throws `ENOTSUP` when it has
   * no such way for this algorithm or this file: the server then hashes the content through `read` itself, which is
   * also what it does for a connector without this method. Throws `ENOENT`, `EISDIR`.
   */
  checksum?(path: string, algorithm: ChecksumAlgorithm, options: StorageCallOptions): Promise<string>;

  /**
   * Optional: SITE CHMOD. Sets the permission bits `mode` (0 to 0o777: never setuid, setgid or sticky, which the
   * server refuses before calling) of the file or directory `path` names, following symlinks inside the root as
   * `stat` does; `stat` and `list` then report them as `mode`. Acts on the entry it resolved inside the root, never on
   * what a symlink swapped in meanwhile leads to. Throws `ENOENT`, `EACCES` (the root itself, or the backend refused).
   * Without it, SITE CHMOD answers 502 and SITE HELP leaves it out.
   */
  setMode?(path: string, mode: number, options: StorageCallOptions): Promise<void>;

  /**
   * Optional: AVBL. The bytes that can still be stored in the directory `path`: what the backend knows without
   * counting anything (a file system's space available to the server process), as a safe integer. Throws `ENOENT`,
   * `ENOTDIR`. Without it, AVBL answers what the user's byte quota leaves, and for a user without one 502 (and is left
   * out of FEAT).
   */
  freeSpace?(path: string, options: StorageCallOptions): Promise<number>;

  /**
   * Optional: the parts of this session's tree whose files count against a quota of their own (see `QuotaFolder`).
   * Read once at login. The server counts each folder's files (STOR, STOU, APPE, DELE, RNTO, the first count and
   * SITE QUOTA RESCAN) in the shared state under the folder's name, against the folder's limits, and every other
   * file against the user's `quota`. Without it, every file counts against the user.
   */
  quotaFolders?(): readonly QuotaFolder[];

  /** Called once when the session ends, after every transfer has settled. */
  close?(): Promise<void>;
}

/**
 * Opens storage for authenticated users. One connector serves the whole server; `openSession` is called once per
 * successful login, with that login's user.
 */
export interface StorageConnectorV1 {
  readonly specificationVersion: 'v1';
  /** A short name for logs, for example "fs" or "s3". */
  readonly name: string;
  /**
   * True when `openSession` confines the session to `user.rootDirectory` itself, as a jail: the user's "/" is that
   * directory of the connector's storage, and no path, symlink or key can reach anything above it. Connectors that
   * can be escaped from a subdirectory by something other than a path (a file system's symlinks, a database's
   * references) must do this. Without it, the server confines such a user by prefixing every path with the
   * `rootDirectory` (as `confinedSession` does), which is a jail only where a path prefix is one (a flat key space).
   */
  readonly appliesRootDirectory?: true;
  /**
   * Called after PASS succeeded, before the 230 reply. Throw `StorageError` `EUNAVAILABLE` when the backend cannot be
   * reached (the client gets 421). The returned session belongs to this user and FTP session alone.
   */
  openSession(user: AuthenticatedUser, context: PluginContext): Promise<StorageSessionV1>;
  /**
   * Optional readiness probe (the app's `/readyz`): resolve when the backend can serve sessions right now (the root
   * directory is readable, the bucket answers), reject with the reason otherwise. Must be cheap and side-effect free,
   * should give up by itself within a few seconds, and may be called at any time, concurrently with sessions.
   */
  checkHealth?(): Promise<void>;
  /** Called once when the server shuts down. */
  close?(): Promise<void>;
}
