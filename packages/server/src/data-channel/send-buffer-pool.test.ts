import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DataConnection } from './data-connection.ts';
import { SendBufferPool } from './send-buffer-pool.ts';

const KiB = 1024;

describe('SendBufferPool', () => {
  it('lends small buffers from the shared slab without taking them back', () => {
    const pool = new SendBufferPool();
    const small = pool.take(4 * KiB);
    expect(small.byteLength).toBe(4 * KiB);
    expect(pool.owns(small)).toBe(false);
  });

  it('hands a large buffer out again only after it was given back', () => {
    const pool = new SendBufferPool();
    const first = pool.take(256 * KiB);
    expect(pool.owns(first)).toBe(true);
    const second = pool.take(256 * KiB);
    expect(second.buffer).not.toBe(first.buffer);
    pool.giveBack(first.subarray(0, 10));
    expect(pool.take(256 * KiB).buffer).toBe(first.buffer);
    expect(pool.take(256 * KiB).buffer).not.toBe(first.buffer);
  });

  it('never takes back memory it did not lend', () => {
    const pool = new SendBufferPool();
    const foreign = Buffer.allocUnsafeSlow(256 * KiB);
    pool.giveBack(foreign);
    expect(pool.take(256 * KiB).buffer).not.toBe(foreign.buffer);
  });
});

/** A loopback socket pair: the server side sends, the client side reads. */
async function socketPair(): Promise<{ sending: Socket; reading: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection');
  const reading = connect({ host: '127.0.0.1', port });
  const [sending] = (await accepted) as [Socket];
  server.close();
  onTestFinished(() => {
    sending.destroy();
    reading.destroy();
  });
  return { sending, reading };
}

describe('DataConnection with a buffer pool', () => {
  it('reuses a buffer only once the socket has written it, even when the reader is slow', async () => {
    const { sending, reading } = await socketPair();
    const pool = new SendBufferPool();
    const chunkBytes = 64 * KiB;
    const chunkCount = 160;
    const buffersSeen = new Set<ArrayBufferLike>();
    // Reads ahead like a storage connector: the next chunk is taken and filled before the current one is yielded.
    const fill = (index: number): Uint8Array => {
      const buffer = pool.take(chunkBytes);
      buffersSeen.add(buffer.buffer);
      return buffer.fill(index);
    };
    async function* source(): AsyncGenerator<Uint8Array> {
      let ahead = fill(0);
      for (let index = 0; index < chunkCount; index++) {
        const current = ahead;
        if (index + 1 < chunkCount) ahead = fill(index + 1);
        yield current;
      }
    }
    // The reader takes its time, so chunks queue in the socket while the source goes on taking buffers.
    const received: Buffer[] = [];
    reading.on('data', (chunk: Buffer) => {
      received.push(chunk);
      reading.pause();
      setTimeout(() => reading.resume(), 1);
    });
    const ended = once(reading, 'end');
    const connection = new DataConnection(sending, 30_000);
    const sent = await connection.send(source(), new AbortController().signal, pool);
    expect(sent).toBe(chunkBytes * chunkCount);
    await ended;
    const data = Buffer.concat(received);
    expect(data.byteLength).toBe(chunkBytes * chunkCount);
    for (let index = 0; index < chunkCount; index++) {
      const chunk = data.subarray(index * chunkBytes, (index + 1) * chunkBytes);
      expect(chunk.every((byte) => byte === index)).toBe(true);
    }
    // Buffers were reused (far fewer than one per chunk), which is the point of the pool.
    expect(buffersSeen.size).toBeLessThan(chunkCount);
  });
});
