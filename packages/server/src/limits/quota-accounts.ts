import { StorageError, type StorageCallOptions, type StorageSessionV1, type UserQuota } from '@ftp/plugin-api';
import { joinVirtualPath } from '@ftp/protocol';

/** What one user's files take, as this server knows it. */
export interface QuotaUsage {
  readonly bytes: number;
  readonly files: number;
}

/**
 * The quota usage of one user, shared by all of that user's sessions on this server. Concurrent uploads cannot
 * together pass a limit: an upload of a new file reserves its file when it is checked (`checkNewFile`), and every
 * upload reserves its bytes as they arrive (`inFlightBytes`); once the upload ends, the real change is taken from the
 * storage and the reservation given back (`settle`), whatever happened to it.
 */
export class QuotaAccount {
  bytes = 0;
  files = 0;
  inFlightBytes = 0;
  /** New files of uploads checked and not yet settled: each counts against `maxFiles` until its upload ends. */
  reservedFiles = 0;
  #scanning: Promise<void> | undefined;
  #scanned = false;

  /** Counts the user's files once (at the first login after start), or again when `force` (SITE QUOTA RESCAN). */
  async scan(storage: StorageSessionV1, options: StorageCallOptions, force = false): Promise<void> {
    if (this.#scanned && !force) return;
    this.#scanning ??= (async () => {
      try {
        const usage = await measureUsage(storage, options);
        this.bytes = usage.bytes;
        this.files = usage.files;
        this.#scanned = true;
      } finally {
        this.#scanning = undefined;
      }
    })();
    await this.#scanning;
  }

  /**
   * Refuses a new file once `maxFiles` is reached (RFC 959 552), before any data moves, counting the new files of
   * uploads still running; otherwise reserves one for this upload, so parallel uploads (from several sessions of the
   * user) cannot all pass the same check. Every upload that passed it ends with a `settle(undefined, …)`, which gives
   * the reserved file back.
   */
  checkNewFile(quota: UserQuota, path: string): void {
    if (quota.maxFiles !== undefined && this.files + this.reservedFiles >= quota.maxFiles) {
      throw new StorageError('EDQUOT', `file count quota of ${quota.maxFiles} reached`, { path });
    }
    this.reservedFiles++;
  }

  /**
   * Counts the bytes of an upload as they arrive and stops it with EDQUOT (552) the moment the user's total would pass
   * `maxBytes`. `creditBytes` are bytes the upload frees when it completes (the old content it replaces).
   */
  meter(
    data: AsyncIterable<Uint8Array>,
    quota: UserQuota,
    creditBytes: number,
    path: string,
  ): { data: AsyncIterable<Uint8Array>; release(): void } {
    let counted = 0;
    const release = () => {
      this.inFlightBytes -= counted;
      counted = 0;
    };
    if (quota.maxBytes === undefined) return { data, release };
    const maxBytes = quota.maxBytes;
    const account = this;
    async function* metered() {
      for await (const chunk of data) {
        counted += chunk.byteLength;
        account.inFlightBytes += chunk.byteLength;
        if (account.bytes + account.inFlightBytes - creditBytes > maxBytes) {
          throw new StorageError('EDQUOT', `byte quota of ${maxBytes} exceeded`, { path });
        }
        yield chunk;
      }
    }
    return { data: metered(), release };
  }

  /**
   * An upload has ended, successfully or not: applies the file's change of size (and existence) as found in the
   * storage now. An upload without a file `before` was one of a new file, checked by `checkNewFile`: its reserved
   * file is given back, and counts as a file only when the upload left one (`after`).
   */
  settle(before: number | undefined, after: number | undefined): void {
    if (before === undefined) this.reservedFiles = Math.max(0, this.reservedFiles - 1);
    this.#apply(before, after);
  }

  /** A file of `size` bytes was removed (DELE, or replaced by RNTO); undefined when there was none. */
  removed(size: number | undefined): void {
    this.#apply(size, undefined);
  }

  #apply(before: number | undefined, after: number | undefined): void {
    this.bytes = Math.max(0, this.bytes + (after ?? 0) - (before ?? 0));
    this.files = Math.max(0, this.files + (after === undefined ? 0 : 1) - (before === undefined ? 0 : 1));
  }
}

/** Walks the user's tree from "/" and sums file sizes; directories are listed one at a time. */
async function measureUsage(storage: StorageSessionV1, options: StorageCallOptions): Promise<QuotaUsage> {
  let bytes = 0;
  let files = 0;
  const pending = ['/'];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    for await (const entry of storage.list(directory, options)) {
      if (entry.type === 'directory') pending.push(joinVirtualPath(directory, entry.name));
      else {
        bytes += entry.size;
        files++;
      }
    }
  }
  return { bytes, files };
}

/** Size of the file at `path` now, or undefined when there is none (or it is a directory). */
export async function fileSize(storage: StorageSessionV1, path: string, options: StorageCallOptions): Promise<number | undefined> {
  try {
    const entry = await storage.stat(path, options);
    return entry.type === 'directory' ? undefined : entry.size;
  } catch (error) {
    if (StorageError.isInstance(error) && error.storageCode === 'ENOENT') return undefined;
    throw error;
  }
}
