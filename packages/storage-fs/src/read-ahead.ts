import type { ReadBufferPool, ReadSource } from '@ftp/plugin-api';
import type { FileCalls } from './file-calls.ts';
import { throwIfAborted } from './write-all.ts';

/**
 * The bytes of an open file from `start`, in chunks of at most `chunkBytes`, reading the next chunk while the
 * consumer (the data connection) sends the current one. Each chunk is a fresh buffer the consumer may keep (a socket
 * holds it until written), so nothing is copied. Owns `fd`: closes it at the end, on error and on early `return()`,
 * even a `return()` before the first `next()` (a transfer whose data connection failed), where a bare generator
 * would never run its `finally` and would leave the file open.
 *
 * `knownSize`, the file's size when opened, sizes the reads: a read asks for at most one byte more than should be
 * left, so a 4 KiB file costs a 4 KiB buffer (not a 512 KiB one, whose allocation and page faults cost more than the
 * read), and the short read that reaches the known size ends the iteration without one more read. A file that grew
 * since fills that extra byte, and reading goes on until a read returns nothing. With `bufferPool` (lent by the
 * server) the reads go into its buffers, which it reuses once each chunk is sent. The result carries `knownSize` as
 * the contract's `ReadSource.size`, so RETR needs no stat of its own.
 */
export function readAhead(
  calls: FileCalls,
  fd: number,
  start: number,
  chunkBytes: number,
  signal: AbortSignal,
  knownSize = Number.POSITIVE_INFINITY,
  bufferPool?: ReadBufferPool,
): ReadSource {
  const chunks = readAheadChunks(calls, fd, start, chunkBytes, signal, knownSize, bufferPool);
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
        await calls.close(fd);
        return { done: true, value };
      }
      return chunks.return(undefined);
    },
  };
  const asyncIterator = (): AsyncIterator<Uint8Array> => iterator;
  return Number.isFinite(knownSize)
    ? { size: knownSize, [Symbol.asyncIterator]: asyncIterator }
    : { [Symbol.asyncIterator]: asyncIterator };
}

async function* readAheadChunks(
  calls: FileCalls,
  fd: number,
  start: number,
  chunkBytes: number,
  signal: AbortSignal,
  knownSize: number,
  bufferPool: ReadBufferPool | undefined,
): AsyncGenerator<Uint8Array> {
  let position = start;
  const readAt = async (at: number): Promise<{ buffer: Uint8Array; length: number; bytesRead: number }> => {
    const length = Math.max(1, Math.min(chunkBytes, knownSize - at + 1));
    const buffer = bufferPool?.take(length) ?? Buffer.allocUnsafe(length);
    return { buffer, length, bytesRead: await calls.read(fd, buffer, length, at) };
  };
  let next: ReturnType<typeof readAt> | undefined = readAt(position);
  try {
    for (;;) {
      const { bytesRead, buffer, length } = await next;
      next = undefined;
      if (bytesRead === 0) return;
      throwIfAborted(signal);
      position += bytesRead;
      if (bytesRead < length && position >= knownSize) {
        // A short read that reached the size the file had when opened is its end: a small download is then done
        // without a second call to read nothing. Any other short read (a file that grew, a file system that returns
        // less) reads on until a read returns nothing.
        yield buffer.subarray(0, bytesRead);
        return;
      }
      next = readAt(position);
      next.catch(() => {});
      yield bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    // The read ahead may still be running when the consumer stops early: let it finish before closing.
    await next?.catch(() => {});
    await calls.close(fd);
  }
}
