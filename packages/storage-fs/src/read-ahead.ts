import type { FileHandle } from 'node:fs/promises';
import { throwIfAborted } from './write-all.ts';

/**
 * The bytes of an open file from `start`, in chunks of `chunkBytes`, reading the next chunk while the consumer (the
 * data connection) sends the current one. Each chunk is a fresh buffer the consumer may keep (a socket holds it
 * until written), so nothing is copied. Owns `handle`: closes it at the end, on error and on early `return()`, even a
 * `return()` before the first `next()` (a transfer whose data connection failed), where a bare generator would
 * never run its `finally` and would leave the file open until garbage collection. `knownSize`, the file's size when
 * opened, lets a short read that reaches it end the iteration without one more read.
 */
export function readAhead(
  handle: FileHandle,
  start: number,
  chunkBytes: number,
  signal: AbortSignal,
  knownSize = Number.POSITIVE_INFINITY,
): AsyncIterable<Uint8Array> {
  const chunks = readAheadChunks(handle, start, chunkBytes, signal, knownSize);
  let started = false;
  const iterator: AsyncIterator<Uint8Array> = {
    next() {
      started = true;
      return chunks.next();
    },
    async return(value?: unknown) {
      if (!started) {
        started = true;
        await chunks.return(undefined);
        await handle.close();
        return { done: true, value };
      }
      return chunks.return(undefined);
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

async function* readAheadChunks(
  handle: FileHandle,
  start: number,
  chunkBytes: number,
  signal: AbortSignal,
  knownSize: number,
): AsyncGenerator<Uint8Array> {
  let position = start;
  const readAt = (at: number) => handle.read(Buffer.allocUnsafe(chunkBytes), 0, chunkBytes, at);
  let next: ReturnType<typeof readAt> | undefined = readAt(position);
  try {
    for (;;) {
      const { bytesRead, buffer } = await next;
      next = undefined;
      if (bytesRead === 0) return;
      throwIfAborted(signal);
      position += bytesRead;
      if (bytesRead < chunkBytes && position >= knownSize) {
        // A short read that reached the size the file had when opened is its end: a small download is then done
        // without a second thread-pool round trip to read nothing. Any other short read (a file that grew, a file
        // system that returns less) reads on until a read returns nothing.
        yield buffer.subarray(0, bytesRead);
        return;
      }
      next = readAt(position);
      next.catch(() => {});
      yield buffer;
    }
  } finally {
    // The read ahead may still be running when the consumer stops early: let it finish before closing.
    await next?.catch(() => {});
    await handle.close();
  }
}
