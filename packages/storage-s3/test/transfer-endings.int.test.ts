import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { FtpServer, FtpServerEvents } from '@ftp/server';
// The server's raw control-connection client: these tests need the exact order of the client's closes.
import { loggedInRawSession, startRawTransfer } from '@ftp/test-utils';
import { listKeys } from '@ftp/test-utils/s3';
import { isAbortMultipartUpload, isUploadPart, type ProxiedRequest } from './support/fault-proxy.ts';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// How an upload over the s3 connector ends when the client ends it: closing the data connection (RFC 959 §3.4: end of
// file) and then at once the control connection, or ABOR (§4.1.3). Raw sockets, so nothing smooths the order over.

const mebibyte = 1024 * 1024;
const fixture = useS3ThroughProxy();

type UploadEvent = FtpServerEvents['upload'][0];

/** True for a CompleteMultipartUpload request (POST ...?uploadId=). */
function isCompleteMultipartUpload(request: Pick<ProxiedRequest, 'method' | 'url'>): boolean {
  return request.method === 'POST' && request.url.includes('uploadId=');
}

/** An FTP server on 127.0.0.1:0 over a fresh prefix of the test bucket, reached through the proxy (5 MiB parts). */
async function startServer(): Promise<{ server: FtpServer; port: number; prefix: string; uploads: UploadEvent[] }> {
  const served = await fixture.serve();
  const uploads: UploadEvent[] = [];
  served.server.on('upload', (event) => uploads.push(event));
  return { ...served, uploads };
}

/** The next `event` of `server` (register before triggering it). */
function next<E extends keyof FtpServerEvents>(server: FtpServer, event: E): Promise<FtpServerEvents[E][0]> {
  return new Promise((resolve) => server.once(event, ((payload: FtpServerEvents[E][0]) => resolve(payload)) as never));
}

/** Resolves once S3 has stored a part of the upload on `data`: the upload is then really under way. */
function untilPartStored(data: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stored = () =>
      fixture.proxy.requests.some((request) => isUploadPart(request) && request.status === 200) ? resolve() : setTimeout(stored, 20);
    stored();
    data.once('close', () => reject(new Error('data connection closed before a part was stored')));
  });
}

async function objectBytes(key: string): Promise<Buffer> {
  const output = await fixture.s3.client.send(new GetObjectCommand({ Bucket: fixture.s3.bucket, Key: key }));
  return Buffer.from(await output.Body!.transformToByteArray());
}

describe('an upload over the s3 connector', () => {
  it('completes its multipart upload when the client closes the control connection right after the data', async () => {
    const { server, port, prefix, uploads } = await startServer();
    // Two parts and a bit: the last part and the completion are still to be sent when the control connection closes.
    const payload = randomBytes(11 * mebibyte);
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      const session = await loggedInRawSession(port);
      const data = await startRawTransfer(session, `STOR file-${round}.bin`);
      const disconnected = next(server, 'disconnect');
      data.end(payload);
      await once(data, 'finish');
      if (round % 2 === 0) session.send('QUIT');
      session.socket.destroy();
      // The session ends only after its upload did.
      await disconnected;
      expect(uploads.map((event) => event.path)).toContain(`/file-${round}.bin`);
    }
    expect(uploads.map((event) => event.bytes)).toEqual(Array.from({ length: rounds }, () => payload.byteLength));
    expect(fixture.proxy.requests.filter(isCompleteMultipartUpload).map((request) => request.status)).toEqual(
      Array.from({ length: rounds }, () => 200),
    );
    expect(fixture.proxy.requests.filter(isAbortMultipartUpload)).toEqual([]);
    expect(await listKeys(fixture.s3, prefix)).toEqual(Array.from({ length: rounds }, (_, round) => `${prefix}file-${round}.bin`));
    for (let round = 0; round < rounds; round++) expect((await objectBytes(`${prefix}file-${round}.bin`)).equals(payload)).toBe(true);
  });

  it('aborts its multipart upload, leaving no object, when the control connection closes while data still arrives', async () => {
    const { server, port, prefix, uploads } = await startServer();
    const session = await loggedInRawSession(port);
    const data = await startRawTransfer(session, 'STOR partial.bin');
    data.write(randomBytes(6 * mebibyte));
    await untilPartStored(data);
    const disconnected = next(server, 'disconnect');
    session.socket.destroy();
    await disconnected;
    expect(uploads).toEqual([]);
    expect(fixture.proxy.requests.filter(isCompleteMultipartUpload)).toEqual([]);
    expect(fixture.proxy.requests.filter(isAbortMultipartUpload).map((request) => request.status)).toEqual([204]);
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
  });

  it('answers ABOR with 426 then 226, aborting its multipart upload and leaving no object', async () => {
    const { port, prefix, uploads } = await startServer();
    const session = await loggedInRawSession(port);
    const data = await startRawTransfer(session, 'STOR aborted.bin');
    data.write(randomBytes(6 * mebibyte));
    await untilPartStored(data);
    session.send('ABOR');
    expect((await session.read()).code).toBe(426);
    expect((await session.read()).text).toBe('226 ABOR successful.');
    expect(uploads).toEqual([]);
    expect(fixture.proxy.requests.filter(isCompleteMultipartUpload)).toEqual([]);
    expect(fixture.proxy.requests.filter(isAbortMultipartUpload).map((request) => request.status)).toEqual([204]);
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
    expect((await session.command('NOOP')).code).toBe(200);
  });
});
