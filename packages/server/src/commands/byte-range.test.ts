import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { storageError, type StorageConnectorV1, type StorageSessionV1 } from '@ftp/plugin-api';
import { createCountingStorage } from '../testing/counting-storage.ts';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { createSessionHarness } from '../testing/session-harness.ts';

const content = randomBytes(100_000);
const files = { '/data.bin': content, '/hello.txt': 'hello world', '/dir/inside.txt': 'inside' };

async function loggedIn(storage: StorageConnectorV1 = createMemoryStorage({ files, chunkBytes: 7_000 })) {
  const session = createSessionHarness({ storage });
  onTestFinished(() => session.close());
  await session.login();
  await session.send('TYPE I');
  return session;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const codes = (replies: readonly string[]) => replies.map((reply) => reply.slice(0, 3));

async function contentOf(session: Awaited<ReturnType<typeof loggedIn>>, path: string): Promise<string> {
  return (await session.download(`RETR ${path}`)).data.toString();
}

describe('RANG', () => {
  it('answers 350 naming the range, resets with RANG 1 0, and is in FEAT as RANG STREAM and in HELP', async () => {
    const session = await loggedIn();
    expect(await session.send('RANG 10 99')).toEqual(['350 Restarting at 10. End byte range at 99.']);
    expect(await session.send('RANG 0 0')).toEqual(['350 Restarting at 0. End byte range at 0.']);
    expect(await session.send('RANG 1 0')).toEqual(['350 Byte range reset.']);
    expect((await session.send('FEAT'))[0]!.split('\r\n')).toContain(' RANG STREAM');
    expect(await session.send('HELP RANG')).toEqual(['214 Syntax: RANG <sp> start-point <sp> end-point']);
  });

  it('refuses with 501 and the cause an end before the start, a position too long, and anything but two numbers', async () => {
    const session = await loggedIn();
    expect(await session.send('RANG 10 5')).toEqual(['501 The end point 5 lies before the start point 10 (RANG 1 0 resets the range).']);
    expect(await session.send('RANG 0 1234567890123456')).toEqual(['501 A byte position has at most 15 digits.']);
    for (const line of ['RANG 10', 'RANG -1 5', 'RANG 1 2 3', 'RANG a b', 'RANG 0x10 20', 'RANG']) {
      expect(await session.send(line), line).toEqual(['501 Syntax: RANG <sp> start-point <sp> end-point']);
    }
    // None of them set a range: RETR sends the whole file.
    expect((await session.download('RETR hello.txt')).data.toString()).toBe('hello world');
  });

  it('answers 530 before login', async () => {
    const session = createSessionHarness({ storage: createMemoryStorage({ files }) });
    onTestFinished(() => session.close());
    expect(await session.send('RANG 0 9')).toEqual(['530 Please login with USER and PASS.']);
  });
});

describe('RANG with RETR', () => {
  it('sends exactly the bytes from start to end, both included, and announces how many', async () => {
    const session = await loggedIn();
    await session.send('RANG 10 99');
    const { replies, data } = await session.download('RETR data.bin');
    expect(codes(replies)).toEqual(['150', '226']);
    expect(replies[0]).toBe('150 Opening BINARY mode data connection for data.bin, bytes 10-99 (90 bytes).');
    expect(data.equals(content.subarray(10, 100))).toBe(true);
    // Across the storage's chunks (7,000 bytes) and to the last byte.
    await session.send('RANG 6990 99999');
    expect((await session.download('RETR data.bin')).data.equals(content.subarray(6990))).toBe(true);
    await session.send('RANG 0 0');
    expect((await session.download('RETR data.bin')).data.equals(content.subarray(0, 1))).toBe(true);
    expect(session.events.filter((event) => event.name === 'download').map((event) => (event.payload as { bytes: number }).bytes)).toEqual([
      90,
      100_000 - 6990,
      1,
    ]);
  });

  it('lasts across other commands until RETR takes it; the RETR after that sends the whole file', async () => {
    const session = await loggedIn();
    await session.send('RANG 6 10');
    await session.send('NOOP');
    await session.send('SIZE hello.txt');
    await session.send('PWD');
    expect(await contentOf(session, 'hello.txt')).toBe('world');
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });

  it('answers 554 before 150 to a range that goes beyond the last byte of the file, and the range is used up', async () => {
    const session = await loggedIn();
    await session.send('RANG 6 10');
    const { replies, data } = await session.download('RETR hello.txt');
    expect(replies[0]).toContain(', bytes 6-10 (5 bytes)');
    expect(data.toString()).toBe('world');
    for (const [first, last] of [
      [6, 11],
      [11, 20],
    ]) {
      await session.send(`RANG ${first} ${last}`);
      expect(await session.download('RETR hello.txt')).toEqual({
        replies: [`554 Byte range ${first}-${last} goes beyond the last byte of the file (11 bytes).`],
        data: Buffer.alloc(0),
      });
    }
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });

  it('refuses a directory and a missing file with 550', async () => {
    const session = await loggedIn();
    await session.send('RANG 0 1');
    expect(codes((await session.download('RETR dir')).replies)).toEqual(['550']);
    await session.send('RANG 0 1');
    expect(codes((await session.download('RETR missing.txt')).replies)).toEqual(['550']);
  });

  it('is replaced by a REST after it, and replaces a REST before it', async () => {
    const session = await loggedIn();
    await session.send('RANG 0 4');
    // REST right before RETR (after EPSV), as the harness sends it.
    expect((await session.download('RETR hello.txt', { restartAt: 6 })).data.toString()).toBe('world');
    await session.send('REST 6');
    await session.send('RANG 0 4');
    expect(await contentOf(session, 'hello.txt')).toBe('hello');
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });

  it('is forgotten after RANG 1 0 and after REIN', async () => {
    const session = await loggedIn();
    await session.send('RANG 0 4');
    await session.send('RANG 1 0');
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
    await session.send('RANG 0 4');
    expect(await session.send('REIN')).toEqual(['220 Service ready for new user.']);
    await session.login();
    await session.send('TYPE I');
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });
});

describe('RANG with HASH', () => {
  it('hashes the range and names it in the reply (end excluded, as every HASH reply here), then forgets it', async () => {
    const session = await loggedIn();
    await session.send('RANG 10 99');
    expect(await session.send('HASH data.bin')).toEqual([`213 SHA-256 10-100 ${sha256(content.subarray(10, 100))} data.bin`]);
    expect(await session.send('HASH data.bin')).toEqual([`213 SHA-256 0-100000 ${sha256(content)} data.bin`]);
    await session.send('RANG 99000 99999');
    expect(await session.send('HASH data.bin')).toEqual([`213 SHA-256 99000-100000 ${sha256(content.subarray(99_000))} data.bin`]);
    await session.send('RANG 99000 100000');
    expect(await session.send('HASH data.bin')).toEqual([
      '554 Byte range 99000-100000 goes beyond the last byte of the file (100000 bytes).',
    ]);
  });

  it('reads only the range, or asks the storage for its checksum when the range is the whole file', async () => {
    const { connector, calls } = createCountingStorage({ files });
    const session = await loggedIn(connector);
    calls.length = 0;
    await session.send('RANG 5 9');
    expect(await session.send('HASH hello.txt')).toEqual([`213 SHA-256 5-10 ${sha256(Buffer.from(' worl'))} hello.txt`]);
    expect(calls).toEqual(['stat', 'read']);
    calls.length = 0;
    await session.send('RANG 0 10');
    expect(await session.send('HASH hello.txt')).toEqual([`213 SHA-256 0-11 ${sha256(Buffer.from('hello world'))} hello.txt`]);
    expect(calls).toEqual(['stat', 'checksum']);
  });
});

/** The memory storage, but refusing a write at an offset as a storage that cannot resume does (ENOTSUP). */
function storageWithoutResume(): StorageConnectorV1 {
  const memory = createMemoryStorage({ files });
  return {
    specificationVersion: 'v1',
    name: 'no-resume',
    async openSession(user, context) {
      const session = await memory.openSession(user, context);
      const view: StorageSessionV1 = Object.create(session) as StorageSessionV1;
      return Object.assign(view, {
        write: (path: string, data: AsyncIterable<Uint8Array>, options: Parameters<StorageSessionV1['write']>[2]) =>
          options.offset > 0 ? Promise.reject(storageError('ENOTSUP', path)) : session.write(path, data, options),
      });
    },
  };
}

describe('RANG with STOR', () => {
  it('writes the data from the start of the range, keeping the bytes before it', async () => {
    const session = await loggedIn();
    await session.send('RANG 6 10');
    expect(await session.upload('STOR hello.txt', Buffer.from('WORLD'))).toEqual([
      '150 Ok to send bytes 6-10 of hello.txt.',
      '226 Transfer complete.',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello WORLD');
    // A range may run past the end: the file grows.
    await session.send('RANG 6 15');
    expect(codes(await session.upload('STOR hello.txt', Buffer.from('there, you')))).toEqual(['150', '226']);
    expect(await contentOf(session, 'hello.txt')).toBe('hello there, you');
    // From byte 0 on a new file.
    await session.send('RANG 0 4');
    expect(codes(await session.upload('STOR new.txt', Buffer.from('fresh')))).toEqual(['150', '226']);
    expect(await contentOf(session, 'new.txt')).toBe('fresh');
  });

  it('refuses before 150 a range that ends inside the file (504) or starts beyond its end (554), and leaves the file', async () => {
    const session = await loggedIn();
    await session.send('RANG 0 4');
    expect(await session.upload('STOR hello.txt', Buffer.from('HELLO'))).toEqual([
      '504 Byte range 0-4 ends before the end of the file (11 bytes): STOR can only rewrite a file from a byte to its end.',
    ]);
    await session.send('RANG 12 20');
    expect(await session.upload('STOR hello.txt', Buffer.from('x'))).toEqual([
      '554 Byte range 12-20 starts beyond the end of the file (the file has 11 bytes).',
    ]);
    await session.send('RANG 3 20');
    expect(await session.upload('STOR missing.txt', Buffer.from('x'))).toEqual([
      '554 Byte range 3-20 starts beyond the end of the file (there is no such file yet).',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });

  it('stops with 552 an upload that sends more than the range, writing nothing beyond it', async () => {
    const session = await loggedIn();
    await session.send('RANG 6 10');
    expect(await session.upload('STOR hello.txt', Buffer.from('WORLD and more'))).toEqual([
      '150 Ok to send bytes 6-10 of hello.txt.',
      '552 More data than the 5 bytes of byte range 6-10: upload stopped.',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });

  it('answers 426 to an upload whose data ends before the range is full, before the storage commits it', async () => {
    const session = await loggedIn();
    await session.send('RANG 6 15');
    expect(await session.upload('STOR hello.txt', Buffer.from('WORLD'))).toEqual([
      '150 Ok to send bytes 6-15 of hello.txt.',
      '426 The data ended after 5 of the 10 bytes of byte range 6-15: transfer aborted.',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
    await session.send('RANG 0 99');
    expect(codes(await session.upload('STOR new.txt', Buffer.from('short')))).toEqual(['150', '426']);
    expect(codes((await session.download('RETR new.txt')).replies)).toEqual(['550']);
  });

  it('answers 504 where the storage cannot write at an offset, and still writes a range that starts at 0', async () => {
    const session = await loggedIn(storageWithoutResume());
    await session.send('RANG 6 10');
    expect(await session.upload('STOR hello.txt', Buffer.from('WORLD'))).toEqual([
      '150 Ok to send bytes 6-10 of hello.txt.',
      '504 Not supported by this storage.',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
    await session.send('RANG 0 10');
    expect(codes(await session.upload('STOR hello.txt', Buffer.from('HELLO WORLD')))).toEqual(['150', '226']);
    expect(await contentOf(session, 'hello.txt')).toBe('HELLO WORLD');
  });

  it("counts against the user's byte quota only what the range adds to the file", async () => {
    // 11 bytes stored, 20 allowed: a range from byte 6 replaces 5 bytes, so 14 bytes fit and 15 do not.
    const session = createSessionHarness({
      storage: createMemoryStorage({ files: { '/hello.txt': 'hello world' } }),
      options: { userDefaults: { quota: { maxBytes: 20 } } },
    });
    onTestFinished(() => session.close());
    await session.login();
    await session.send('TYPE I');
    await session.send('RANG 6 20');
    expect(await session.upload('STOR hello.txt', Buffer.alloc(15, 'y'))).toEqual([
      '150 Ok to send bytes 6-20 of hello.txt.',
      '552 Exceeded storage allocation.',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
    await session.send('RANG 6 19');
    expect(codes(await session.upload('STOR hello.txt', Buffer.alloc(14, 'y')))).toEqual(['150', '226']);
    expect(await contentOf(session, 'hello.txt')).toBe(`hello ${'y'.repeat(14)}`);
    expect(await session.send('SITE QUOTA')).toEqual(['200 Quota: 20 of 20 bytes, 1 of unlimited files.']);
  });

  it('refuses APPE and STOU after RANG with 503 and forgets the range', async () => {
    const session = await loggedIn();
    await session.send('RANG 0 4');
    expect(await session.upload('APPE hello.txt', Buffer.from('!'))).toEqual([
      '503 A byte range (RANG) applies to RETR, STOR and HASH, not to APPE; the range is reset.',
    ]);
    await session.send('RANG 0 4');
    expect(await session.upload('STOU', Buffer.from('!'))).toEqual([
      '503 A byte range (RANG) applies to RETR, STOR and HASH, not to STOU; the range is reset.',
    ]);
    expect(await contentOf(session, 'hello.txt')).toBe('hello world');
  });
});
