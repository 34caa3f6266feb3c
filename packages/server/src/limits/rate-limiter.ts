/** Largest piece of a chunk that waits for tokens at once, so concurrent transfers interleave finely (fairness). */
export const throttleSliceBytes = 16 * 1024;

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/**
 * A token bucket: `take(n)` resolves once n bytes may pass at the configured rate. Waiters are served first come,
 * first served, and a timer (never a busy loop) wakes the queue when enough tokens have accrued. Shared by every
 * transfer it limits, so concurrent transfers of one user split the rate between them.
 */
export class RateLimiter {
  readonly bytesPerSecond: number;
  readonly #capacity: number;
  #tokens: number;
  #updatedAt = performance.now();
  readonly #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be positive, got ${bytesPerSecond}`);
    this.bytesPerSecond = bytesPerSecond;
    // A burst of about 1/8 s, at least one slice, so a single slice can always pass.
    this.#capacity = Math.max(throttleSliceBytes, bytesPerSecond / 8);
    this.#tokens = this.#capacity;
  }

  /** Resolves when `bytes` (at most one slice) may pass; rejects with the signal's reason when it aborts first. */
  take(bytes: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.#refill();
    if (this.#queue.length === 0 && this.#tokens >= bytes) {
      this.#tokens -= bytes;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter);
          if (index !== -1) this.#queue.splice(index, 1);
          reject(signal.reason);
          this.#schedule();
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#schedule();
    });
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#updatedAt) / 1000) * this.bytesPerSecond);
    this.#updatedAt = now;
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const head = this.#queue[0];
    if (head === undefined) return;
    const waitMs = Math.max(1, ((head.bytes - this.#tokens) / this.bytesPerSecond) * 1000);
    this.#timer = setTimeout(() => this.#wake(), waitMs);
  }

  #wake(): void {
    this.#timer = undefined;
    this.#refill();
    while (this.#queue.length > 0 && this.#tokens >= this.#queue[0]!.bytes) {
      const waiter = this.#queue.shift()!;
      this.#tokens -= waiter.bytes;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.#schedule();
  }
}

/** Passes `source` through every limiter, slice by slice; the source itself when there are none. */
export function throttle(
  source: AsyncIterable<Uint8Array>,
  limiters: readonly RateLimiter[],
  signal: AbortSignal,
): AsyncIterable<Uint8Array> {
  if (limiters.length === 0) return source;
  return (async function* throttled() {
    for await (const chunk of source) {
      for (let offset = 0; offset < chunk.byteLength; offset += throttleSliceBytes) {
        const slice = chunk.subarray(offset, offset + throttleSliceBytes);
        for (const limiter of limiters) await limiter.take(slice.byteLength, signal);
        yield slice;
      }
    }
  })();
}
