import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCertificate, eventually } from '@ftp/test-utils';
import { passivePort, startTlsServer, testUser, tlsControlClient, type TlsControlClient } from './support-tls.ts';

// Client-initiated TLS renegotiation (TLS 1.2 and earlier; TLS 1.3 has none) costs the server a full handshake each
// time. Node.js limits it only on sockets a tls.Server makes; the server builds its TLS sockets itself, so it must
// refuse renegotiation on its own, on control and data connections alike.

const certificate = await generateCertificate();
const { user, password } = testUser;
const tls12 = { maxVersion: 'TLSv1.2' } as const;

/**
 * Asks for up to `attempts` renegotiations on `socket`, one after the other; resolves with how many the server
 * accepted before one failed (or the connection closed), and the error of that one.
 */
async function renegotiate(socket: TLSSocket, attempts: number): Promise<{ accepted: number; refusal: Error | undefined }> {
  for (let accepted = 0; accepted < attempts; accepted++) {
    const outcome = await new Promise<Error | undefined>((resolve) => {
      const onError = (error: Error): void => resolve(error);
      const onClose = (): void => resolve(new Error('connection closed'));
      socket.once('error', onError).once('close', onClose);
      const started = socket.renegotiate({ rejectUnauthorized: false }, (error) => {
        socket.off('error', onError).off('close', onClose);
        resolve(error ?? undefined);
      });
      if (!started) resolve(new Error('renegotiation could not start'));
    });
    if (outcome !== undefined) {
      // A client that cannot renegotiate gives up on the connection, as Node.js and OpenSSL clients do.
      socket.destroy();
      return { accepted, refusal: outcome };
    }
  }
  return { accepted: attempts, refusal: undefined };
}

/** A control connection upgraded with TLS 1.2 at most (so renegotiation exists), logged in. */
async function tls12Session(port: number): Promise<TlsControlClient> {
  const client = await tlsControlClient(port);
  await client.upgrade('TLS', tls12);
  await client.login(user, password);
  return client;
}

describe('TLS renegotiation', () => {
  it('refuses renegotiation on the control connection and goes on serving other clients', async () => {
    const server = await startTlsServer(certificate);
    const renegotiating = await tls12Session(server.port);
    expect(renegotiating.secureSocket!.getProtocol()).toBe('TLSv1.2');

    const { accepted, refusal } = await renegotiate(renegotiating.secureSocket!, 10);
    expect(accepted).toBe(0);
    expect(refusal?.message).toMatch(/renegotiation/i);
    await renegotiating.closed;

    const other = await tls12Session(server.port);
    expect((await other.command('PWD')).code).toBe(257);
    await eventually(() => server.server.sessionCount === 1, 'the refused session to end');
  });

  it('refuses renegotiation on a PROT P data connection; the control connection goes on', async () => {
    const server = await startTlsServer(certificate);
    const client = await tls12Session(server.port);
    expect((await client.command('PBSZ 0')).code).toBe(200);
    expect((await client.command('PROT P')).code).toBe(200);
    expect((await client.command('TYPE I')).code).toBe(200);

    const tcp = connectTcp({ host: '127.0.0.1', port: passivePort(await client.command('PASV')) });
    tcp.on('error', () => undefined);
    onTestFinished(() => {
      tcp.destroy();
    });
    await once(tcp, 'connect');
    // The data connection resumes the control connection's TLS 1.2 session, as the server requires. It names the
    // same host as the control connection (an IP address: no SNI); without `host` Node.js sends SNI "localhost", and
    // OpenSSL 3.5 (Node.js 22 and 24) does not resume a session under another server name, so the server refuses.
    const data = connectTls({ socket: tcp, rejectUnauthorized: false, host: '127.0.0.1', session: client.tlsSession, ...tls12 });
    data.on('error', () => undefined);
    // An upload: the client decides when data moves, so the transfer is certainly still running when it renegotiates.
    client.send('STOR upload.bin');
    expect((await client.read()).code).toBe(150);
    await once(data, 'secureConnect');
    expect(data.isSessionReused()).toBe(true);
    data.write(Buffer.alloc(64 * 1024, 0x61));

    const { accepted, refusal } = await renegotiate(data, 10);
    expect(accepted).toBe(0);
    expect(refusal?.message).toMatch(/renegotiation/i);
    // The client gave the data connection up: the upload gets its final reply and the session goes on.
    expect((await client.read()).code).toBeGreaterThanOrEqual(200);
    expect((await client.command('NOOP')).code).toBe(200);
  });
});
