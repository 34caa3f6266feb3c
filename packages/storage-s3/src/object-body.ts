import type { Readable } from 'node:stream';
import type { ReadSource } from '@ftp/plugin-api';

/**
 * Streams an object body. Aborting the signal or stopping the iteration early destroys the HTTP response, which
 * releases its socket back to the pool.
 */
export async function* streamBody(body: Readable, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const onAbort = (): void => {
    body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    for await (const chunk of body) yield chunk as Uint8Array;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!body.readableEnded) body.destroy();
  }
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
export function objectContent(body: Readable, signal: AbortSignal, size: number | undefined): ReadSource {
  const chunks = streamBody(body, signal);
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
