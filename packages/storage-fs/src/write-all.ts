import type { FileCalls } from './file-calls.ts';

/** Throws the signal's reason when it has aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

/**
 * Bytes gathered before one `writev`: a socket yields 64 KiB chunks, and one thread-pool write per chunk costs more
 * CPU than the copy itself. At most two batches are held per upload (one being written, one being gathered).
 */
export const writeBatchBytes = 1024 * 1024;

/**
 * The chunks of `data`, but stopping with the signal's reason as soon as it aborts, even while `data` is waiting for
 * the network (ABOR while the client sends nothing must not leave the upload hanging). One abort listener serves
 * the whole upload: racing every chunk against a shared promise would pile up one reaction per chunk.
 */
class AbortableReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  readonly #signal: AbortSignal;
  #rejectWaiting: ((reason: unknown) => void) | undefined;
  readonly #onAbort = (): void => this.#rejectWaiting?.(this.#signal.reason ?? new Error('aborted'));
  finished = false;

  constructor(data: AsyncIterable<Uint8Array>, signal: AbortSignal) {
    this.#iterator = data[Symbol.asyncIterator]();
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The next chunk, or undefined at the end of the data. */
  next(): Promise<Uint8Array | undefined> {
    throwIfAborted(this.#signal);
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      this.#rejectWaiting = reject;
      this.#iterator.next().then((result) => {
        if (result.done === true) this.finished = true;
        resolve(result.done === true ? undefined : result.value);
      }, reject);
    });
  }

  /** Stops listening; tells the producer we stopped early (closes the data connection side), without waiting. */
  release(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#rejectWaiting = undefined;
    if (!this.finished) this.#iterator.return?.()?.catch(() => {});
  }
}

/**
 * Writes a whole batch with writev, continuing after a short write. Returns the bytes written. A small batch (the
 * whole of a small upload, or the tail of a large one) is written directly in local mode, see `FileCalls`.
 */
async function writeBatch(calls: FileCalls, fd: number, batch: Uint8Array[], batchBytes: number, position: number | null): Promise<number> {
  let written = 0;
  let pending = batch;
  while (pending.length > 0) {
    const bytesWritten = await calls.writev(fd, pending, batchBytes - written, position === null ? null : position + written);
    written += bytesWritten;
    pending = remainderAfter(pending, bytesWritten);
  }
  return written;
}

/** The part of `chunks` not yet written after `bytes` went out (a short write is rare but legal). */
function remainderAfter(chunks: Uint8Array[], bytes: number): Uint8Array[] {
  let skipped = bytes;
  let index = 0;
  while (index < chunks.length && skipped >= (chunks[index]?.byteLength ?? 0)) {
    skipped -= chunks[index]?.byteLength ?? 0;
    index++;
  }
  const rest = chunks.slice(index);
  const first = rest[0];
  if (first !== undefined && skipped > 0) rest[0] = first.subarray(skipped);
  return rest;
}

/**
 * Writes every chunk of `data` to the open file `fd` and returns the number of bytes written. Chunks are gathered into
 * batches of about `writeBatchBytes` and written with one `writev` each (no copy), while the next batch is being
 * received, so the network and the disk work at the same time and memory stays at two batches. `position` is where
 * the first byte goes, or `null` to write at the file's offset (append mode). No write is in flight when this
 * settles, so the caller may close the file at once.
 */
export async function writeAll(
  calls: FileCalls,
  fd: number,
  data: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  position: number | null,
): Promise<number> {
  const reader = new AbortableReader(data, signal);
  let written = 0;
  let queued = 0;
  let inFlight: Promise<void> | undefined;
  const startWrite = async (batch: Uint8Array[], batchBytes: number, at: number | null): Promise<void> => {
    written += await writeBatch(calls, fd, batch, batchBytes, at);
  };
  try {
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    for (;;) {
      const chunk = await reader.next();
      if (chunk !== undefined && chunk.byteLength > 0) {
        batch.push(chunk);
        batchBytes += chunk.byteLength;
      }
      if (batchBytes > 0 && (chunk === undefined || batchBytes >= writeBatchBytes)) {
        // Wait for the previous batch: file offsets stay in order and at most two batches are held.
        await inFlight;
        inFlight = startWrite(batch, batchBytes, position === null ? null : position + queued);
        // A failing write is reported when awaited; until then it must not count as unhandled.
        inFlight.catch(() => {});
        queued += batchBytes;
        batch = [];
        batchBytes = 0;
      }
      if (chunk === undefined) break;
    }
    await inFlight;
  } finally {
    reader.release();
    // Never leave a write in flight on a file the caller is about to close.
    await inFlight?.catch(() => {});
  }
  throwIfAborted(signal);
  return written;
}
