import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCertificate, eventually } from '@ftp/test-utils';
import { sha256 } from './support/index.ts';
import { openDataConnection, passivePort, ReplyReader, startTlsServer, testUser, tlsControlClient } from './support-tls.ts';

// The AUTH TLS upgrade itself (RFC 4217 §4): no byte after the AUTH line may be taken as a command, a ClientHello in
// the same packet must still work, and a replaced certificate is what new sessions see.

const certificate = await generateCertificate();
const replacement = await generateCertificate();
const { user, password } = testUser;

/** A TCP control connection whose greeting has arrived; every byte received is kept. */
async function rawControl(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  onTestFinished(() => {
    socket.destroy();
  });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = once(socket, 'close').then(() => undefined);
  await eventually(() => Buffer.concat(chunks).includes('\r\n'), 'the greeting');
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** The clear-text replies at the start of `bytes`, and what follows the last of them. */
function splitClearReplies(bytes: Buffer): { codes: number[]; after: Buffer } {
  const codes: number[] = [];
  let offset = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n', offset);
    const line = bytes.subarray(offset, end === -1 ? bytes.length : end).toString('latin1');
    if (end === -1 || !/^\d{3} /.test(line)) break;
    codes.push(Number(line.slice(0, 3)));
    offset = end + 2;
  }
  return { codes, after: bytes.subarray(offset) };
}

describe('garbage after AUTH TLS', () => {
  const payloads: Array<[string, Buffer]> = [
    ['commands in the same packet', Buffer.from(`USER ${user}\r\nPASS ${password}\r\nMKD injected\r\n`)],
    ['random bytes in the same packet', Buffer.concat([Buffer.from('x'), randomBytes(200)])],
  ];
  it.each(payloads)('executes nothing from %s, ends the connection, and goes on serving', async (_name, payload) => {
    const { port, root, server } = await startTlsServer(certificate);
    const control = await rawControl(port);
    control.socket.write(Buffer.concat([Buffer.from('AUTH TLS\r\n'), payload]));
    await control.closed;
    const { codes, after } = splitClearReplies(control.received());
    expect(codes).toEqual([220, 234]);
    // After the 234 only TLS may follow: nothing, or an alert record (content type 21, RFC 8446 §5.1).
    if (after.length > 0) expect(after[0]).toBe(21);
    expect(existsSync(join(root, 'injected'))).toBe(false);
    await eventually(() => server.sessionCount === 0, 'the failed session to end');
    const next = await tlsControlClient(port);
    await next.upgrade();
    await next.login(user, password);
    expect((await next.command('PWD')).code).toBe(257);
  });

  it('executes nothing sent in clear after the 234 reply', async () => {
    const { port, root } = await startTlsServer(certificate);
    const control = await rawControl(port);
    control.socket.write('AUTH TLS\r\n');
    await eventually(() => splitClearReplies(control.received()).codes.length === 2, 'the 234 reply');
    control.socket.write(`USER ${user}\r\nPASS ${password}\r\nMKD injected\r\n`);
    await control.closed;
    const { codes, after } = splitClearReplies(control.received());
    expect(codes).toEqual([220, 234]);
    if (after.length > 0) expect(after[0]).toBe(21);
    expect(existsSync(join(root, 'injected'))).toBe(false);
  });
});

describe('a TLS handshake that never completes', () => {
  it('ends the session at the login timeout instead of holding it forever', { timeout: 10_000 }, async () => {
    const { port, server } = await startTlsServer(certificate, { options: { loginTimeoutMs: 300 } });
    const control = await rawControl(port);
    // A record header announcing 512 bytes that never come: the server's TLS side waits for them.
    control.socket.write(Buffer.concat([Buffer.from('AUTH TLS\r\n'), Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])]));
    await control.closed;
    expect(splitClearReplies(control.received()).codes).toEqual([220, 234]);
    await eventually(() => server.sessionCount === 0, 'the stalled session to end');
  });

  it('ends an implicit-TLS connection that never sends a ClientHello at the login timeout', { timeout: 10_000 }, async () => {
    const { implicitPort, server } = await startTlsServer(certificate, { implicit: true, options: { loginTimeoutMs: 300 } });
    const socket = connectTcp({ host: '127.0.0.1', port: implicitPort! });
    socket.on('error', () => undefined);
    onTestFinished(() => {
      socket.destroy();
    });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await once(socket, 'close');
    // Nothing in clear: the 220 greeting and the 421 are TLS application data that was never negotiated.
    expect(Buffer.concat(received).toString('latin1')).not.toMatch(/\d{3} /);
    await eventually(() => server.sessionCount === 0, 'the stalled session to end');
  });
});

describe('ClientHello pipelined with AUTH TLS', () => {
  /**
   * A TLS client whose first flight (the ClientHello) is written to TCP in one write together with `before` +
   * "AUTH TLS\r\n". Replies the server sends in clear are split off the stream before the rest goes to TLS.
   */
  async function pipelinedUpgrade(port: number, before: string): Promise<{ clearCodes: number[]; secure: TLSSocket }> {
    const control = await rawControl(port);
    const tcp = control.socket;
    let expectedClearReplies = 2 + (before === '' ? 0 : before.split('\r\n').length - 1);
    let firstFlight = true;
    const carrier = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        const bytes = firstFlight ? Buffer.concat([Buffer.from(`${before}AUTH TLS\r\n`), chunk]) : chunk;
        firstFlight = false;
        tcp.write(bytes, (error) => done(error ?? null));
      },
      final(done) {
        tcp.end();
        done();
      },
    });
    tcp.removeAllListeners('data');
    let clear = control.received();
    const clearCodes: number[] = [];
    const take = (): void => {
      const { codes, after } = splitClearReplies(clear);
      if (codes.length < expectedClearReplies) return;
      clearCodes.push(...codes);
      expectedClearReplies = 0;
      if (after.length > 0) carrier.push(after);
    };
    tcp.on('data', (chunk: Buffer) => {
      if (expectedClearReplies === 0) {
        carrier.push(chunk);
        return;
      }
      clear = Buffer.concat([clear, chunk]);
      take();
    });
    tcp.on('close', () => carrier.destroy());
    const secure = connectTls({ socket: carrier, rejectUnauthorized: false, host: '127.0.0.1' });
    secure.on('error', () => undefined);
    await Promise.race([once(secure, 'secureConnect'), once(secure, 'close').then(() => Promise.reject(new Error('handshake failed')))]);
    return { clearCodes, secure };
  }

  it.each([
    ['alone', '', [220, 234]],
    ['after a NOOP in the same packet', 'NOOP\r\n', [220, 200, 234]],
  ])('completes the handshake when AUTH TLS comes %s', async (_name, before, expectedCodes) => {
    const { port, root } = await startTlsServer(certificate);
    const { clearCodes, secure } = await pipelinedUpgrade(port, before);
    expect(clearCodes).toEqual(expectedCodes);
    expect(secure.getPeerCertificate().fingerprint256).toBe(certificate.fingerprint256);
    const replies = new ReplyReader();
    replies.attach(secure);
    secure.write(`USER ${user}\r\nPASS ${password}\r\nMKD made-over-tls\r\n`);
    expect([(await replies.read()).code, (await replies.read()).code, (await replies.read()).code]).toEqual([331, 230, 257]);
    expect(existsSync(join(root, 'made-over-tls'))).toBe(true);
  });
});

describe('certificate reload', () => {
  it('gives new sessions the new certificate while old sessions keep theirs', async () => {
    const { port, implicitPort, server, root } = await startTlsServer(certificate, { implicit: true });
    const content = randomBytes(20_000);
    await writeFile(join(root, 'file.bin'), content);
    const old = await tlsControlClient(port);
    const oldSocket = await old.upgrade();
    expect(oldSocket.getPeerCertificate().fingerprint256).toBe(certificate.fingerprint256);
    await old.login(user, password);

    server.setTlsCertificate({ cert: replacement.cert, key: replacement.key });

    const explicit = await tlsControlClient(port);
    expect((await explicit.upgrade()).getPeerCertificate().fingerprint256).toBe(replacement.fingerprint256);
    const implicit = await tlsControlClient(implicitPort!, true);
    expect(implicit.secureSocket!.getPeerCertificate().fingerprint256).toBe(replacement.fingerprint256);
    // The old session's data connections still resume its own session, under the old certificate.
    expect((await old.command('PBSZ 0')).code).toBe(200);
    expect((await old.command('PROT P')).code).toBe(200);
    expect((await old.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(passivePort(await old.command('PASV')), true, old.tlsSession);
    expect((await old.command('RETR file.bin')).code).toBe(150);
    // Resumed: the ticket was issued under the old session's own context, so its (old) certificate is still used.
    expect(await data.handshake).toBe(true);
    expect(sha256(await data.received)).toBe(sha256(content));
    expect((await old.read()).code).toBe(226);
  });

  it('keeps the current certificate when the new pair does not load', async () => {
    const { port, server } = await startTlsServer(certificate);
    expect(() => server.setTlsCertificate({ cert: replacement.cert, key: certificate.key })).toThrow();
    const client = await tlsControlClient(port);
    expect((await client.upgrade()).getPeerCertificate().fingerprint256).toBe(certificate.fingerprint256);
  });
});

describe('AUTH mechanisms', () => {
  it('accepts AUTH SSL as an alias and refuses an unknown mechanism with 504', async () => {
    const { port } = await startTlsServer(certificate);
    const unknown = await tlsControlClient(port);
    expect((await unknown.command('AUTH KERBEROS_V4')).code).toBe(504);
    expect((await unknown.command('NOOP')).code).toBe(200);
    const ssl = await tlsControlClient(port);
    expect((await ssl.upgrade('SSL')).encrypted).toBe(true);
    await ssl.login(user, password);
  });
});
