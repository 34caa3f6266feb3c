import { describe, expect, it } from 'vitest';
import { flattenBatches } from './flatten-batches.ts';

describe('flattenBatches', () => {
  it('yields every item in order across batches, skipping empty ones', async () => {
    async function* batches() {
      yield [1, 2];
      yield [];
      yield [3];
      yield [4, 5, 6];
    }
    const items: number[] = [];
    for await (const item of flattenBatches(batches())) items.push(item);
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs the finally of the source when the consumer stops early, and passes its errors on', async () => {
    let closed = 0;
    async function* batches() {
      try {
        yield ['a', 'b'];
        yield ['c'];
      } finally {
        closed++;
      }
    }
    for await (const item of flattenBatches(batches())) if (item === 'a') break;
    expect(closed).toBe(1);

    async function* failing() {
      yield ['x'];
      throw new Error('EIO');
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const item of flattenBatches(failing())) seen.push(item);
      })(),
    ).rejects.toThrow('EIO');
    expect(seen).toEqual(['x']);
  });
});
