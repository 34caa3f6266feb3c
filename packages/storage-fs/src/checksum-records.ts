import type { Stats } from 'node:fs';
import { createChecksumDigest, type ChecksumAlgorithm } from '@ftp/plugin-api';

/** The facts of a file that change whenever its content may have: a record holds only while they stay as recorded. */
interface FileVersion {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

interface ChecksumRecord extends FileVersion {
  readonly digests: ReadonlyMap<ChecksumAlgorithm, string>;
}

/** The digests an upload computes as its bytes go by; read once the file is committed. */
export class UploadDigests {
  readonly #digests: ReadonlyMap<ChecksumAlgorithm, ReturnType<typeof createChecksumDigest>>;

  constructor(algorithms: readonly ChecksumAlgorithm[]) {
    this.#digests = new Map(algorithms.map((algorithm) => [algorithm, createChecksumDigest(algorithm)]));
  }

  /** `data` as it is, each chunk hashed on its way to the file. */
  async *tap(data: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of data) {
      for (const digest of this.#digests.values()) digest.update(chunk);
      yield chunk;
    }
  }

  finish(): ReadonlyMap<ChecksumAlgorithm, string> {
    return new Map([...this.#digests].map(([algorithm, digest]) => [algorithm, digest.digest()]));
  }
}

/**
 * Checksums of uploads, recorded when the connector committed them, so HASH of a file just uploaded needs no read.
 * One per connector, shared by its sessions, in memory: a restart forgets them and HASH reads the files again.
 *
 * A record is keyed by the file's identity (device and inode, so a rename keeps it and a new file under the old name
 * does not inherit it) and holds only while the file's size, modification time and change time are what they were at
 * commit: any write to the file, by this connector or another program, changes its change time (ctime), which no
 * program can set. Writes through this connector (APPE, a resume) also drop the record at once; operations of this
 * connector that change ctime but not the content (MFMT, SITE CHMOD, a rename) carry the record over. What the
 * change time cannot show is another program rewriting a file in place to the same size within one tick of the file
 * system's clock (a few milliseconds) of the commit: where other programs rewrite uploaded files in place, leave
 * `recordChecksums` empty.
 *
 * At most `limit` files are remembered; the one used least recently goes first.
 */
export class ChecksumRecords {
  readonly #limit: number;
  readonly #byFile = new Map<string, ChecksumRecord>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records the digests of the file `stats` describes, as it is now. */
  record(stats: Stats, digests: ReadonlyMap<ChecksumAlgorithm, string>): void {
    if (digests.size === 0) return;
    const key = keyOf(stats);
    this.#byFile.delete(key);
    if (this.#byFile.size >= this.#limit) this.#byFile.delete(this.#byFile.keys().next().value!);
    this.#byFile.set(key, { size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, digests });
  }

  /** The recorded digest of the file `stats` describes, if it still holds for the file as it is now. */
  lookup(stats: Stats, algorithm: ChecksumAlgorithm): string | undefined {
    const record = this.#current(stats);
    const digest = record?.digests.get(algorithm);
    if (record !== undefined) {
      // Most recently used last, so the oldest is the first to go.
      this.#byFile.delete(keyOf(stats));
      this.#byFile.set(keyOf(stats), record);
    }
    return digest;
  }

  /** Drops the record of a file this connector is about to change in place (APPE, REST+STOR) or remove. */
  forget(stats: Stats): void {
    this.#byFile.delete(keyOf(stats));
  }

  /**
   * Runs `change`, which alters the file `before` describes without touching its content (utimes, chmod, rename),
   * then moves a record that held before to the file as `after` finds it: the same file, of the same size.
   */
  async carry<T>(before: Stats | undefined, change: () => Promise<T>, after: () => Promise<Stats | undefined>): Promise<T> {
    const record = before === undefined ? undefined : this.#current(before);
    const result = await change();
    if (record === undefined) return result;
    const now = await after().catch(() => undefined);
    this.#byFile.delete(keyOf(before!));
    if (now !== undefined && keyOf(now) === keyOf(before!) && now.size === record.size) this.record(now, record.digests);
    return result;
  }

  #current(stats: Stats): ChecksumRecord | undefined {
    const record = this.#byFile.get(keyOf(stats));
    if (record === undefined || !isSameVersion(record, stats)) return undefined;
    return record;
  }
}

function keyOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function isSameVersion(version: FileVersion, stats: Stats): boolean {
  return version.size === stats.size && version.mtimeMs === stats.mtimeMs && version.ctimeMs === stats.ctimeMs;
}
