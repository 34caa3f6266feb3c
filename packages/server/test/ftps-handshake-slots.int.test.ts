import { Client } from 'basic-ftp';
import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCertificate, eventually } from '@ftp/test-utils';
import { startTlsServer, testUser, type StartedTlsServer } from './support-tls.ts';

// Connections that never complete a TLS handshake (a load balancer's TCP health check on the implicit port, a client
// that gives up after AUTH TLS) hold a session slot only while they live, and a refusal on the implicit port never
// goes out in clear.

const certificate = await generateCertificate();

/** A bare TCP connection (no TLS, no FTP) to 127.0.0.1:port, destroyed when the test finishes. */
async function bareConnection(port: number): Promise<Socket> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  onTestFinished(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  return socket;
}

/** What the server sent on `socket` so far (`text()`, as latin1), and all of it once the connection closed. */
function recordReceived(socket: Socket): { text(): string; untilClose: Promise<string> } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const text = (): string => Buffer.concat(chunks).toString('latin1');
  return { text, untilClose: new Promise((resolve) => socket.once('close', () => resolve(text()))) };
}

/** basic-ftp logged in over explicit TLS on the control port, or implicit TLS on the implicit port. */
async function secureLogin(server: StartedTlsServer, mode: 'explicit' | 'implicit'): Promise<Client> {
  const client = new Client(15_000);
  onTestFinished(() => client.close());
  await client.access({
    host: '127.0.0.1',
    port: mode === 'implicit' ? server.implicitPort! : server.port,
    user: testUser.user,
    password: testUser.password,
    secure: mode === 'implicit' ? 'implicit' : true,
    secureOptions: { rejectUnauthorized: false },
  });
  return client;
}

describe('TLS handshakes and session slots', () => {
  it('frees the slots of connections closed before the handshake: FTPS clients still log in on both ports', async () => {
    // The defaults that matter: 50 sessions per address and a 60 s login timeout.
    const server = await startTlsServer(certificate, { implicit: true });
    const probes = await Promise.all(Array.from({ length: 60 }, () => bareConnection(server.implicitPort!)));
    // A FIN each, as a health check closes; what the server does then is what this test is about.
    for (const socket of probes) socket.end();
    await eventually(() => server.server.sessionCount === 0, 'the closed connections to give their session slots back');
    const [implicit, explicit] = await Promise.all([secureLogin(server, 'implicit'), secureLogin(server, 'explicit')]);
    expect(await implicit.pwd()).toBe('/');
    expect(await explicit.pwd()).toBe('/');
  });

  it('closes a connection that does not finish its handshake within tlsHandshakeTimeoutMs, long before the login timeout', async () => {
    const server = await startTlsServer(certificate, { implicit: true, options: { tlsHandshakeTimeoutMs: 300, loginTimeoutMs: 600_000 } });
    const silent = await bareConnection(server.implicitPort!);
    const received = recordReceived(silent);
    await eventually(() => server.server.sessionCount === 0, 'the stalled connection to give its slot back');
    // Nothing in clear: the greeting waited in TLS for a handshake that never came.
    expect(await received.untilClose).not.toMatch(/\d{3} /);
  });

  it('ends an explicit session whose client closes after AUTH TLS without a handshake', async () => {
    const server = await startTlsServer(certificate, { options: { loginTimeoutMs: 600_000 } });
    const socket = await bareConnection(server.port);
    const received = recordReceived(socket);
    socket.write('AUTH TLS\r\n');
    await eventually(() => received.text().includes('234 '), 'the 234 reply to AUTH TLS');
    expect(server.server.sessionCount).toBe(1);
    socket.end();
    await eventually(() => server.server.sessionCount === 0, 'the abandoned session to end');
    expect(await received.untilClose).toMatch(/^220 .*\r\n234 /s);
  });

  it('ends an explicit session whose handshake after AUTH TLS stalls, at tlsHandshakeTimeoutMs', async () => {
    const server = await startTlsServer(certificate, { options: { tlsHandshakeTimeoutMs: 300, loginTimeoutMs: 600_000 } });
    const socket = await bareConnection(server.port);
    const received = recordReceived(socket);
    // A record header announcing 512 bytes that never come: the server's TLS side waits for them.
    socket.write(Buffer.concat([Buffer.from('AUTH TLS\r\n'), Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])]));
    await eventually(() => server.server.sessionCount === 0, 'the stalled session to end');
    expect(await received.untilClose).toMatch(/^220 .*\r\n234 /s);
  });

  it('refuses a connection over its address limit on the implicit port with 421 over TLS, never in clear', async () => {
    const server = await startTlsServer(certificate, { implicit: true, options: { maxSessionsPerIp: 1, tlsHandshakeTimeoutMs: 300 } });
    const holder = await secureLogin(server, 'implicit');
    expect(await holder.pwd()).toBe('/');

    const secure = connectTls({ host: '127.0.0.1', port: server.implicitPort!, rejectUnauthorized: false });
    secure.on('error', () => undefined);
    onTestFinished(() => {
      secure.destroy();
    });
    const refusal = recordReceived(secure);
    await once(secure, 'secureConnect');
    expect(await refusal.untilClose).toMatch(/^421 Too many connections/);

    // A client that never starts TLS hears nothing in clear before the handshake timeout closes it.
    const bare = await bareConnection(server.implicitPort!);
    expect(await recordReceived(bare).untilClose).not.toMatch(/421/);
  });

  it('refuses a direct client on an implicit port behind PROXY protocol with 421 over TLS', async () => {
    const server = await startTlsServer(certificate, { implicit: true, options: { proxyProtocol: { trustedSources: ['192.0.2.1'] } } });
    const secure = connectTls({ host: '127.0.0.1', port: server.implicitPort!, rejectUnauthorized: false });
    secure.on('error', () => undefined);
    onTestFinished(() => {
      secure.destroy();
    });
    const refusal = recordReceived(secure);
    await once(secure, 'secureConnect');
    expect(await refusal.untilClose).toMatch(/^421 Connect through the load balancer/);
  });
});
