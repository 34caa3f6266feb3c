import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { Client } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// HASH and the X* checksums of the whole server over the s3 connector: an object without a stored checksum of the
// algorithm asked (the test server keeps none) is read with one GetObject and hashed by the server.
const fixture = useS3ThroughProxy();

async function connected(): Promise<Client> {
  const { port } = await fixture.serve();
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port, user: 'tester', password: 'x' });
  return client;
}

const hex = (name: string, bytes: Uint8Array) => createHash(name).update(bytes).digest('hex');

describe('HASH over S3', () => {
  it('answers every algorithm and range with the digest of the object, reading it once per command', async () => {
    const client = await connected();
    const content = randomBytes(3 * 1024 * 1024 + 5);
    await client.uploadFrom(Readable.from([content]), 'object.bin');
    fixture.proxy.requests.length = 0;
    expect((await client.send('HASH object.bin')).message).toBe(`213 SHA-256 0-${content.byteLength} ${hex('sha256', content)} object.bin`);
    expect(fixture.proxy.requests.filter((request) => request.method === 'GET' && request.url.includes('object.bin'))).toHaveLength(1);
    await client.send('OPTS HASH CRC32');
    expect((await client.send('HASH object.bin')).message).toContain(` ${crc32(content).toString(16).padStart(8, '0')} `);
    expect((await client.send('XSHA512 object.bin')).message).toBe(`250 ${hex('sha512', content).toUpperCase()}`);
    expect((await client.send('XMD5 object.bin 1048576 2097152')).message).toBe(
      `250 ${hex('md5', content.subarray(1_048_576, 2_097_152)).toUpperCase()}`,
    );
    await expect(client.send('HASH missing.bin')).rejects.toThrow(/550/);
  });
});
