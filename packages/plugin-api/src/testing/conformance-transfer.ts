import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { chunksOf, collectBytes, noAbort, storageCodeOf, textFrom } from './helpers.ts';
import { defineWriteChecks } from './conformance-write.ts';

/** Yields `totalBytes` random bytes in chunks of varying sizes, feeding each chunk to `hash` as it goes. */
async function* randomChunks(totalBytes: number, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  const chunkSizes = [65_536, 1, 12_345, 131_072, 7];
  let produced = 0;
  for (let index = 0; produced < totalBytes; index += 1) {
    const size = Math.min(chunkSizes[index % chunkSizes.length] ?? 1, totalBytes - produced);
    const chunk = randomBytes(size);
    hash.update(chunk);
    produced += size;
    yield chunk;
  }
}

/** read (whole, from an offset, errors, abort, early return) and write. */
export function defineTransferChecks(fixture: ConformanceFixture): void {
  const { check } = fixture;

  check('read', 'reads a whole file and a file from an offset', async () => {
    await fixture.writeText('/digits.txt', '0123456789');
    expect(await fixture.readText('/digits.txt')).toBe('0123456789');
    const fromOffset = await fixture.session.read('/digits.txt', { ...noAbort, offset: 4 });
    expect(textFrom(await collectBytes(fromOffset))).toBe('456789');
    const atEnd = await fixture.session.read('/digits.txt', { ...noAbort, offset: 10 });
    expect((await collectBytes(atEnd)).byteLength).toBe(0);
  });

  check('read', 'reports, when it reports a size, the whole file size from any offset', async () => {
    await fixture.writeText('/sized.txt', '0123456789');
    const whole = await fixture.session.read('/sized.txt', { ...noAbort, offset: 0 });
    const fromOffset = await fixture.session.read('/sized.txt', { ...noAbort, offset: 6 });
    // RETR announces this size in its 150 reply instead of asking stat: a wrong one would mislead the client.
    for (const source of [whole, fromOffset]) {
      if (source.size !== undefined) expect(source.size).toBe(10);
    }
    expect(textFrom(await collectBytes(whole))).toBe('0123456789');
    expect(textFrom(await collectBytes(fromOffset))).toBe('6789');
  });

  check('read', 'reads an empty file as no bytes', async () => {
    await fixture.writeText('/empty.txt', '');
    expect(await fixture.readText('/empty.txt')).toBe('');
  });

  check('read', 'rejects with ENOENT or EISDIR before returning the iterable', async () => {
    await fixture.session.makeDirectory('/folder', noAbort);
    // storageCodeOf awaits only the promise read returns, never iterates: the error must come before the 150 reply.
    expect(await storageCodeOf(() => fixture.session.read('/missing.txt', { ...noAbort, offset: 0 }))).toBe('ENOENT');
    expect(await storageCodeOf(() => fixture.session.read('/folder', { ...noAbort, offset: 0 }))).toBe('EISDIR');
  });

  check('read', 'stops yielding once the signal aborts', async () => {
    const size = 8 * 1024 * 1024;
    await fixture.session.write('/big.bin', chunksOf(randomBytes(size)), { ...noAbort, offset: 0 });
    const controller = new AbortController();
    const content = await fixture.session.read('/big.bin', { signal: controller.signal, offset: 0 });
    let received = 0;
    try {
      for await (const chunk of content) {
        received += chunk.byteLength;
        controller.abort();
      }
    } catch {
      // Ending by throwing is as good as ending quietly: the server only needs the transfer to stop.
    }
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(size);
  });

  check('read', 'releases the file when the reader stops early', async () => {
    await fixture.session.write('/big.bin', chunksOf(randomBytes(1024 * 1024), 1024), { ...noAbort, offset: 0 });
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const content = await fixture.session.read('/big.bin', { ...noAbort, offset: 0 });
      for await (const chunk of content) {
        expect(chunk.byteLength).toBeGreaterThan(0);
        break;
      }
    }
    await fixture.writeText('/big.bin', 'replaced');
    expect(await fixture.readText('/big.bin')).toBe('replaced');
    await fixture.session.delete('/big.bin', noAbort);
    expect(await storageCodeOf(() => fixture.session.stat('/big.bin', noAbort))).toBe('ENOENT');
  });

  check('read', 'reads into buffers the server lends, and leaves each one alone once it is yielded', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 123);
    await fixture.session.write('/lent.bin', chunksOf(content, 256 * 1024), { ...noAbort, offset: 0 });
    // Like the server: a chunk's buffer goes back to the pool once the chunk is consumed, and is lent again.
    const free: Uint8Array[] = [];
    const lent = new Set<ArrayBufferLike>();
    const bufferPool = {
      take(minimumBytes: number): Uint8Array {
        const reused = free.findIndex((buffer) => buffer.byteLength >= minimumBytes);
        const buffer = reused === -1 ? new Uint8Array(minimumBytes) : free.splice(reused, 1)[0]!;
        lent.add(buffer.buffer);
        return buffer;
      },
    };
    const received: Buffer[] = [];
    for await (const chunk of await fixture.session.read('/lent.bin', { ...noAbort, offset: 0, bufferPool })) {
      received.push(Buffer.from(chunk));
      if (lent.has(chunk.buffer)) {
        expect(chunk.byteOffset).toBe(0);
        free.push(new Uint8Array(chunk.buffer));
      }
    }
    // A connector that wrote into a buffer after yielding it would show here as changed bytes.
    expect(Buffer.concat(received).equals(content)).toBe(true);
  });

  defineWriteChecks(fixture);

  check('large-file', 'stores a large upload of many chunks byte for byte', async () => {
    const uploadHash = createHash('sha256');
    const result = await fixture.session.write('/large.bin', randomChunks(fixture.largeFileBytes, uploadHash), {
      ...noAbort,
      offset: 0,
    });
    expect(result.bytesWritten).toBe(fixture.largeFileBytes);
    expect((await fixture.session.stat('/large.bin', noAbort)).size).toBe(fixture.largeFileBytes);
    const downloadHash = createHash('sha256');
    for await (const chunk of await fixture.session.read('/large.bin', { ...noAbort, offset: 0 })) {
      downloadHash.update(chunk);
    }
    expect(downloadHash.digest('hex')).toBe(uploadHash.digest('hex'));
  });
}
