import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ConnectEvent } from '@ftp/server';
import { generateCertificate, type TestCertificate } from '@ftp/test-utils';
import { startTlsServer, testUser } from './support-tls.ts';

// Implicit FTPS behind a load balancer: the PROXY header comes in clear before the TLS handshake (HAProxy's
// send-proxy-v2 with an implicit-TLS backend), and the session must see the real client address.
let certificate: TestCertificate;
beforeAll(async () => {
  certificate = await generateCertificate();
});

describe('implicit TLS behind PROXY protocol', () => {
  it('reads the PROXY header in clear, then serves TLS to the real client address', async () => {
    const { server, implicitPort } = await startTlsServer(certificate, {
      implicit: true,
      options: { proxyProtocol: { trustedSources: ['127.0.0.1'] } },
    });
    const connected = new Promise<ConnectEvent>((resolve) => server.once('connect', resolve));
    const tcp = connectTcp({ host: '127.0.0.1', port: implicitPort! });
    onTestFinished(() => void tcp.destroy());
    await once(tcp, 'connect');
    tcp.write('PROXY TCP4 198.51.100.7 127.0.0.1 40000 990\r\n');
    const secure = connectTls({ socket: tcp, rejectUnauthorized: false });
    secure.on('error', () => undefined);
    await once(secure, 'secureConnect');
    const greeting = await new Promise<string>((resolve) => secure.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(greeting).toMatch(/^220 /);
    expect((await connected).remoteAddress).toBe('198.51.100.7');
    secure.write(`USER ${testUser.user}\r\n`);
    const userReply = await new Promise<string>((resolve) => secure.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(userReply).toMatch(/^331 /);
  });
});
