import { describe, expect, it } from 'vitest';
import { RateLimiter, throttle, throttleSliceBytes } from './rate-limiter.ts';

const never = new AbortController().signal;

describe('RateLimiter', () => {
  it('passes a first burst at once and then paces to the rate (lower bound only)', async () => {
    const limiter = new RateLimiter(1_000_000); // capacity 125 KB
    const started = performance.now();
    for (let index = 0; index < 20; index++) await limiter.take(throttleSliceBytes, never); // 327 KB
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual((0.9 * (20 * throttleSliceBytes - 125_000)) / 1_000_000);
  });

  it('serves waiters in arrival order', async () => {
    const limiter = new RateLimiter(200_000);
    await limiter.take(25_000, never); // drain the burst
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((index) => limiter.take(throttleSliceBytes, never).then(() => order.push(index))));
    expect(order).toEqual([1, 2, 3]);
  });

  it('rejects a waiting take when its signal aborts, and keeps serving the others', async () => {
    const limiter = new RateLimiter(100_000);
    await limiter.take(16_384, never);
    const controller = new AbortController();
    const aborted = limiter.take(16_384, controller.signal);
    const next = limiter.take(1_000, never);
    controller.abort(new Error('ABOR'));
    await expect(aborted).rejects.toThrow('ABOR');
    await expect(next).resolves.toBeUndefined();
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});

describe('throttle', () => {
  it('returns the source itself without limiters, and slices chunks with them', async () => {
    const source = [Buffer.alloc(40_000)];
    expect(throttle(source as unknown as AsyncIterable<Uint8Array>, [], never)).toBe(source);
    const sizes: number[] = [];
    async function* chunks() {
      yield* source;
    }
    for await (const slice of throttle(chunks(), [new RateLimiter(10_000_000)], never)) sizes.push(slice.byteLength);
    expect(sizes).toEqual([throttleSliceBytes, throttleSliceBytes, 40_000 - 2 * throttleSliceBytes]);
  });
});
