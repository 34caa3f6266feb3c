import type { FileHandle } from 'node:fs/promises';

/** Throws the signal's reason when it has aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
}

/**
 * Yields the chunks of `data`, but stops with the signal's reason as soon as it aborts, even while `data` is waiting
 * for the network (ABOR while the client sends nothing must not leave the upload hanging).
 */
async function* untilAborted(data: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  throwIfAborted(signal);
  const iterator = data[Symbol.asyncIterator]();
  let stopAbortWait = (): void => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    const onAbort = (): void => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    stopAbortWait = () => signal.removeEventListener('abort', onAbort);
  });
  aborted.catch(() => {});
  let finished = false;
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
      throwIfAborted(signal);
    }
  } finally {
    stopAbortWait();
    // Tell the producer we stopped (closes the data connection side); not awaited, it may still be mid-next().
    if (!finished) iterator.return?.()?.catch(() => {});
  }
}

/**
 * Writes every chunk of `data` to `handle`, each chunk fully before the next is pulled, so memory holds one chunk
 * at a time. `position` is where the first byte goes, or `null` to write at the handle's position (append mode).
 * Returns the number of bytes written.
 */
export async function writeAll(
  handle: FileHandle,
  data: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  position: number | null,
): Promise<number> {
  let written = 0;
  for await (const chunk of untilAborted(data, signal)) {
    let chunkOffset = 0;
    while (chunkOffset < chunk.byteLength) {
      const where = position === null ? null : position + written;
      const result = await handle.write(chunk, chunkOffset, chunk.byteLength - chunkOffset, where);
      chunkOffset += result.bytesWritten;
      written += result.bytesWritten;
    }
  }
  throwIfAborted(signal);
  return written;
}
