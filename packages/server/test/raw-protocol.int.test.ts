import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { epsvPort, loggedInRawSession, openDataConnection, rawSession, type RawSession } from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

// The control connection byte by byte (RFC 959 §4.1, RFC 854), with no client library smoothing anything over.

const bigFile = Buffer.alloc(48 * 1024 * 1024, 0x5a);

async function server() {
  return startServer({ storage: createMemoryStorage({ files: { '/big.bin': bigFile, '/small.txt': 'small' } }) });
}

/** Sends bytes and waits until the socket has handed them to the kernel, so separate calls leave as separate writes. */
async function write(session: RawSession, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => session.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/**
 * Starts `RETR big.bin` over EPSV and stops reading the data socket after the first chunk, so the transfer is
 * certainly still running (the server waits for the socket to drain) when the test sends its next command.
 */
async function stalledDownload(session: RawSession): Promise<{ data: Socket; received: () => number; resume: () => Promise<number> }> {
  expect((await session.command('TYPE I')).code).toBe(200);
  const data = await openDataConnection(epsvPort(await session.command('EPSV')));
  let received = 0;
  data.on('data', (chunk: Buffer) => (received += chunk.byteLength));
  session.send('RETR big.bin');
  expect((await session.read()).code).toBe(150);
  await once(data, 'data');
  data.pause();
  const closed = once(data, 'close');
  return {
    data,
    received: () => received,
    async resume() {
      data.resume();
      await closed;
      return received;
    },
  };
}

describe('raw control connection', () => {
  it('answers commands pipelined in one packet, in order', async () => {
    const { port } = await server();
    const session = await rawSession(port);
    expect((await session.read()).code).toBe(220);
    await write(session, Buffer.from('USER a\r\nPASS b\r\nPWD\r\nTYPE I\r\nSIZE small.txt\r\n'));
    const replies = [await session.read(), await session.read(), await session.read(), await session.read(), await session.read()];
    expect(replies.map((reply) => reply.code)).toEqual([331, 230, 257, 200, 213]);
    expect(replies[2]!.text).toBe('257 "/" is the current directory.');
    expect(replies[4]!.text).toBe('213 5');
  });

  it('assembles a command sent one byte at a time, including a multi-byte UTF-8 name', async () => {
    const { port } = await server();
    const session = await loggedInRawSession(port);
    for (const byte of Buffer.from('MKD gr\u00fc\u00dfe\r\n', 'utf8')) await write(session, Buffer.of(byte));
    expect((await session.read()).text).toBe('257 "/gr\u00fc\u00dfe" directory created.');
    for (const byte of Buffer.from('NOOP\r\n')) await write(session, Buffer.of(byte));
    expect((await session.read()).code).toBe(200);
  });

  it('accepts bare LF line ends', async () => {
    const { port } = await server();
    const session = await rawSession(port);
    expect((await session.read()).code).toBe(220);
    await write(session, Buffer.from('USER a\nPASS b\nCWD /\nPWD\n'));
    const replies = [await session.read(), await session.read(), await session.read(), await session.read()];
    expect(replies.map((reply) => reply.code)).toEqual([331, 230, 250, 257]);
  });

  it('aborts a RETR on Telnet IP + DM + ABOR: 426 for the transfer, then 226, and the session goes on', async () => {
    const { port } = await server();
    const session = await loggedInRawSession(port);
    const transfer = await stalledDownload(session);
    await write(session, Buffer.concat([Buffer.of(0xff, 0xf4, 0xff, 0xf2), Buffer.from('ABOR\r\n')]));
    const aborted = await session.read();
    expect(aborted.code).toBe(426);
    expect((await session.read()).code).toBe(226);
    expect(await transfer.resume()).toBeLessThan(bigFile.byteLength);
    expect((await session.command('NOOP')).code).toBe(200);
    expect((await session.command('SIZE small.txt')).text).toBe('213 5');
  });

  it('completes an ABOR whose LF was lost as TCP urgent data (how ftplib sends it), and ignores a late LF', async () => {
    const { port } = await server();
    const session = await loggedInRawSession(port);
    const transfer = await stalledDownload(session);
    // ftplib sends "ABOR\r\n" with MSG_OOB; the kernel removes the urgent LF, so the server only sees "ABOR\r".
    await write(session, Buffer.from('ABOR\r'));
    expect((await session.read()).code).toBe(426);
    expect((await session.read()).code).toBe(226);
    await transfer.resume();
    await write(session, Buffer.from('\nNOOP\r\n'));
    expect((await session.read()).code).toBe(200);
  });

  it('answers STAT during a transfer with its progress, without disturbing it', async () => {
    const { port } = await server();
    const session = await loggedInRawSession(port);
    const transfer = await stalledDownload(session);
    const status = await session.command('STAT');
    expect([211, 213]).toContain(status.code);
    const progress = /RETR \/big\.bin in progress: (\d+) bytes transferred/.exec(status.text);
    expect(progress).not.toBeNull();
    expect(Number(progress![1])).toBeGreaterThan(0);
    expect(Number(progress![1])).toBeLessThan(bigFile.byteLength);
    expect(await transfer.resume()).toBe(bigFile.byteLength);
    expect((await session.read()).code).toBe(226);
    expect((await session.command('NOOP')).code).toBe(200);
  });

  it('finishes the transfer on QUIT: 226 first, then 221, then the connection closes', async () => {
    const { port } = await server();
    const session = await loggedInRawSession(port);
    const transfer = await stalledDownload(session);
    session.send('QUIT');
    expect(await transfer.resume()).toBe(bigFile.byteLength);
    expect((await session.read()).code).toBe(226);
    expect((await session.read()).code).toBe(221);
    await session.closed;
    expect(session.isClosed).toBe(true);
  });

  it('runs commands queued behind a running transfer after it, in order', async () => {
    const { port } = await server();
    const session = await loggedInRawSession(port);
    const transfer = await stalledDownload(session);
    await write(session, Buffer.from('SIZE small.txt\r\nMKD queued\r\nPWD\r\nNOOP\r\n'));
    expect(await transfer.resume()).toBe(bigFile.byteLength);
    const replies = [await session.read(), await session.read(), await session.read(), await session.read(), await session.read()];
    expect(replies.map((reply) => reply.code)).toEqual([226, 213, 257, 257, 200]);
    expect(replies[2]!.text).toBe('257 "/queued" directory created.');
  });
});
