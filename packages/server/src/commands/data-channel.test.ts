import { once } from 'node:events';
import { createConnection, createServer, Socket, type AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness, type SessionHarnessOptions } from '../testing/session-harness.ts';

const bigFile = Buffer.alloc(32 * 1024 * 1024, 0x61);

async function loggedIn(options: SessionHarnessOptions = {}) {
  const created = createSessionHarness({
    storage: createMemoryStorage({ files: { '/hello.txt': 'hello', '/big.bin': bigFile } }),
    ...options,
  });
  onTestFinished(() => created.close());
  await created.login();
  return created;
}

/** A loopback listener standing in for the client's side of an active-mode data connection. */
async function activeListener(): Promise<{ port: number; received: Promise<Buffer> }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(() => void server.close());
  const received = once(server, 'connection').then(([socket]) => {
    if (!(socket instanceof Socket)) throw new Error('expected a socket');
    server.close();
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    return new Promise<Buffer>((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
  });
  return { port: (server.address() as AddressInfo).port, received };
}

const codes = (replies: readonly string[]) => replies.map((reply) => reply.slice(0, 3));

describe('data channel commands', () => {
  it('accepts TYPE A, I, and L 8, and refuses E (504) and nonsense (501)', async () => {
    const session = await loggedIn();
    expect(await session.send('TYPE I')).toEqual(['200 Switching to Binary mode.']);
    expect(await session.send('TYPE A')).toEqual(['200 Switching to ASCII mode.']);
    expect(await session.send('TYPE L 8')).toEqual(['200 Switching to Binary mode.']);
    expect(await session.send('TYPE A N')).toEqual(['200 Switching to ASCII mode.']);
    expect((await session.send('TYPE E'))[0]).toMatch(/^504 /);
    expect((await session.send('TYPE Q'))[0]).toMatch(/^501 /);
    expect((await session.send('STAT'))[0]).toContain('TYPE: ASCII');
  });

  it('accepts MODE S and STRU F only (504 for the other RFC 959 values, 501 for unknown ones)', async () => {
    const session = await loggedIn();
    expect(await session.send('MODE S')).toEqual(['200 Mode set to S.']);
    expect((await session.send('MODE B'))[0]).toMatch(/^504 /);
    expect((await session.send('MODE C'))[0]).toMatch(/^504 /);
    expect((await session.send('MODE X'))[0]).toMatch(/^501 /);
    expect(await session.send('STRU F')).toEqual(['200 Structure set to F.']);
    expect((await session.send('STRU R'))[0]).toMatch(/^504 /);
    expect((await session.send('STRU P'))[0]).toMatch(/^504 /);
  });

  it('announces a passive port with PASV (227, h1..h4 from the control address) that accepts the data connection', async () => {
    const session = await loggedIn();
    const [reply = ''] = await session.send('PASV');
    const match = /^227 Entering Passive Mode \(127,0,0,1,(\d+),(\d+)\)\.$/.exec(reply);
    expect(match).not.toBeNull();
    const port = Number(match![1]) * 256 + Number(match![2]);
    const socket = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = once(socket, 'close');
    await session.send('TYPE I');
    expect(codes(await session.send('RETR hello.txt'))).toEqual(['150', '226']);
    await closed;
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('answers EPSV and EPSV 1 with 229 (|||port|), and the other family with 522', async () => {
    const session = await loggedIn();
    expect((await session.send('EPSV'))[0]).toMatch(/^229 .*\(\|\|\|\d+\|\)/);
    expect((await session.send('EPSV 1'))[0]).toMatch(/^229 .*\(\|\|\|\d+\|\)/);
    expect(await session.send('EPSV 2')).toEqual(['522 Network protocol not supported, use (1).']);
    expect((await session.send('EPSV 3'))[0]).toMatch(/^501 /);
  });

  it('refuses PASV, PORT and EPRT with 503 after EPSV ALL, and still allows EPSV', async () => {
    const session = await loggedIn();
    expect(await session.send('EPSV ALL')).toEqual(['200 EPSV ALL accepted.']);
    expect((await session.send('PASV'))[0]).toMatch(/^503 /);
    expect((await session.send('PORT 127,0,0,1,200,10'))[0]).toMatch(/^503 /);
    expect((await session.send('EPRT |1|127.0.0.1|51210|'))[0]).toMatch(/^503 /);
    expect((await session.send('EPSV'))[0]).toMatch(/^229 /);
  });

  it('forgets EPSV ALL on REIN', async () => {
    const session = await loggedIn();
    await session.send('EPSV ALL');
    await session.send('REIN');
    await session.login();
    expect((await session.send('PASV'))[0]).toMatch(/^227 /);
  });

  it('connects out to the PORT address for a transfer (active mode)', async () => {
    const session = await loggedIn();
    const { port, received } = await activeListener();
    expect(await session.send(`PORT 127,0,0,1,${port >> 8},${port & 255}`)).toEqual(['200 PORT command successful. Consider using EPSV.']);
    await session.send('TYPE I');
    expect(codes(await session.send('RETR hello.txt'))).toEqual(['150', '226']);
    expect((await received).toString()).toBe('hello');
  });

  it('connects out to the EPRT address for a transfer (active mode, RFC 2428)', async () => {
    const session = await loggedIn();
    const { port, received } = await activeListener();
    expect(await session.send(`EPRT |1|127.0.0.1|${port}|`)).toEqual(['200 EPRT command successful. Consider using EPSV.']);
    expect(codes(await session.send('LIST'))).toEqual(['150', '226']);
    expect((await received).toString()).toMatch(/ hello\.txt\r\n/);
  });

  it('replies 425 when the PORT address refuses the connection', async () => {
    const session = await loggedIn();
    const { port } = await activeListener();
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closedPort = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    expect(port).not.toBe(closedPort);
    await session.send(`PORT 127,0,0,1,${closedPort >> 8},${closedPort & 255}`);
    expect((await session.send('RETR hello.txt'))[0]).toMatch(/^425 /);
  });

  it('refuses PORT and EPRT to another host, to a privileged port, or malformed (501)', async () => {
    const session = await loggedIn();
    expect(await session.send('PORT 10,0,0,1,200,10')).toEqual(['501 Data connections only to the control connection address.']);
    expect(await session.send('PORT 127,0,0,1,0,21')).toEqual(['501 Ports below 1024 are not allowed.']);
    expect(await session.send('PORT 127,0,0,1')).toEqual(['501 Bad PORT argument.']);
    expect(await session.send('EPRT |2|::2|50000|')).toEqual(['501 Data connections only to the control connection address.']);
    expect(await session.send('EPRT |9|x|1|')).toEqual(['501 Bad EPRT argument.']);
  });

  it('replies 502 to PORT and EPRT when active mode is disabled', async () => {
    const session = await loggedIn({ options: { allowActiveMode: false } });
    expect((await session.send('PORT 127,0,0,1,200,10'))[0]).toMatch(/^502 /);
    expect((await session.send('EPRT |1|127.0.0.1|51210|'))[0]).toMatch(/^502 /);
  });

  it('replies 225 to ABOR when no transfer runs', async () => {
    const session = await loggedIn();
    expect(await session.send('ABOR')).toEqual(['225 No transfer to abort.']);
  });

  it('aborts a running RETR with ABOR: 426 for the transfer, then 226 for ABOR', async () => {
    const session = await loggedIn();
    await session.send('TYPE I');
    const port = await session.passive();
    const socket = createConnection({ host: '127.0.0.1', port });
    onTestFinished(() => void socket.destroy());
    socket.on('error', () => {});
    const retr = session.send('RETR big.bin');
    // The first byte arrives after 150; then stop reading so the transfer is certainly still running.
    await once(socket, 'data');
    socket.pause();
    expect(session.transcript.at(-1)).toMatch(/^150 /);
    const abor = await session.send('ABOR');
    expect(codes(abor)).toEqual(['426', '226']);
    expect(codes(await retr)).toEqual(['150', '426', '226']);
    expect(await session.send('NOOP')).toEqual(['200 NOOP ok.']);
    expect(session.events.some((event) => event.name === 'download')).toBe(false);
  });

  it('runs a command sent during a transfer after it, in order', async () => {
    const session = await loggedIn();
    await session.send('TYPE I');
    const port = await session.passive();
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.pause();
    const retr = session.send('RETR big.bin');
    await once(socket, 'readable');
    const queued = session.send('SIZE hello.txt');
    expect(session.transcript.at(-1)).toMatch(/^150 /);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.resume();
    expect(codes(await retr)).toEqual(['150', '226', '213']);
    expect((await queued).slice(-1)).toEqual(['213 5']);
    await once(socket, 'close');
    expect(Buffer.concat(chunks).byteLength).toBe(bigFile.byteLength);
  });
});
