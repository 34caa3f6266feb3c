import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificate, alarmingLines, recordingLogger } from '@ftp/test-utils';
import { sha256 } from './support/index.ts';
import { openDataConnection, passivePort, startTlsServer, testUser, tlsControlClient, type TlsControlClient } from './support-tls.ts';

// A client that promised PROT P (RFC 4217 §9) but sends something other than a TLS handshake on the data connection:
// its mistake, answered as a data connection that could not be opened (425, RFC 959 §4.2), logged without alarm, and
// the session goes on.

const certificate = await generateCertificate();
const { user, password } = testUser;

/** Upgraded, logged in, PBSZ 0 and PROT P accepted, TYPE I. */
async function protectedSession(port: number): Promise<TlsControlClient> {
  const client = await tlsControlClient(port);
  await client.upgrade();
  await client.login(user, password);
  expect((await client.command('PBSZ 0')).code).toBe(200);
  expect((await client.command('PROT P')).code).toBe(200);
  expect((await client.command('TYPE I')).code).toBe(200);
  return client;
}

const garbage = {
  // An HTTP request: the first byte is no TLS record type.
  'plain text': Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
  // Fixed "random" bytes, so a run can be repeated: neither a record type nor a version.
  'binary noise': Buffer.from('ff13a7c2004e9b1d5e77e0c4a9028f6b3d11c0de7aa5f0e1', 'hex'),
} as const;

describe('a PROT P data connection that carries no TLS handshake', () => {
  for (const [kind, bytes] of Object.entries(garbage)) {
    for (const command of ['RETR file.bin', 'STOR upload.bin', 'LIST'] as const) {
      it(`answers ${command} with 425 naming TLS, logs no error or stack, and the session goes on (${kind})`, async () => {
        const { logger, lines } = recordingLogger();
        const { port, root } = await startTlsServer(certificate, { options: { logger } });
        const content = randomBytes(50_000);
        await writeFile(join(root, 'file.bin'), content);
        const client = await protectedSession(port);

        const data = await openDataConnection(passivePort(await client.command('PASV')), false);
        expect((await client.command(command)).code).toBe(150);
        data.socket.write(bytes);
        const failed = await client.read();
        expect(failed.code).toBe(425);
        expect(failed.text).toBe("425 Can't open data connection: TLS negotiation failed.");
        // Nothing of the file went out in clear, and nothing was stored.
        expect((await data.received).byteLength).toBe(0);
        if (command.startsWith('STOR')) await expect(readFile(join(root, 'upload.bin'))).rejects.toThrow(/ENOENT/);
        expect(alarmingLines(lines)).toEqual([]);
        expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
        // The log names the refusal and what OpenSSL made of the bytes, at debug level.
        const refusal = lines.find((line) => line.message === 'command refused');
        expect(refusal?.level).toBe('debug');
        expect(refusal?.fields.error).toMatchObject({
          code: 'FTP_ERR_DATA_CONNECTION',
          cause: { code: expect.stringMatching(/^ERR_SSL_/) },
        });

        // The session stays usable: a proper protected download follows.
        expect((await client.command('NOOP')).code).toBe(200);
        const next = await openDataConnection(passivePort(await client.command('PASV')), true, client.tlsSession);
        expect((await client.command('RETR file.bin')).code).toBe(150);
        expect(sha256(await next.received)).toBe(sha256(content));
        expect((await client.read()).code).toBe(226);
      });
    }
  }

  it('answers 425 when the garbage arrives before the transfer command', async () => {
    const { logger, lines } = recordingLogger();
    const { port, root } = await startTlsServer(certificate, { options: { logger } });
    await writeFile(join(root, 'file.bin'), 'content');
    const client = await protectedSession(port);
    const data = await openDataConnection(passivePort(await client.command('PASV')), false);
    data.socket.write(garbage['plain text']);
    const opening = await client.command('RETR file.bin');
    // The server starts TLS as soon as it has the connection: the 150 may or may not come before the failure.
    const failed = opening.code === 150 ? await client.read() : opening;
    expect(failed.text).toBe("425 Can't open data connection: TLS negotiation failed.");
    expect(alarmingLines(lines)).toEqual([]);
    expect((await client.command('NOOP')).code).toBe(200);
  });
});
