import { openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { neverAbortedSignal } from '@ftp/plugin-api/testing';
import { eventLoopCalls, threadPoolCalls } from './file-calls.ts';
import { readAhead } from './read-ahead.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'storage-fs-read-ahead-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function chunksOf(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks;
}

describe.each([
  ['on the event loop', eventLoopCalls],
  ['in the thread pool', threadPoolCalls],
])('readAhead %s', (_where, calls) => {
  it('reads a small file in one chunk of its own size', async () => {
    const path = join(directory, 'small.bin');
    await writeFile(path, Buffer.alloc(4096, 7));
    const chunks = await chunksOf(readAhead(calls, openSync(path, 'r'), 0, 1024 * 1024, neverAbortedSignal, 4096));
    expect(chunks.map((chunk) => chunk.byteLength)).toEqual([4096]);
    // The buffer is sized to the file (plus the one byte that detects growth), not to the chunk size (1 MiB): its
    // own 4097 bytes on Node.js 20 and 22, a slice of the shared 64 KiB pool on Node.js 24 (Buffer.poolSize 8 KiB
    // before; allocUnsafe pools sizes below half of it).
    expect(chunks[0]!.buffer.byteLength).toBeLessThanOrEqual(Math.max(8192, Buffer.poolSize));
  });

  it('yields only the bytes read when the file is shorter than it was when opened', async () => {
    const path = join(directory, 'shrunk.bin');
    await writeFile(path, Buffer.alloc(100, 1));
    const chunks = await chunksOf(readAhead(calls, openSync(path, 'r'), 0, 64, neverAbortedSignal, 1000));
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(100, 1));
  });

  it('reads on past the known size when the file grew', async () => {
    const path = join(directory, 'grown.bin');
    await writeFile(path, Buffer.alloc(300, 2));
    const chunks = await chunksOf(readAhead(calls, openSync(path, 'r'), 0, 128, neverAbortedSignal, 100));
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(300, 2));
  });

  it('starts at the offset (REST)', async () => {
    const path = join(directory, 'offset.bin');
    await writeFile(path, Buffer.from('0123456789'));
    const chunks = await chunksOf(readAhead(calls, openSync(path, 'r'), 4, 3, neverAbortedSignal, 10));
    expect(Buffer.concat(chunks).toString()).toBe('456789');
  });

  it('reads into buffers the consumer lends, yielding them whole or as a prefix', async () => {
    const path = join(directory, 'lent.bin');
    const content = Buffer.alloc(300, 3);
    content.fill(4, 128);
    await writeFile(path, content);
    const lent: Uint8Array[] = [];
    const bufferPool = {
      take(minimumBytes: number) {
        const buffer = Buffer.alloc(minimumBytes + 10);
        lent.push(buffer);
        return buffer;
      },
    };
    const chunks = await chunksOf(readAhead(calls, openSync(path, 'r'), 0, 128, neverAbortedSignal, 300, bufferPool));
    expect(Buffer.concat(chunks)).toEqual(content);
    for (const chunk of chunks) {
      expect(lent.some((buffer) => buffer.buffer === chunk.buffer)).toBe(true);
      expect(chunk.byteOffset).toBe(0);
    }
  });
});
