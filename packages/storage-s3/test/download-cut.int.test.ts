import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
// The server's raw control-connection client and log recorder: the test reads every reply and every log line.
import { epsvPort, loggedInRawSession, openDataConnection, readToEnd, alarmingLines, recordingLogger } from '@ftp/test-utils';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

// A RETR whose GetObject body is cut mid-stream (the S3 endpoint or a load balancer drops the connection after the
// headers and part of the body): the storage is unavailable, not the server at fault. The client gets 451 naming the
// storage, the log says so at warn level without a stack, and the session goes on.

const fixture = useS3ThroughProxy();
const mebibyte = 1024 * 1024;

function isGetObject(request: { method: string; url: string }, name: string): boolean {
  return request.method === 'GET' && request.url.split('?')[0]!.endsWith(`/${name}`);
}

describe('a download whose GetObject body is cut mid-stream', () => {
  it('answers 451 Storage temporarily unavailable after the 150, logs a warning without a stack, and the session goes on', async () => {
    const { proxy, s3 } = fixture;
    const { logger, lines } = recordingLogger();
    const { port, prefix } = await fixture.serve({}, { logger });
    const content = randomBytes(4 * mebibyte);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}big.bin`, Body: content }));
    const cutAfter = 256 * 1024;
    proxy.decide = (request) => (isGetObject(request, 'big.bin') ? { cutBodyAfter: cutAfter } : 'forward');

    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(epsvPort(await session.command('EPSV')));
    expect((await session.command('RETR big.bin')).code).toBe(150);
    const received = await readToEnd(data);
    const failed = await session.read();
    expect(failed.code).toBe(451);
    expect(failed.text).toBe('451 Storage temporarily unavailable; try again.');
    // The client has what came before the cut, never the whole file, and never a 226.
    expect(received.byteLength).toBeLessThanOrEqual(cutAfter);
    expect(received.equals(content.subarray(0, received.byteLength))).toBe(true);
    // The SDK does not retry a body that failed after its headers: one GetObject.
    expect(proxy.requests.filter((request) => isGetObject(request, 'big.bin'))).toHaveLength(1);

    expect(alarmingLines(lines)).toEqual([]);
    const warning = lines.find((line) => line.level === 'warn' && line.message === 'command refused');
    expect(warning?.fields).toMatchObject({
      verb: 'RETR',
      error: { code: 'FTP_ERR_STORAGE', message: expect.stringContaining('EUNAVAILABLE') },
    });
    expect(JSON.stringify(warning?.fields)).toMatch(/ECONNRESET|aborted|premature/i);

    // The session stays: the same download, uncut, completes.
    proxy.decide = () => 'forward';
    const again = await openDataConnection(epsvPort(await session.command('EPSV')));
    expect((await session.command('RETR big.bin')).code).toBe(150);
    expect((await readToEnd(again)).equals(content)).toBe(true);
    expect((await session.read()).code).toBe(226);
  });
});
