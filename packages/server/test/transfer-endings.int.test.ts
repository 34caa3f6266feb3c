import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createFsStorage } from '@ftp/storage-fs';
import type { FtpServerEvents } from '@ftp/server';
import {
  eventually,
  tempDirectory,
  loggedInRawSession,
  type RawSession,
  alarmingLines,
  recordingLogger,
  startRawTransfer,
} from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { sha256, startServer } from './support/index.ts';

// How transfers end when the client ends them: by closing the data connection (RFC 959 §3.4: end of file), with ABOR
// (§4.1.3), by closing the control connection, or by no longer reading. Raw sockets, so nothing smooths the order over.

type UploadEvent = FtpServerEvents['upload'][0];

/** An fs-backed server whose root the test can inspect, with its upload events and log lines recorded. */
async function fsServer(options: { dataTimeoutMs?: number } = {}) {
  const root = await tempDirectory();
  const { logger, lines } = recordingLogger();
  const started = await startServer({ storage: createFsStorage({ root, fsync: false }), logger, ...options });
  const uploads: UploadEvent[] = [];
  started.server.on('upload', (event) => uploads.push(event));
  return { ...started, root, uploads, logs: lines };
}

/** Writes `bytes` to the data socket and resolves once they were handed to the kernel. */
async function writeAll(socket: Socket, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/** Files in the root, temporary files of unfinished uploads included. */
async function filesIn(root: string): Promise<string[]> {
  return (await readdir(root)).sort();
}

describe('an upload whose data is complete when the control connection closes', () => {
  const payload = randomBytes(2 * 1024 * 1024);
  const rounds = 10;

  for (const ending of ['QUIT then close', 'destroy'] as const) {
    it(`is kept, complete, with its upload event (${ending} right after the data's EOF, ${rounds} rounds)`, async () => {
      const { port, root, uploads } = await fsServer();
      for (let round = 0; round < rounds; round++) {
        const session = await loggedInRawSession(port);
        const data = await startRawTransfer(session, `STOR file-${round}.bin`);
        data.end(payload);
        await once(data, 'finish');
        if (ending === 'QUIT then close') session.send('QUIT');
        session.socket.destroy();
        await session.closed;
      }
      await eventually(() => uploads.length === rounds, `${rounds} upload events (got ${uploads.length})`);
      expect(uploads.map((event) => event.path).sort()).toEqual(Array.from({ length: rounds }, (_, round) => `/file-${round}.bin`).sort());
      expect(uploads.every((event) => event.bytes === payload.byteLength)).toBe(true);
      for (let round = 0; round < rounds; round++) {
        expect(sha256(await readFile(join(root, `file-${round}.bin`)))).toBe(sha256(payload));
      }
    });
  }
});

describe('an upload still receiving data when the control connection closes', () => {
  it('is aborted: the server closes the data connection and leaves no file', async () => {
    const { port, root, uploads } = await fsServer();
    const session = await loggedInRawSession(port);
    const data = await startRawTransfer(session, 'STOR partial.bin');
    await writeAll(data, randomBytes(256 * 1024));
    const dataClosed = new Promise((resolve) => data.once('close', resolve));
    session.socket.destroy();
    // The server gives up on the data connection itself: the client never ends it.
    await dataClosed;
    await eventually(async () => (await filesIn(root)).length === 0, 'no file left in the root');
    expect(uploads).toEqual([]);
  });
});

describe('ABOR during an upload', () => {
  it('answers 426 for the STOR, then 226, leaves no partial file and logs no error', async () => {
    const { port, root, uploads, logs } = await fsServer();
    const session = await loggedInRawSession(port);
    const data = await startRawTransfer(session, 'STOR aborted.bin');
    await writeAll(data, randomBytes(256 * 1024));
    // The upload's temporary file exists: the abort really interrupts a write in progress.
    await eventually(async () => (await filesIn(root)).length > 0, 'the upload to start on disk');
    session.send('ABOR');
    const aborted = await session.read();
    expect(aborted.code).toBe(426);
    expect((await session.read()).text).toBe('226 ABOR successful.');
    expect(await filesIn(root)).toEqual([]);
    expect(uploads).toEqual([]);
    expect(alarmingLines(logs)).toEqual([]);
    // The session goes on, and the next upload works.
    data.destroy();
    const next = await startRawTransfer(session, 'STOR next.bin');
    next.end('next');
    expect((await session.read()).code).toBe(226);
    expect(await filesIn(root)).toEqual(['next.bin']);
  });
});

describe('a download whose client stops reading', () => {
  /** The real clock's setTimeout, for bounded waits while the server's timers run on the fake clock. */
  const realSetTimeout = globalThis.setTimeout;

  /** `promise`, or a failure naming `what` after `ms` of real time. */
  function withinRealTime<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => realSetTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)),
    ]);
  }

  /** Bytes the server reports moved for the running transfer (STAT during a transfer, RFC 959 §4.1.3). */
  async function bytesMoved(session: RawSession): Promise<number> {
    const status = await session.command('STAT');
    const progress = /in progress: (\d+) bytes transferred/.exec(status.text);
    if (progress === null) throw new Error(`no transfer in progress: ${status.text}`);
    return Number(progress[1]);
  }

  it('ends with 426 once dataTimeoutMs passed without a byte moving, not later, and the session goes on', async () => {
    // The stall is timed on a fake clock, so the test can tell "after dataTimeoutMs" from "after twice that" without
    // measuring time: one millisecond short of the timeout the download still runs, at the timeout it ends. Only
    // setTimeout is faked: sockets and the event loop run for real.
    const dataTimeoutMs = 60_000;
    const content = Buffer.alloc(48 * 1024 * 1024, 0x5a);
    const { port } = await startServer({
      dataTimeoutMs,
      storage: createMemoryStorage({ files: { '/big.bin': content, '/small.txt': 'small' } }),
    });
    const session = await loggedInRawSession(port);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const data = await startRawTransfer(session, 'RETR big.bin');
    data.pause();
    // Wait (on the real clock) until the server cannot write more: the socket buffers between it and the client are full.
    let moved = -1;
    for (let next = await bytesMoved(session); next !== moved; next = await bytesMoved(session)) {
      moved = next;
      await new Promise((resolve) => realSetTimeout(resolve, 50));
    }
    expect(moved).toBeLessThan(content.byteLength);

    vi.advanceTimersByTime(dataTimeoutMs - 1);
    expect(await bytesMoved(session)).toBe(moved);
    vi.advanceTimersByTime(1);
    const ended = await withinRealTime(session.read(), 5_000, 'reply once dataTimeoutMs had passed');
    expect(ended.code).toBe(426);
    vi.useRealTimers();

    // The session goes on: the stall ended the transfer, not the session.
    expect((await session.command('NOOP')).code).toBe(200);
    const small = await startRawTransfer(session, 'RETR small.txt');
    const received = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      small.on('data', (chunk: Buffer) => chunks.push(chunk)).once('end', () => resolve(Buffer.concat(chunks)));
    });
    expect((await session.read()).code).toBe(226);
    expect((await received).toString()).toBe('small');
  });
});
