/**
 * Yields the chunks of `source`, but stops with the signal's reason as soon as it aborts, even while `source` is
 * waiting for the network: ABOR while the client sends nothing must not leave an upload hanging. Stopping early
 * calls `return()` on `source`, which lets the server stop reading the data connection.
 */
export async function* untilAborted(source: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  signal.throwIfAborted();
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await nextOrAbort(iterator, signal);
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      // Do not wait for a source that is itself blocked on the network; just ask it to stop.
      void Promise.resolve(iterator.return?.()).catch(() => {});
    }
  }
}

/**
 * The next item, or a rejection as soon as the signal aborts. A fresh promise per item, on purpose: racing each
 * `next()` against one long-lived "aborted" promise would attach a reaction to it per chunk, and those reactions keep
 * every chunk of the upload reachable until the signal fires, which is a leak of the whole file.
 */
function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Joins byte sources one after the other, as one iterable (the kept bytes of a resume, then the client's data). */
export async function* concatenate(...sources: ReadonlyArray<AsyncIterable<Uint8Array>>): AsyncGenerator<Uint8Array> {
  for (const source of sources) yield* source;
}

/** Counts the bytes that pass through `source`; `count()` reads the total so far. */
export function countBytes(source: AsyncIterable<Uint8Array>): { readonly data: AsyncIterable<Uint8Array>; count(): number } {
  let total = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      total += chunk.byteLength;
      yield chunk;
    }
  }
  return { data: counted(), count: () => total };
}
