import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createChecksumDigest, StorageError, type ChecksumAlgorithm, type StorageSessionV1 } from '@ftp/plugin-api';

/** Bytes hashed between two turns of the event loop, whatever the size of the chunks a storage yields. */
const bytesPerTurn = 4 * 1024 * 1024;

/** A byte range of a file: `start` included, `end` excluded (as HASH replies "start-end" and XCRC takes them). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A digest and the range it covers, which is shorter than asked when the file shrank while it was read. */
export interface RangeChecksum extends ByteRange {
  readonly digest: string;
}

/**
 * At most `limit` checksums are computed at once; the others wait in order. Hashing costs a core for as long as the
 * file takes to read, so the bound is the process's, shared by every server and session in it: a flood of HASH
 * commands queues instead of starving the transfers of the cores they need.
 */
export class ChecksumSlots {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Runs `work` in a slot; leaves the queue with the signal's reason when it aborts while waiting. */
  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    signal.throwIfAborted();
    if (this.#running >= this.#limit) await this.#wait(signal);
    else this.#running++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running--;
      else next(); // the slot passes straight to the next in line
    }
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        const index = this.#waiting.indexOf(granted);
        if (index !== -1) this.#waiting.splice(index, 1);
        reject(signal.reason);
      };
      this.#waiting.push(granted);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }
}

/** The slots of this process: one per core, and at least two so that one long HASH never holds up every other. */
export const processChecksumSlots = new ChecksumSlots(Math.max(2, availableParallelism()));

/**
 * The digest of `range` of the file at `path`. For the whole file, the storage's `checksum` answers first where it has
 * one (a checksum kept at upload costs no read); when it has none (`ENOTSUP`) or for part of a file, the content is
 * read through `read` from `range.start` and hashed chunk by chunk: memory stays bounded, the event loop turns at least
 * every `bytesPerTurn`, the work waits for a slot of `slots`, and it stops when `signal` aborts (the session ended).
 */
export async function checksumOfRange(
  storage: StorageSessionV1,
  path: string,
  algorithm: ChecksumAlgorithm,
  range: ByteRange,
  wholeFile: boolean,
  signal: AbortSignal,
  slots: ChecksumSlots = processChecksumSlots,
): Promise<RangeChecksum> {
  if (wholeFile && storage.checksum !== undefined) {
    try {
      return { ...range, digest: await storage.checksum(path, algorithm, { signal }) };
    } catch (error) {
      if (!(StorageError.isInstance(error) && error.storageCode === 'ENOTSUP')) throw error;
    }
  }
  return slots.run(signal, () => streamChecksum(storage, path, algorithm, range, signal));
}

async function streamChecksum(
  storage: StorageSessionV1,
  path: string,
  algorithm: ChecksumAlgorithm,
  range: ByteRange,
  signal: AbortSignal,
): Promise<RangeChecksum> {
  const digest = createChecksumDigest(algorithm);
  let position = range.start;
  if (range.end > range.start) {
    const source = await storage.read(path, { offset: range.start, signal });
    let sinceTurn = 0;
    // Leaving the loop early (the range ends, an abort) returns the iterator, which releases the file.
    for await (const chunk of source) {
      signal.throwIfAborted();
      const part = chunk.byteLength > range.end - position ? chunk.subarray(0, range.end - position) : chunk;
      digest.update(part);
      position += part.byteLength;
      if (position >= range.end) break;
      sinceTurn += part.byteLength;
      if (sinceTurn >= bytesPerTurn) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  }
  return { start: range.start, end: position, digest: digest.digest() };
}
