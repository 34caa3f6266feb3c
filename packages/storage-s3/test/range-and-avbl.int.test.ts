import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { Client } from 'basic-ftp';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FtpServerOptions } from '@ftp/server';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// RANG (draft-bryan-ftp-range) and AVBL over the s3 connector, with basic-ftp on real sockets: a ranged RETR is one
// ranged GetObject, and AVBL, which S3 cannot answer from free space, answers what the user's byte quota leaves.
const fixture = useS3ThroughProxy();

async function connected(serverOptions: Partial<FtpServerOptions> = {}): Promise<Client> {
  const { port } = await fixture.serve({}, serverOptions);
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  await client.access({ host: '127.0.0.1', port, user: 'tester', password: 'x' });
  return client;
}

async function download(client: Client, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await client.downloadTo(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    }),
    path,
  );
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('RANG over S3', () => {
  it('RETR sends exactly the range with one ranged GetObject, HASH hashes it, and STOR rewrites the object from the start of the range', async () => {
    const client = await connected();
    const content = randomBytes(2 * 1024 * 1024 + 3);
    await client.uploadFrom(Readable.from([content]), 'object.bin');
    fixture.proxy.requests.length = 0;
    expect((await client.send('RANG 1000000 1999999')).message).toBe('350 Restarting at 1000000. End byte range at 1999999.');
    const range = await download(client, 'object.bin');
    expect(range.equals(content.subarray(1_000_000, 2_000_000))).toBe(true);
    expect(fixture.proxy.requests.filter((request) => request.method === 'GET' && request.url.includes('object.bin'))).toHaveLength(1);
    await client.send('RANG 10 99');
    expect((await client.send('HASH object.bin')).message).toBe(`213 SHA-256 10-100 ${sha256(content.subarray(10, 100))} object.bin`);

    const tail = randomBytes(content.byteLength - 2_000_000);
    await client.send(`RANG 2000000 ${content.byteLength - 1}`);
    await client.uploadFrom(Readable.from([tail]), 'object.bin');
    const after = await download(client, 'object.bin');
    expect(after.equals(Buffer.concat([content.subarray(0, 2_000_000), tail]))).toBe(true);
  });
});

describe('AVBL over S3', () => {
  it("answers what the user's byte quota leaves, and FEAT lists it, though S3 knows no free space", async () => {
    const client = await connected({ userDefaults: { quota: { maxBytes: 1_000_000 } } });
    expect((await client.send('FEAT')).message).toMatch(/^ AVBL$/m);
    expect((await client.send('AVBL')).message).toBe('213 1000000');
    await client.uploadFrom(Readable.from([randomBytes(300_000)]), 'object.bin');
    expect((await client.send('AVBL /')).message).toBe('213 700000');
    await expect(client.send('AVBL object.bin')).rejects.toThrow(/550/);
  });

  it('answers 502 and is not in FEAT without a byte quota', async () => {
    const client = await connected();
    expect((await client.send('FEAT')).message).not.toMatch(/AVBL/);
    await expect(client.send('AVBL')).rejects.toThrow(/502 AVBL is not supported by this storage/);
  });
});
