/**
 * The items of `batches` one at a time. An item already in hand comes back as a resolved promise; only an empty hand
 * waits for the next batch. An async generator that yields the items one by one would await each of them instead, a
 * promise per entry of a listing. `return()` passes on to
 * `batches`, so stopping early runs its `finally` (the directory is closed); its errors reach the consumer's `next()`.
 */
export function flattenBatches<T>(batches: AsyncIterator<readonly T[]>): AsyncIterableIterator<T> {
  let batch: readonly T[] = [];
  let index = 0;
  const pull = async (): Promise<IteratorResult<T>> => {
    for (;;) {
      const next = await batches.next();
      if (next.done === true) return { done: true, value: undefined };
      batch = next.value;
      index = 0;
      if (batch.length > 0) return { done: false, value: batch[index++]! };
    }
  };
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => (index < batch.length ? Promise.resolve({ done: false, value: batch[index++]! }) : pull()),
    async return(): Promise<IteratorResult<T>> {
      batch = [];
      index = 0;
      await batches.return?.(undefined);
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
