import { randomUUID } from 'node:crypto';
import {
  StorageError,
  type QuotaUsage,
  type SharedStateV1,
  type StorageCallOptions,
  type StorageSessionV1,
  type UserQuota,
} from '@ftp/plugin-api';

export type { QuotaUsage } from '@ftp/plugin-api';

/** Whose account: a user's, or a quota folder's (which every user whose tree has it shares). */
export interface QuotaOwner {
  readonly username: string;
  readonly folder?: string;
}

/**
 * The quota usage of one account, a user's or a quota folder's, kept in the shared state so that every session that
 * counts in it, on every server instance of one store, counts against the same limits. Concurrent uploads cannot together pass a limit: an upload of a new
 * file reserves its file before any data moves, and every upload reserves its bytes as they arrive (`beginUpload`);
 * once the upload ends, the real change is taken from the storage and the reservation ended in one step (`settle`),
 * whatever happened to it.
 */
export class QuotaAccount {
  readonly #owner: QuotaOwner;
  readonly #state: SharedStateV1;
  /** This server has seen the usage counted in the shared state: later logins need not ask again. */
  #counted = false;
  #scanning: Promise<void> | undefined;
  /** Commits of this server's uploads still on their way to the shared state. */
  readonly #settling = new Set<Promise<void>>();

  constructor(owner: QuotaOwner, state: SharedStateV1) {
    this.#owner = owner;
    this.#state = state;
  }

  /**
   * Counts the account's files with `measure` when no server of the store has counted them yet (the first login of a
   * session that counts in it), or again when `force` (SITE QUOTA RESCAN). Throws `SharedStateUnavailableError`.
   */
  async scan(measure: () => Promise<QuotaUsage>, force = false): Promise<void> {
    if (this.#counted && !force) return;
    const { username, folder } = this.#owner;
    this.#scanning ??= (async () => {
      try {
        if (!force && (await this.#state.quotaUsage(username, folder)) !== undefined) {
          this.#counted = true;
          return;
        }
        await this.#state.setQuotaUsage(username, await measure(), folder);
        this.#counted = true;
      } finally {
        this.#scanning = undefined;
      }
    })();
    await this.#scanning;
  }

  /**
   * SITE QUOTA: what the user's files take now, this server's uploads that ended included. Throws
   * `SharedStateUnavailableError`.
   */
  async usage(): Promise<QuotaUsage> {
    if (this.#settling.size > 0) await Promise.all(this.#settling);
    return (await this.#state.quotaUsage(this.#owner.username, this.#owner.folder)) ?? { bytes: 0, files: 0 };
  }

  /**
   * Before an upload's data moves (or a file moves in from another account, RNTO): refuses a new file once `maxFiles` is reached (RFC 959 552), counting the new files
   * of uploads still running on any instance; otherwise reserves it (and, for a store that asks for it, a first share
   * of bytes). Every upload that passed ends with `settle`, which ends the reservation.
   */
  async beginUpload(quota: UserQuota, path: string, newFile: boolean): Promise<UploadQuota> {
    const reservationId = randomUUID();
    const grantBytes = quota.maxBytes === undefined ? 0 : (this.#state.quotaGrantBytes ?? 0);
    const granted = await this.#state.reserveQuota({
      ...this.#owner,
      reservationId,
      bytes: grantBytes,
      files: newFile ? 1 : 0,
      ...limitsOf(quota),
    });
    if (granted === undefined) throw new StorageError('EDQUOT', `file count quota of ${quota.maxFiles} reached`, { path });
    return new UploadQuota(this.#owner, this.#state, quota, reservationId, granted, this.#settling);
  }

  /** A file of `size` bytes was removed (DELE, moved to another account or replaced by RNTO); undefined when there was none. */
  async removed(size: number | undefined): Promise<void> {
    if (size === undefined) return;
    await this.#state.commitQuota({ ...this.#owner, bytes: -size, files: -1 });
  }
}

/** The quota side of one running upload: its reservation, grown as data arrives, and ended by `settle`. */
export class UploadQuota {
  readonly #owner: QuotaOwner;
  readonly #state: SharedStateV1;
  readonly #quota: UserQuota;
  readonly #reservationId: string;
  #granted: number;
  /** The account's commits on their way to the shared state (see `QuotaAccount.usage`). */
  readonly #settling: Set<Promise<void>>;

  constructor(
    owner: QuotaOwner,
    state: SharedStateV1,
    quota: UserQuota,
    reservationId: string,
    granted: number,
    settling: Set<Promise<void>>,
  ) {
    this.#owner = owner;
    this.#state = state;
    this.#quota = quota;
    this.#reservationId = reservationId;
    this.#granted = granted;
    this.#settling = settling;
  }

  /**
   * Counts the bytes of the upload as they arrive and stops it with EDQUOT (552) the moment the user's total would pass
   * `maxBytes`. `creditBytes` are bytes the upload frees when it completes (the old content it replaces).
   */
  meter(data: AsyncIterable<Uint8Array>, creditBytes: number, path: string): AsyncIterable<Uint8Array> {
    const maxBytes = this.#quota.maxBytes;
    if (maxBytes === undefined) return data;
    const upload = this;
    async function* metered() {
      let received = 0;
      for await (const chunk of data) {
        received += chunk.byteLength;
        if (received > upload.#granted + creditBytes && !(await upload.#grow(received - upload.#granted - creditBytes))) {
          throw new StorageError('EDQUOT', `byte quota of ${maxBytes} exceeded`, { path });
        }
        yield chunk;
      }
    }
    return metered();
  }

  /** RNTO from another account: reserves the `bytes` a moved file brings at once; EDQUOT (552) when they do not fit. */
  async reserveBytes(bytes: number, path: string): Promise<void> {
    const maxBytes = this.#quota.maxBytes;
    if (maxBytes === undefined || bytes <= this.#granted) return;
    if (!(await this.#grow(bytes - this.#granted))) throw new StorageError('EDQUOT', `byte quota of ${maxBytes} exceeded`, { path });
  }

  /**
   * The upload ended, successfully or not: applies the file's change of size (and existence) as found in the storage
   * now, and ends the reservation, in one call to the shared state (which never rejects). The account's `usage` waits
   * for the commit until it has landed.
   */
  settle(before: number | undefined, after: number | undefined): Promise<void> {
    const commit = this.#state.commitQuota({
      ...this.#owner,
      reservationId: this.#reservationId,
      bytes: (after ?? 0) - (before ?? 0),
      files: (after === undefined ? 0 : 1) - (before === undefined ? 0 : 1),
    });
    this.#settling.add(commit);
    const forget = () => this.#settling.delete(commit);
    // The contract says a commit never rejects; one that does anyway is forgotten, not left unhandled.
    commit.then(forget, forget);
    return commit;
  }

  /** Reserves at least `shortfall` more bytes; a store with a grant size takes more at once, doubling as the upload grows. */
  async #grow(shortfall: number): Promise<boolean> {
    const step = this.#state.quotaGrantBytes ?? 0;
    const wanted = step === 0 ? shortfall : Math.max(shortfall, step, this.#granted);
    const granted = await this.#state.reserveQuota({
      ...this.#owner,
      reservationId: this.#reservationId,
      bytes: wanted,
      files: 0,
      ...limitsOf(this.#quota),
    });
    this.#granted += granted ?? 0;
    return (granted ?? 0) >= shortfall;
  }
}

function limitsOf(quota: UserQuota): { maxBytes?: number; maxFiles?: number } {
  return {
    ...(quota.maxBytes === undefined ? {} : { maxBytes: quota.maxBytes }),
    ...(quota.maxFiles === undefined ? {} : { maxFiles: quota.maxFiles }),
  };
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
