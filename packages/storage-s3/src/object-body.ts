import type { Readable } from 'node:stream';
import { StorageError, type ReadSource } from '@ftp/plugin-api';
import { s3ErrorCodeOf } from './s3-error-to-storage-error.ts';

/**
 * Streams an object body. Aborting the signal or stopping the iteration early destroys the HTTP response, which
 * releases its socket back to the pool. A body that fails on its own (the connection reset or closed before its end,
 * a timeout, a checksum the SDK found wrong) rejects with `EUNAVAILABLE` about `path`: the store could not deliver
 * the object right now, and the client may retry (451); the cause stays attached for the log.
 */
export async function* streamBody(body: Readable, signal: AbortSignal, path: string): AsyncGenerator<Uint8Array> {
  const onAbort = (): void => {
    body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    try {
      for await (const chunk of body) yield chunk as Uint8Array;
    } catch (error) {
      // An abort keeps its own meaning (426); only the body's own failure is the store's.
      throw signal.aborted ? error : bodyFailure(error, path);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!body.readableEnded) body.destroy();
  }
}

/** A GetObject body that broke off: `EUNAVAILABLE`, naming the transport's reason (ECONNRESET, ...) but not the key. */
function bodyFailure(error: unknown, path: string): StorageError {
  if (StorageError.isInstance(error)) return error;
  const reason = s3ErrorCodeOf(error) ?? (error instanceof Error ? error.message : String(error));
  return new StorageError('EUNAVAILABLE', `EUNAVAILABLE: ${path} (S3 response body failed: ${reason})`, { path, cause: error });
}

/**
 * The whole object's size from a GetObject response: the total of `Content-Range` ("bytes 4-9/10") for a ranged
 * read, else `Content-Length`. Undefined when the response says neither (RETR then asks stat).
 */
export function objectSize(contentRange: string | undefined, contentLength: number | undefined, ranged: boolean): number | undefined {
  if (contentRange !== undefined) {
    const total = /\/(\d+)$/.exec(contentRange.trim())?.[1];
    if (total !== undefined) return Number(total);
  }
  return ranged ? undefined : contentLength;
}

/**
 * An object body as the contract's `ReadSource`, with its size when known. A `return()` before the first `next()` (a
 * RETR whose data connection never opened) destroys the body too: a generator that never started would skip its
 * `finally`, and the unread response would keep its socket from the client's pool for good.
 */
export function objectContent(body: Readable, signal: AbortSignal, size: number | undefined, path: string): ReadSource {
  const chunks = streamBody(body, signal, path);
  let started = false;
  const iterator: AsyncIterator<Uint8Array> = {
    next() {
      started = true;
      return chunks.next();
    },
    return() {
      if (!started) body.destroy();
      started = true;
      return chunks.return(undefined);
    },
  };
  const asyncIterator = (): AsyncIterator<Uint8Array> => iterator;
  return size === undefined ? { [Symbol.asyncIterator]: asyncIterator } : { size, [Symbol.asyncIterator]: asyncIterator };
}
