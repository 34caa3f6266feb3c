import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storageError, type StorageSessionV1 } from '@ftp/plugin-api';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { checksumOfRange, ChecksumSlots } from './content-checksum.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const never = new AbortController().signal;

async function memorySession(files: Record<string, Uint8Array>, chunkBytes = 1000): Promise<StorageSessionV1> {
  const connector = createMemoryStorage({ files, chunkBytes, omit: ['checksum'] });
  return connector.openSession({ username: 'tester' }, {} as never);
}

describe('checksumOfRange', () => {
  it('hashes exactly the range asked, across chunk boundaries, and stops reading at its end', async () => {
    const content = randomBytes(10_000);
    const session = await memorySession({ '/f': content });
    let chunksRead = 0;
    let released = false;
    const counting: StorageSessionV1 = {
      ...session,
      async read(path, options) {
        const source = await session.read(path, options);
        return (async function* () {
          try {
            for await (const chunk of source) {
              chunksRead++;
              yield chunk;
            }
          } finally {
            released = true;
          }
        })();
      },
    };
    const result = await checksumOfRange(counting, '/f', 'SHA-256', { start: 1500, end: 4200 }, false, never);
    expect(result).toEqual({ start: 1500, end: 4200, digest: sha256(content.subarray(1500, 4200)) });
    expect(chunksRead).toBe(3); // 1500-2500, 2500-3500, 3500-4500: nothing after the chunk holding the end
    expect(released).toBe(true);
  });

  it('reports the shorter range it hashed when the file ends early, and an empty range without reading', async () => {
    const content = randomBytes(3000);
    const session = await memorySession({ '/f': content });
    expect(await checksumOfRange(session, '/f', 'MD5', { start: 1000, end: 5000 }, false, never)).toEqual({
      start: 1000,
      end: 3000,
      digest: createHash('md5').update(content.subarray(1000)).digest('hex'),
    });
    const unread: StorageSessionV1 = { ...session, read: () => Promise.reject(new Error('read for an empty range')) };
    expect((await checksumOfRange(unread, '/f', 'MD5', { start: 3000, end: 3000 }, false, never)).digest).toBe(
      createHash('md5').digest('hex'),
    );
  });

  it("takes the storage's checksum for the whole file, and reads when it throws ENOTSUP", async () => {
    const content = randomBytes(2000);
    const session = await memorySession({ '/f': content });
    const kept: StorageSessionV1 = { ...session, checksum: async () => 'kept-digest' };
    expect((await checksumOfRange(kept, '/f', 'SHA-256', { start: 0, end: 2000 }, true, never)).digest).toBe('kept-digest');
    expect((await checksumOfRange(kept, '/f', 'SHA-256', { start: 1, end: 2000 }, false, never)).digest).toBe(sha256(content.subarray(1)));
    const unsupported: StorageSessionV1 = { ...session, checksum: () => Promise.reject(storageError('ENOTSUP', '/f')) };
    expect((await checksumOfRange(unsupported, '/f', 'SHA-256', { start: 0, end: 2000 }, true, never)).digest).toBe(sha256(content));
    const missing: StorageSessionV1 = { ...session, checksum: () => Promise.reject(storageError('ENOENT', '/f')) };
    await expect(checksumOfRange(missing, '/f', 'SHA-256', { start: 0, end: 2000 }, true, never)).rejects.toMatchObject({
      storageCode: 'ENOENT',
    });
  });
});

describe('ChecksumSlots', () => {
  it('runs at most its limit at once, passes slots on in order, and drops a waiter whose signal aborts', async () => {
    const slots = new ChecksumSlots(1);
    const order: string[] = [];
    let releaseFirst: () => void = () => {};
    const first = slots.run(never, () => new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => order.push('first')));
    const leaving = new AbortController();
    const abandoned = slots.run(leaving.signal, async () => order.push('abandoned'));
    const second = slots.run(never, async () => order.push('second'));
    leaving.abort(new Error('session ended'));
    await expect(abandoned).rejects.toThrow('session ended');
    expect(order).toEqual([]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    // The slot is free again.
    expect(await slots.run(never, async () => 'after')).toBe('after');
  });
});
