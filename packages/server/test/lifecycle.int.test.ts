import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createFsStorage } from '@ftp/storage-fs';
import {
  eventually,
  tempDirectory,
  loggedInRawSession,
  openDataConnection,
  pasvPort,
  rawSession,
  readToEnd,
  type RawSession,
} from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { connectClient, downloadBuffer, nextEvent, sha256, startServer, uploadBuffer } from './support/index.ts';

async function listenOn(port: number): Promise<Server | undefined> {
  const server = createServer();
  server.on('error', () => undefined);
  server.listen({ host: '127.0.0.1', port, exclusive: true });
  const outcome = await Promise.race([once(server, 'listening').then(() => true), once(server, 'error').then(() => false)]);
  return outcome ? server : undefined;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise((resolve) => server.close(resolve));
}

/**
 * Two consecutive ports free right now, found at run time (fixed ports may be taken on this machine). They are drawn
 * below Linux's ephemeral range (32768-60999), so no concurrent test binding port 0 can take them in between.
 */
async function twoFreePorts(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const first = await listenOn(port);
    const second = first === undefined ? undefined : await listenOn(port + 1);
    if (first !== undefined) await closeServer(first);
    if (second !== undefined) {
      await closeServer(second);
      return port;
    }
  }
  throw new Error('no two consecutive free ports found');
}

async function greeted(port: number, localAddress?: string): Promise<RawSession> {
  const session = await rawSession(port, localAddress);
  expect((await session.read()).code).toBe(220);
  return session;
}

describe('a client that disappears', () => {
  it('leaves no partial or temporary file when it drops the control connection mid-STOR', async () => {
    const root = await tempDirectory();
    const { server, port } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(pasvPort(await session.command('PASV')));
    expect((await session.command('STOR partial.bin')).code).toBe(150);
    data.write(randomBytes(512 * 1024));
    // The temporary upload file exists while the transfer runs; wait for it so the abort really interrupts a write.
    await eventually(async () => (await readdir(root)).length > 0, 'the upload to start on disk');
    const disconnected = nextEvent(server, 'disconnect');
    // The data connection stays open: its end would end the file (RFC 959 §3.4), which the client never did.
    session.close();
    await disconnected;
    expect(await readdir(root)).toEqual([]);

    // The server goes on serving.
    const client = await connectClient(port);
    const content = randomBytes(10_000);
    await uploadBuffer(client, 'after.bin', content);
    expect(sha256(await downloadBuffer(client, 'after.bin'))).toBe(sha256(content));
    expect(await readdir(root)).toEqual(['after.bin']);
  });

  it('keeps the previous file intact when an overwrite is dropped', async () => {
    const root = await tempDirectory();
    const { server, port } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
    const client = await connectClient(port);
    const original = randomBytes(100_000);
    await uploadBuffer(client, 'keep.bin', original);
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(pasvPort(await session.command('PASV')));
    expect((await session.command('STOR keep.bin')).code).toBe(150);
    data.write(randomBytes(300_000));
    await eventually(async () => (await readdir(root)).length > 1, 'the upload to start on disk');
    const disconnected = nextEvent(server, 'disconnect');
    session.close();
    await disconnected;
    expect(await readdir(root)).toEqual(['keep.bin']);
    expect(sha256(await downloadBuffer(client, 'keep.bin'))).toBe(sha256(original));
  });
});

describe('passive ports', () => {
  it('releases a PASV port nobody connects to after dataTimeoutMs, then answers 425', async () => {
    const { server, port } = await startServer({ dataTimeoutMs: 200, storage: createMemoryStorage({ files: { '/f.txt': 'x' } }) });
    const session = await loggedInRawSession(port);
    expect((await session.command('PASV')).code).toBe(227);
    expect(server.passivePortsInUse).toBe(1);
    await eventually(() => server.passivePortsInUse === 0, 'the passive port to be released');
    expect((await session.command('RETR f.txt')).code).toBe(425);
    expect((await session.command('NOOP')).code).toBe(200);
  });

  it('answers a PASV right after a transfer with the same port, released when the session ends', async () => {
    const { server, port } = await startServer({ storage: createMemoryStorage({ files: { '/f.txt': 'payload' } }) });
    const session = await loggedInRawSession(port);
    const ports: number[] = [];
    for (let index = 0; index < 3; index++) {
      const dataPort = pasvPort(await session.command('PASV'));
      ports.push(dataPort);
      const received = readToEnd(await openDataConnection(dataPort));
      expect((await session.command('RETR f.txt')).code).toBe(150);
      expect((await received).toString()).toBe('payload');
      expect((await session.read()).code).toBe(226);
    }
    expect(new Set(ports).size).toBe(1);
    expect(server.passivePortsInUse).toBe(1);
    expect((await session.command('QUIT')).code).toBe(221);
    await eventually(() => server.passivePortsInUse === 0, 'the kept port to be released');
  });

  it('answers 425 when the range is exhausted and reuses ports after transfers', async () => {
    const minPort = await twoFreePorts();
    const { server, port } = await startServer({
      passive: { minPort, maxPort: minPort + 1 },
      storage: createMemoryStorage({ files: { '/f.txt': 'payload' } }),
    });
    const sessions = [await loggedInRawSession(port), await loggedInRawSession(port), await loggedInRawSession(port)];
    const ports = [pasvPort(await sessions[0]!.command('PASV')), pasvPort(await sessions[1]!.command('PASV'))];
    expect([...ports].sort((left, right) => left - right)).toEqual([minPort, minPort + 1]);
    expect(server.passivePortsInUse).toBe(2);
    const refused = await sessions[2]!.command('PASV');
    expect(refused.code).toBe(425);
    expect(refused.text).toMatch(/passive port/i);
    expect((await sessions[2]!.command('EPSV')).code).toBe(425);

    // Session 0 transfers; its port comes back and session 2 gets it.
    const data = await openDataConnection(ports[0]!);
    const received = readToEnd(data);
    const owner = sessions[0]!;
    expect((await owner.command('RETR f.txt')).code).toBe(150);
    expect((await received).toString()).toBe('payload');
    expect((await owner.read()).code).toBe(226);
    await eventually(() => server.passivePortsInUse === 1, 'the used port to be released');
    const again = pasvPort(await sessions[2]!.command('PASV'));
    expect([minPort, minPort + 1]).toContain(again);
    expect(server.passivePortsInUse).toBe(2);
    const listing = readToEnd(await openDataConnection(again));
    expect((await sessions[2]!.command('NLST')).code).toBe(150);
    expect((await listing).toString()).toBe('f.txt\r\n');
    expect((await sessions[2]!.read()).code).toBe(226);
    await eventually(() => server.passivePortsInUse === 1, 'the listed port to be released');
    // Session 1 never used its PASV port; ending the session releases it.
    expect((await sessions[1]!.command('QUIT')).code).toBe(221);
    await eventually(() => server.passivePortsInUse === 0, 'every port to be released');
  });
});

describe('timeouts', () => {
  it('closes a session that does not log in with 421', async () => {
    const { port, server } = await startServer({ loginTimeoutMs: 150 });
    const session = await greeted(port);
    const reply = await session.read();
    expect(reply.code).toBe(421);
    expect(reply.text).toMatch(/login/i);
    await session.closed;
    await eventually(() => server.sessionCount === 0, 'the session to end');
  });

  it('closes an idle logged-in session with 421', async () => {
    const { port } = await startServer({ idleTimeoutMs: 150 });
    const session = await loggedInRawSession(port);
    const reply = await session.read();
    expect(reply.code).toBe(421);
    expect(reply.text).toMatch(/idle/i);
    await session.closed;
  });

  it('restarts the idle timeout with every command after login', async () => {
    const { port } = await startServer({ idleTimeoutMs: 400 });
    const session = await loggedInRawSession(port);
    // Twelve commands 50 ms apart span 600 ms, longer than the idle timeout: each one restarts it.
    for (let index = 0; index < 12; index++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await session.command('NOOP')).code).toBe(200);
    }
    const reply = await session.read();
    expect(reply.code).toBe(421);
    expect(reply.text).toMatch(/idle/i);
  });

  it('keeps the login deadline however many commands come before login', async () => {
    const { port } = await startServer({ loginTimeoutMs: 300 });
    const session = await greeted(port);
    // NOOPs every 50 ms for up to 3 s: the 421 must arrive after about 300 ms, not be pushed back by them.
    let reply = await session.command('NOOP');
    for (let index = 0; index < 60 && reply.code === 200; index++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      reply = await session.command('NOOP');
    }
    expect(reply.code).toBe(421);
    expect(reply.text).toMatch(/login/i);
  });

  it('does not time out a session during a transfer that moves data', async () => {
    const content = Buffer.alloc(4 * 1024 * 1024, 7);
    const { port } = await startServer({
      idleTimeoutMs: 150,
      storage: createMemoryStorage({ files: { '/big.bin': content }, chunkBytes: 16 * 1024 }),
    });
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(pasvPort(await session.command('PASV')));
    expect((await session.command('RETR big.bin')).code).toBe(150);
    // Read slowly, a chunk per timer tick, for longer than the idle timeout.
    const chunks: Buffer[] = [];
    data.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      data.pause();
      setTimeout(() => data.resume(), 5);
    });
    await once(data, 'close');
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect((await session.read()).code).toBe(226);
  });
});

describe('session limits', () => {
  it('refuses connections beyond maxSessions with 421', async () => {
    const { port, server } = await startServer({ maxSessions: 2 });
    await greeted(port);
    await greeted(port);
    const extra = await rawSession(port);
    expect((await extra.read()).code).toBe(421);
    await extra.closed;
    expect(server.sessionCount).toBe(2);
  });

  it('refuses connections beyond maxSessionsPerIp with 421, other addresses still get in', async () => {
    const { port } = await startServer({ maxSessionsPerIp: 1 });
    const first = await greeted(port);
    const extra = await rawSession(port);
    expect((await extra.read()).code).toBe(421);
    await extra.closed;
    await greeted(port, '127.0.0.2');
    first.close();
    await first.closed;
    await eventually(async () => {
      const next = await rawSession(port);
      const reply = await next.read().catch(() => undefined);
      next.close();
      return reply?.code === 220;
    }, 'a slot for 127.0.0.1 to free up');
  });
});

describe('graceful shutdown', () => {
  const bigFile = randomBytes(24 * 1024 * 1024);

  async function busyAndIdleSessions(options: { timeoutMs: number }) {
    const started = await startServer({ storage: createMemoryStorage({ files: { '/big.bin': bigFile } }) });
    const idle = await loggedInRawSession(started.port);
    const busy = await loggedInRawSession(started.port);
    expect((await busy.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(pasvPort(await busy.command('PASV')));
    data.pause(); // a slow reader: nothing is read until the test says so
    expect((await busy.command('RETR big.bin')).code).toBe(150);
    const closed = started.server.close(options);
    const idleReply = await idle.read();
    return { ...started, idle, idleReply, busy, data, closed };
  }

  it('answers 421 to idle sessions and lets a running download finish', async () => {
    const { server, port, idle, idleReply, busy, data, closed } = await busyAndIdleSessions({ timeoutMs: 20_000 });
    expect(idleReply.code).toBe(421);
    await idle.closed;
    await eventually(() => server.sessionCount === 1, 'the idle session to end');
    // The download is still running: the reader has not read, and 24 MiB do not fit in socket buffers.
    expect(busy.isClosed).toBe(false);
    const received = readToEnd(data);
    data.resume();
    expect(sha256(await received)).toBe(sha256(bigFile));
    expect((await busy.read()).code).toBe(226);
    expect((await busy.read()).code).toBe(421);
    await busy.closed;
    await closed;
    expect(server.sessionCount).toBe(0);
    // No new connection is accepted.
    await expect(rawSession(port)).rejects.toThrow();
  });

  it('aborts a download with 426 once the deadline passes', async () => {
    const { server, idleReply, busy, data, closed } = await busyAndIdleSessions({ timeoutMs: 300 });
    expect(idleReply.code).toBe(421);
    // The reader never reads, so only the deadline can end the download.
    expect((await busy.read()).code).toBe(426);
    const received = readToEnd(data);
    data.resume();
    await busy.closed;
    await closed;
    expect((await received).length).toBeLessThan(bigFile.length);
    expect(server.sessionCount).toBe(0);
  });
});
