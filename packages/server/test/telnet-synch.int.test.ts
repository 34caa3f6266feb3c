import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { epsvPort, loggedInRawSession, openDataConnection, type RawSession } from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

// The Telnet Synch before ABOR (RFC 959 §4.1.3, RFC 854) as clients really send it: "IAC IP IAC" in line and the
// Data Mark as TCP urgent data. Linux takes the urgent byte out of the stream (no SO_OOBINLINE), so the server
// reads FF F4 FF followed directly by the command. Node.js cannot send urgent data; Python does, on a duplicate of
// the test's own socket descriptor.

const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const telnetDataMark = 0xf2;
const interruptThenIac = Buffer.of(0xff, 0xf4, 0xff);
const bigFile = Buffer.alloc(48 * 1024 * 1024, 0x5a);

/** Sends bytes and waits until the socket has handed them to the kernel, so what follows leaves after them. */
async function write(session: RawSession, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => session.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/** Sends one byte on `socket` as TCP urgent data (MSG_OOB), through Python on a duplicate of its descriptor (fd 3). */
async function sendUrgent(socket: Socket, byte: number): Promise<void> {
  const program = `import socket; socket.socket(fileno=3).send(bytes([${byte}]), socket.MSG_OOB)`;
  const child = spawn(python, ['-c', program], { stdio: ['ignore', 'ignore', 'pipe', socket] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  // spawn stops reading a socket it hands to a child (so the two would not compete for its bytes) and never starts
  // again: the replies would wait unread.
  socket.resume();
  if (code !== 0) throw new Error(`python could not send urgent data: ${stderr}`);
}

/** "IAC IP IAC" in line, then the DM as urgent data: the Synch of RFC 959 §4.1.3 as BSD-derived clients send it. */
async function sendSynch(session: RawSession): Promise<void> {
  await write(session, interruptThenIac);
  await sendUrgent(session.socket, telnetDataMark);
}

describe('Telnet Synch with an urgent Data Mark', () => {
  it('reads the command after IAC IP IAC whole: NOOP, not "OOP"', async () => {
    const { port } = await startServer();
    const session = await loggedInRawSession(port);
    await sendSynch(session);
    const reply = await session.command('NOOP');
    expect(reply.text).not.toMatch(/Unknown command/);
    expect(reply.code).toBe(200);
    expect((await session.command('PWD')).code).toBe(257);
  });

  it('aborts a RETR on ABOR after the Synch: 426 for the transfer, then 226, and the session goes on', async () => {
    const { port } = await startServer({ storage: createMemoryStorage({ files: { '/big.bin': bigFile, '/small.txt': 'small' } }) });
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);
    const data = await openDataConnection(epsvPort(await session.command('EPSV')));
    let received = 0;
    data.on('data', (chunk: Buffer) => (received += chunk.byteLength));
    const dataClosed = once(data, 'close');
    session.send('RETR big.bin');
    expect((await session.read()).code).toBe(150);
    // Stop reading after the first chunk: the server waits for the socket to drain, so the transfer is still running.
    await once(data, 'data');
    data.pause();
    await sendSynch(session);
    session.send('ABOR');
    const aborted = await session.read();
    expect(aborted.code).toBe(426);
    expect((await session.read()).code).toBe(226);
    data.resume();
    await dataClosed;
    expect(received).toBeLessThan(bigFile.byteLength);
    expect((await session.command('SIZE small.txt')).text).toBe('213 5');
  });
});
