import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
import { generateCertificate, type TestCertificate } from '@ftp/test-utils';
import { deletePrefix, prefixOf, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { createS3Storage } from '../src/index.ts';

// The storage round trips over TLS against the S3 connector too: explicit and implicit FTPS, PROT P,
// with the server requiring TLS for login and data, over a bucket on the test S3 server.
let s3: TestS3;
let certificate: TestCertificate;

beforeAll(async () => {
  s3 = await startTestS3();
  certificate = await generateCertificate();
});
afterAll(async () => {
  await s3?.stop();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('FTPS over the S3 connector', () => {
  it.each([
    ['explicit', true],
    ['implicit', 'implicit'],
  ] as const)('uploads, lists, downloads and appends over %s TLS with PROT P', async (_mode, secure) => {
    const options = s3.options({ partSize: 5 * 1024 * 1024 });
    const server = createFtpServer({
      authenticator: createNoAuthAuthenticator(),
      storage: createS3Storage(options),
      host: '127.0.0.1',
      port: 0,
      tls: { cert: certificate.cert, key: certificate.key, implicitPort: 0, requireForLogin: true, requireForData: true },
    });
    const { port, implicitTlsPort } = await server.listen();
    onTestFinished(async () => {
      await server.close({ timeoutMs: 2_000 });
      await deletePrefix(s3, prefixOf(options));
    });
    const client = new Client(30_000);
    onTestFinished(() => client.close());
    await client.access({
      host: '127.0.0.1',
      port: secure === 'implicit' ? implicitTlsPort! : port,
      user: 'alice',
      password: 'any',
      secure,
      secureOptions: { ca: certificate.cert },
    });
    // 12 MiB: a multipart upload (three 5 MiB parts) carried over a protected data connection.
    const content = randomBytes(12 * 1024 * 1024);
    await client.uploadFrom(Readable.from([content]), 'big.bin');
    await client.appendFrom(Readable.from([Buffer.from('tail')]), 'big.bin');
    expect((await client.list()).map((entry) => [entry.name, entry.size])).toEqual([['big.bin', content.length + 4]]);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await client.downloadTo(sink, 'big.bin');
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(Buffer.concat([content, Buffer.from('tail')])));
  });
});
