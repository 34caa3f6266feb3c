import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { formatProxyV2Header } from '@ftp/protocol';
import { createFtpServer, createNoAuthAuthenticator, InvalidOptionError, type BeforeUploadRequest, type ConnectEvent } from '@ftp/server';
import { eventually, openDataConnection, pasvPort, rawSession, readToEnd, type RawSession } from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { nextEvent, startServer } from './support/index.ts';

// PROXY protocol on the control listener, the passive address chosen per session, the passive port pool under
// churn, and the beforeUpload hook: all over real sockets on loopback (127.0.0.0/8 gives us several client addresses).

async function greeted(port: number, localAddress?: string, host?: string): Promise<RawSession> {
  const session = await rawSession(port, localAddress, host);
  expect((await session.read()).code).toBe(220);
  return session;
}

/** Sends the raw header bytes and then the commands in the same write, so the header and commands share a segment. */
async function proxied(port: number, header: Uint8Array | string, localAddress?: string): Promise<RawSession> {
  const session = await rawSession(port, localAddress);
  session.sendBytes(
    Buffer.concat([typeof header === 'string' ? Buffer.from(header, 'latin1') : Buffer.from(header), Buffer.from('USER anyone\r\n')]),
  );
  expect((await session.read()).code).toBe(220);
  expect((await session.read()).code).toBe(331);
  expect((await session.command('PASS secret')).code).toBe(230);
  return session;
}

describe('PROXY protocol', () => {
  it('takes the client address from a v1 header and checks the data peer against it', async () => {
    const { server, port } = await startServer({ proxyProtocol: { trustedSources: ['127.0.0.1'] } });
    const connected = nextEvent(server, 'connect');
    const session = await proxied(port, 'PROXY TCP4 127.0.0.7 127.0.0.1 40000 21\r\n');
    expect((await connected).remoteAddress).toBe('127.0.0.7');
    // The data connection must come from the real client, 127.0.0.7; one from 127.0.0.1 is refused.
    const stranger = await openDataConnection(pasvPort(await session.command('PASV')), '127.0.0.1');
    await once(stranger, 'close');
    const data = await openDataConnection(pasvPort(await session.command('PASV')), '127.0.0.7');
    const listing = readToEnd(data);
    expect((await session.command('LIST')).code).toBe(150);
    expect((await session.read()).code).toBe(226);
    await listing;
  });

  it('takes the client from a v2 header and can announce the dialled address in PASV', async () => {
    const { server, port } = await startServer({
      proxyProtocol: { trustedSources: ['127.0.0.0/8'], versions: [2], passiveFromDestination: true },
    });
    const connected = nextEvent(server, 'connect');
    const header = formatProxyV2Header({
      source: { address: '192.0.2.44', port: 6000 },
      destination: { address: '198.51.100.9', port: 21 },
    });
    const session = await proxied(port, header);
    expect((await connected).remoteAddress).toBe('192.0.2.44');
    expect((await session.command('PASV')).text).toMatch(/\(198,51,100,9,\d+,\d+\)/);
  });

  it('keeps the socket addresses for a v2 LOCAL header (the balancer health check)', async () => {
    const { server, port } = await startServer({ proxyProtocol: { trustedSources: ['127.0.0.1'] } });
    const connected = nextEvent(server, 'connect');
    await proxied(port, formatProxyV2Header('local'));
    expect((await connected).remoteAddress).toBe('127.0.0.1');
  });

  it('refuses an untrusted source with 421, or serves it directly with untrustedSources "ignore"', async () => {
    const refusing = await startServer({ proxyProtocol: { trustedSources: ['127.0.0.2'] } });
    const refused = await rawSession(refusing.port, '127.0.0.1');
    refused.sendBytes(Buffer.from('PROXY TCP4 203.0.113.1 127.0.0.1 1 21\r\n'));
    expect((await refused.read()).code).toBe(421);
    expect(refusing.server.sessionCount).toBe(0);
    refused.close();

    const ignoring = await startServer({ proxyProtocol: { trustedSources: ['127.0.0.2'], untrustedSources: 'ignore' } });
    const connected = nextEvent(ignoring.server, 'connect');
    const direct = await greeted(ignoring.port, '127.0.0.3');
    expect((await connected).remoteAddress).toBe('127.0.0.3');
    // Its PROXY line is an ordinary (unknown) command, never believed.
    expect((await direct.command('PROXY TCP4 203.0.113.1 127.0.0.1 1 21')).code).toBe(500);
    direct.close();
  });

  it('closes a trusted connection without a valid header, or with a version not accepted', async () => {
    const { server, port } = await startServer({ proxyProtocol: { trustedSources: ['127.0.0.1'], versions: [1] } });
    const events: ConnectEvent[] = [];
    server.on('connect', (event) => events.push(event));
    for (const bytes of [Buffer.from('USER anonymous\r\n'), Buffer.from(formatProxyV2Header('local'))]) {
      const session = await rawSession(port);
      session.sendBytes(bytes);
      await session.closed;
      await expect(session.read()).rejects.toThrow(/closed/);
    }
    expect(events).toEqual([]);
  });

  it('validates its options at creation', () => {
    const base = { authenticator: createNoAuthAuthenticator(), storage: createMemoryStorage() };
    expect(() => createFtpServer({ ...base, proxyProtocol: { trustedSources: [] } })).toThrow(InvalidOptionError);
    expect(() => createFtpServer({ ...base, proxyProtocol: { trustedSources: ['10.0.0.0/33'] } })).toThrow(/trustedSources/);
    expect(() => createFtpServer({ ...base, proxyProtocol: { trustedSources: ['10.0.0.1'], versions: [3 as 1] } })).toThrow(/versions/);
  });
});

describe('passive address', () => {
  it('chooses the address per client from a CIDR map, most specific range first', async () => {
    const { port } = await startServer({
      passive: {
        address: [
          { clients: '127.0.0.0/8', address: '10.0.0.1' },
          { clients: '127.0.0.2/32', address: '10.0.0.2' },
          { clients: '127.0.0.4', address: 'localhost' },
        ],
      },
    });
    const expectations = { '127.0.0.2': '10,0,0,2', '127.0.0.3': '10,0,0,1', '127.0.0.4': '127,0,0,1' } as const;
    for (const [client, announced] of Object.entries(expectations)) {
      const session = await greeted(port, client);
      await session.login();
      expect((await session.command('PASV')).text, client).toContain(`(${announced},`);
      session.close();
    }
  });

  it('defaults to the local address of the control connection', async () => {
    // Listening on every address: each client is told the address it reached the server on.
    const { port } = await startServer({ host: '0.0.0.0' });
    for (const target of ['127.0.0.1', '127.0.0.5']) {
      const session = await greeted(port, undefined, target);
      await session.login();
      expect((await session.command('PASV')).text).toContain(`(${target.replaceAll('.', ',')},`);
      session.close();
    }
  });

  it('refuses invalid forms at creation with InvalidOptionError', () => {
    const base = { authenticator: createNoAuthAuthenticator(), storage: createMemoryStorage() };
    for (const address of [
      '2001:db8::1',
      '300.1.1.1',
      'bad_host!',
      [],
      [{ clients: 'nonsense', address: '10.0.0.1' }],
      [{ clients: '10.0.0.0/8', address: '::1' }],
    ]) {
      expect(() => createFtpServer({ ...base, passive: { address: address as string } }), JSON.stringify(address)).toThrow(
        InvalidOptionError,
      );
    }
  });

  it('never leaks ports when thousands of PASVs are abandoned by clients on several addresses', async () => {
    // A small range shared by four client addresses: every PASV replaces (and frees) the session's previous one. It is
    // picked at run time below Linux's ephemeral range (32768+), so it never collides with other tests' port-0 sockets;
    // a port some other program holds is skipped by the pool.
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const ranged = await startServer({ passive: { minPort: base, maxPort: base + 15 } });
    const clients = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const sessions = await Promise.all(clients.map((client) => greeted(ranged.port, client)));
    await Promise.all(sessions.map((session) => session.login()));
    const iterations = 500; // per client: 2,000 in all
    await Promise.all(
      sessions.map(async (session, index) => {
        for (let round = 0; round < iterations; round++) {
          const reply = await session.command(round % 2 === 0 ? 'PASV' : 'EPSV');
          expect([227, 229]).toContain(reply.code);
          if (round % 50 === 0) {
            // Sometimes connect the data socket too, then abandon it with a new PASV.
            const data = await openDataConnection(
              reply.code === 227 ? pasvPort(reply) : Number(/\|(\d+)\|/.exec(reply.text)![1]),
              clients[index],
            );
            data.destroy();
          }
        }
      }),
    );
    expect(ranged.server.passivePortsInUse).toBeLessThanOrEqual(clients.length);
    for (const session of sessions) session.close();
    await eventually(() => ranged.server.passivePortsInUse === 0, 'passive ports to be released');
    expect(ranged.server.passivePortsInUse).toBe(0);
  });
});

describe('beforeUpload', () => {
  it('refuses an upload with 550 and the hook reason before any data moves', async () => {
    const requests: BeforeUploadRequest[] = [];
    const storage = createMemoryStorage();
    const { port } = await startServer({
      storage,
      beforeUpload: async (request) => {
        requests.push(request);
        return request.path.endsWith('.exe') ? { allowed: false, reason: 'Executables are not accepted.' } : { allowed: true };
      },
    });
    const session = await greeted(port, '127.0.0.6');
    await session.login('alice', 'pw');
    const data = await openDataConnection(pasvPort(await session.command('PASV')), '127.0.0.6');
    data.write('MZ payload');
    const refused = await session.command('STOR tool.exe');
    expect(refused).toMatchObject({ code: 550, text: '550 Executables are not accepted.' });
    expect(requests[0]).toMatchObject({ username: 'alice', path: '/tool.exe', command: 'STOR', remoteAddress: '127.0.0.6' });
    expect((await session.command('SIZE tool.exe')).code).toBe(550);

    const accepted = await openDataConnection(pasvPort(await session.command('PASV')), '127.0.0.6');
    expect((await session.command('STOR notes.txt')).code).toBe(150);
    accepted.end('hello');
    expect((await session.read()).code).toBe(226);
    expect((await session.command('SIZE notes.txt')).text).toBe('213 5');
  });
});
