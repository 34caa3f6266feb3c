import type { Readable } from 'node:stream';

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
