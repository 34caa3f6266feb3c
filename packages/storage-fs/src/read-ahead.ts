import type { FileHandle } from 'node:fs/promises';
import { throwIfAborted } from './write-all.ts';

/**
 * The bytes of an open file from `start`, in chunks of `chunkBytes`, reading the next chunk while the consumer (the
 * data connection) sends the current one. Each chunk is a fresh buffer the consumer may keep (a socket holds it
 * until written), so nothing is copied. Owns `handle`: closes it at the end, on error and on early `return()`, even a
 * `return()` before the first `next()` (a transfer whose data connection failed), where a bare generator would
 * never run its `finally` and would leave the file open until garbage collection.
 */
export function readAhead(handle: FileHandle, start: number, chunkBytes: number, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const chunks = readAheadChunks(handle, start, chunkBytes, signal);
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
      // A short read means end of file for a regular file; one more read confirms it without guessing.
      next = readAt(position);
      next.catch(() => {});
      yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    // The read ahead may still be running when the consumer stops early: let it finish before closing.
    await next?.catch(() => {});
    await handle.close();
  }
}
