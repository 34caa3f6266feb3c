import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFsStorage } from '@ftp/storage-fs';
import { describe, expect, it } from 'vitest';
import { tempDirectory, loggedInRawSession, rawSession, rawTransfer, type RawSession } from '@ftp/test-utils';
import { loginAs, profileAuthenticator } from './support/profiles.ts';
import { createCountingStorage } from '../src/testing/counting-storage.ts';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { startServer } from './support/index.ts';

// Issue: users and limits. Every limit is checked over real sockets; speed limits only with lower bounds on time
// (a throttle can never make a transfer faster, so machine load cannot make these checks flake).

describe('permissions', () => {
  it.each([
    ['list', 'LIST /', 'MLSD /'],
    ['download', 'RETR /a.txt', undefined],
    ['upload', 'STOR /new.txt', undefined],
    ['overwrite', 'STOR /a.txt', undefined],
    ['delete', 'DELE /a.txt', 'RMD /dir'],
    ['rename', 'RNFR /a.txt', undefined],
    ['makeDirectory', 'MKD /made', undefined],
    ['setModifiedTime', 'MFMT 20200101000000 /a.txt', undefined],
  ] as const)(
    'refuses %s with 550 naming it, before any storage call or data, and allows it otherwise',
    async (permission, command, other) => {
      const { connector, calls } = createCountingStorage({ files: { '/a.txt': 'hello', '/dir/keep.txt': 'x' } });
      const { port } = await startServer({
        storage: connector,
        authenticator: profileAuthenticator({ denied: { permissions: { [permission]: false } }, allowed: {} }),
      });
      const denied = await loginAs(port, 'denied');
      for (const line of [command, ...(other === undefined ? [] : [other])]) {
        calls.length = 0;
        const isTransfer = /^(LIST|MLSD|RETR|STOR)/.test(line);
        const reply = isTransfer
          ? (await rawTransfer(denied, line, line.startsWith('STOR') ? Buffer.from('data') : undefined)).first
          : await denied.command(line);
        expect(reply.code).toBe(550);
        expect(reply.text).toContain(`${permission} not allowed`);
        // overwrite needs to know whether the file exists: a stat is the only call allowed before refusing it
        expect(calls.filter((call) => call !== 'stat' || permission !== 'overwrite')).toEqual([]);
      }
      const allowed = await loginAs(port, 'allowed');
      const isTransfer = /^(LIST|MLSD|RETR|STOR)/.test(command);
      const reply = isTransfer
        ? (await rawTransfer(allowed, command, command.startsWith('STOR') ? Buffer.from('data') : undefined)).first
        : await allowed.command(command);
      expect([150, 200, 213, 250, 257, 350]).toContain(reply.code);
    },
  );

  it('applies directory overrides with the longest matching path winning', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/incoming/private/.keep': '', '/pub/readme.txt': 'read me' } }),
      authenticator: profileAuthenticator({
        alice: {
          permissions: { upload: false },
          directoryPermissions: { '/incoming': { upload: true, download: false }, '/incoming/private': { upload: false } },
        },
      }),
    });
    const session = await loginAs(port, 'alice');
    expect((await rawTransfer(session, 'STOR /top.txt', Buffer.from('x'))).first.code).toBe(550);
    const stored = await rawTransfer(session, 'STOR /incoming/drop.txt', Buffer.from('dropped'));
    expect(stored.final?.code).toBe(226);
    expect((await rawTransfer(session, 'RETR /incoming/drop.txt')).first.text).toContain('download not allowed');
    expect((await rawTransfer(session, 'STOR /incoming/private/x.txt', Buffer.from('x'))).first.text).toContain('upload not allowed');
    expect((await rawTransfer(session, 'RETR /pub/readme.txt')).received.toString()).toBe('read me');
    // "/incomingX" is not inside "/incoming"
    expect((await rawTransfer(session, 'STOR /incomingX', Buffer.from('x'))).first.code).toBe(550);
  });
});

describe('quotas', () => {
  it('refuses an upload that would pass maxBytes with 552, leaves nothing behind, and keeps the usage right', async () => {
    const root = await tempDirectory();
    const { port } = await startServer({
      storage: createFsStorage({ root, fsync: false }),
      authenticator: profileAuthenticator({ bob: { quota: { maxBytes: 1_000_000 } } }),
    });
    const session = await loginAs(port, 'bob');
    expect((await rawTransfer(session, 'STOR one.bin', randomBytes(600_000))).final?.code).toBe(226);
    const refused = await rawTransfer(session, 'STOR two.bin', randomBytes(600_000));
    expect(refused.final?.code).toBe(552);
    expect((await readdir(root)).sort()).toEqual(['one.bin']); // no partial file, no temporary
    expect((await session.command('SITE QUOTA')).text).toContain('600000 of 1000000 bytes, 1 of unlimited files');
    // Overwriting frees the old content: 900 KB replacing 600 KB fits.
    expect((await rawTransfer(session, 'STOR one.bin', randomBytes(900_000))).final?.code).toBe(226);
    expect((await rawTransfer(session, 'STOR small.bin', randomBytes(100_000))).final?.code).toBe(226);
    expect((await session.command('DELE one.bin')).code).toBe(250);
    expect((await session.command('SITE QUOTA')).text).toContain('100000 of 1000000 bytes, 1 of unlimited files');
  });

  it('refuses a new file beyond maxFiles before any data moves, counts deletes and renames over files, and rescans', async () => {
    const root = await tempDirectory();
    const { port } = await startServer({
      storage: createFsStorage({ root, fsync: false }),
      authenticator: profileAuthenticator({ carol: { quota: { maxFiles: 2 } } }),
    });
    const session = await loginAs(port, 'carol');
    for (const name of ['a', 'b']) expect((await rawTransfer(session, `STOR ${name}`, Buffer.from(name))).final?.code).toBe(226);
    const refused = await rawTransfer(session, 'STOR c', Buffer.from('c'));
    expect(refused.first.code).toBe(552);
    expect(refused.final).toBeUndefined();
    expect((await rawTransfer(session, 'STOR a', Buffer.from('overwrite is not a new file'))).final?.code).toBe(226);
    expect((await session.command('RNFR a')).code).toBe(350);
    expect((await session.command('RNTO b')).code).toBe(250); // b is replaced: one file left
    expect((await rawTransfer(session, 'STOR c', Buffer.from('c'))).final?.code).toBe(226);
    expect((await session.command('SITE QUOTA RESCAN')).text).toContain('2 of 2 files');
    expect(await readFile(join(root, 'b'), 'utf8')).toBe('overwrite is not a new file');
  });

  it('shares the usage between sessions of the same user', async () => {
    const { port } = await startServer({ authenticator: profileAuthenticator({ dave: { quota: { maxBytes: 100_000 } } }) });
    const first = await loginAs(port, 'dave');
    const second = await loginAs(port, 'dave');
    expect((await rawTransfer(first, 'STOR a', randomBytes(70_000))).final?.code).toBe(226);
    expect((await rawTransfer(second, 'STOR b', randomBytes(70_000))).final?.code).toBe(552);
  });
});

describe('bandwidth', () => {
  /** Downloads `path` over a raw session; resolves with the seconds it took. */
  async function timedDownload(session: RawSession, path: string, size: number): Promise<number> {
    const started = performance.now();
    const result = await rawTransfer(session, `RETR ${path}`);
    expect(result.received.length).toBe(size);
    return (performance.now() - started) / 1000;
  }

  it('limits one user to its download rate, shared by its concurrent transfers', async () => {
    const rate = 400_000;
    const size = 400_000;
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/f.bin': 'x'.repeat(size) } }),
      authenticator: profileAuthenticator({ erin: { bandwidth: { downloadBytesPerSecond: rate } } }),
    });
    const [first, second] = [await loginAs(port, 'erin'), await loginAs(port, 'erin')];
    const burst = Math.max(16 * 1024, rate / 8);
    // Lower bounds only: two 400 KB downloads sharing 400 KB/s cannot both end before (800 KB - burst) / rate.
    const seconds = await Promise.all([timedDownload(first, '/f.bin', size), timedDownload(second, '/f.bin', size)]);
    expect(Math.max(...seconds)).toBeGreaterThanOrEqual((0.9 * (2 * size - burst)) / rate);
  });

  it('limits uploads by the server-wide rate across users', async () => {
    const rate = 500_000;
    const { port } = await startServer({ bandwidth: { uploadBytesPerSecond: rate } });
    const sessions = [await loginAs(port, 'u1'), await loginAs(port, 'u2')];
    const started = performance.now();
    await Promise.all(sessions.map((session, index) => rawTransfer(session, `STOR up${index}`, randomBytes(400_000))));
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual((0.9 * (800_000 - rate / 8)) / rate);
  });
});

describe('sessions per user', () => {
  it('answers 421 to a login beyond maxSessions and frees the slot when a session ends', async () => {
    const { port } = await startServer({
      authenticator: profileAuthenticator({ frank: {} }),
      userDefaults: { maxSessions: 2 },
    });
    const first = await loginAs(port, 'frank');
    await loginAs(port, 'frank');
    const third = await rawSession(port);
    await third.read();
    expect((await third.command('USER frank')).code).toBe(331);
    const refused = await third.command('PASS pw');
    expect(refused.code).toBe(421);
    expect(refused.text).toContain('Too many sessions for this user');
    await third.closed;
    await first.command('QUIT');
    await first.closed;
    await loginAs(port, 'frank');
  });
});

describe('defender', () => {
  async function failLogin(port: number, localAddress?: string): Promise<number> {
    const session = await rawSession(port, localAddress);
    const greeting = await session.read();
    if (greeting.code !== 220) return greeting.code;
    await session.command('USER mallory');
    const reply = await session.command('PASS wrong');
    session.close();
    return reply.code;
  }

  it('bans an address after repeated failures (421 at connect), never an allowed one, and lifts the ban after banMs', async () => {
    const banMs = 400;
    const { port } = await startServer({
      authenticator: profileAuthenticator({ mallory: {} }),
      defender: { maxFailuresPerIp: 3, banMs, failedLoginDelayMs: 0, allowList: ['127.0.0.1/32'] },
    });
    expect(await failLogin(port, '127.0.0.2')).toBe(530);
    expect(await failLogin(port, '127.0.0.2')).toBe(530);
    expect(await failLogin(port, '127.0.0.2')).toBe(421); // the third failure bans
    const banned = await rawSession(port, '127.0.0.2');
    const refusal = await banned.read();
    expect(refusal.code).toBe(421);
    expect(refusal.text).toContain('failed logins');
    // The allow list is never banned, however many failures.
    for (let attempt = 0; attempt < 5; attempt++) expect(await failLogin(port, '127.0.0.1')).toBe(530);
    // Other addresses are unaffected; the ban ends after banMs.
    expect((await (await rawSession(port, '127.0.0.3')).read()).code).toBe(220);
    await new Promise((resolve) => setTimeout(resolve, banMs + 50));
    expect((await (await rawSession(port, '127.0.0.2')).read()).code).toBe(220);
  });

  it('delays the 530 of a failed PASS', async () => {
    const { port } = await startServer({ authenticator: profileAuthenticator({}), defender: { failedLoginDelayMs: 300 } });
    const session = await rawSession(port);
    await session.read();
    await session.command('USER someone');
    const started = performance.now();
    expect((await session.command('PASS wrong')).code).toBe(530);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('anonymous access', () => {
  it('logs anonymous and ftp in with any password, read-only, inside their own root', async () => {
    const { port } = await startServer({
      storage: createMemoryStorage({ files: { '/pub/readme.txt': 'public', '/secret.txt': 'private' } }),
      anonymous: { rootDirectory: '/pub' },
    });
    for (const name of ['anonymous', 'FTP']) {
      const session = await loggedInRawSession(port, name, 'guest@example.com');
      expect((await session.command('TYPE I')).code).toBe(200);
      expect((await rawTransfer(session, 'RETR readme.txt')).received.toString()).toBe('public');
      expect((await rawTransfer(session, 'RETR ../secret.txt')).first.code).toBe(550);
      expect((await rawTransfer(session, 'NLST /')).received.toString()).toBe('readme.txt\r\n');
      expect((await rawTransfer(session, 'STOR up.txt', Buffer.from('x'))).first.text).toContain('upload not allowed');
      expect((await session.command('DELE readme.txt')).code).toBe(550);
      expect((await session.command('MKD new')).code).toBe(550);
    }
  });

  it('is off unless configured: the authenticator decides for "anonymous"', async () => {
    const { port } = await startServer({ authenticator: profileAuthenticator({}) });
    const session = await rawSession(port);
    await session.read();
    await session.command('USER anonymous');
    expect((await session.command('PASS guest')).code).toBe(530);
  });
});
