import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import type { SplitterItem } from '@ftp/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlConnection } from './connection.ts';
import type { Session } from './session/session.ts';

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

/** A connected pair of real loopback sockets: [server side, client side]. */
async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [serverSide] = (await once(server, 'connection')) as [Socket];
  server.close();
  sockets.push(serverSide, client);
  return [serverSide, client];
}

/** Records what the connection hands to the session. */
function recordingSession(received: SplitterItem[]): Session {
  return { start() {}, receive: (item: SplitterItem) => received.push(item), handleClose: async () => {} } as unknown as Session;
}

describe('ControlConnection', () => {
  it('stops reading commands while the client does not read its replies, and resumes once it does', async () => {
    const [serverSide, client] = await socketPair();
    const connection = new ControlConnection(serverSide, 4096);
    connection.attach(recordingSession([]));
    client.pause();
    const reply = `214-${'x'.repeat(1000)}\r\n`;
    // Loopback kernel buffers absorb some megabytes first; keep writing until our own buffer passes the limit.
    for (let written = 0; written < 64 * 1024 * 1024 && !serverSide.isPaused(); written += reply.length) connection.send(reply, false);
    expect(serverSide.isPaused()).toBe(true);
    expect(serverSide.writableLength).toBeLessThan(64 * 1024 + 2 * reply.length);
    client.resume();
    await once(serverSide, 'drain');
    await new Promise((resolve) => setImmediate(resolve));
    expect(serverSide.isPaused()).toBe(false);
  });

  it('hands complete lines to the session whatever the packet boundaries', async () => {
    const [serverSide, client] = await socketPair();
    const received: SplitterItem[] = [];
    new ControlConnection(serverSide, 4096).attach(recordingSession(received));
    client.write('NO');
    client.write('OP\r\nPWD\r');
    client.write('\n');
    while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received.map((item) => (item.kind === 'line' ? item.bytes.toString() : item.kind))).toEqual(['NOOP', 'PWD']);
  });

  it('holds the replies of one turn for one write, and lets them go at once on flush()', async () => {
    const [serverSide] = await socketPair();
    const connection = new ControlConnection(serverSide, 4096);
    connection.send('150 Ok to send data.\r\n', false);
    connection.send('200 Another reply.\r\n', false);
    // Corked until the turn ends: both replies wait in the socket for one write.
    expect(serverSide.writableCorked).toBe(1);
    expect(serverSide.writableLength).toBeGreaterThan(0);
    connection.flush();
    expect(serverSide.writableCorked).toBe(0);
    expect(serverSide.writableLength).toBe(0);
    // The turn's own flush finds nothing left to do, and a later reply corks afresh.
    await new Promise((resolve) => process.nextTick(resolve));
    connection.send('226 Done.\r\n', false);
    expect(serverSide.writableCorked).toBe(1);
  });

  it('writes a reply sent to leave now at once, taking the held replies of the turn with it', async () => {
    const [serverSide, client] = await socketPair();
    const connection = new ControlConnection(serverSide, 4096);
    connection.send('230 Login successful.\r\n', true);
    // A lone reply is a plain write: nothing corked, nothing left in the socket.
    expect([serverSide.writableCorked, serverSide.writableLength]).toEqual([0, 0]);
    connection.send('150 Ok to send data.\r\n', false);
    expect(serverSide.writableCorked).toBe(1);
    connection.send('226 Transfer complete.\r\n', true);
    expect([serverSide.writableCorked, serverSide.writableLength]).toEqual([0, 0]);
    let received = '';
    client.setEncoding('latin1').on('data', (text: string) => (received += text));
    for (let wait = 0; wait < 200 && !received.endsWith('226 Transfer complete.\r\n'); wait++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received).toBe('230 Login successful.\r\n150 Ok to send data.\r\n226 Transfer complete.\r\n');
  });
});
