import { Client, enterPassiveModeIPv4, enterPassiveModeIPv6, FTPError } from 'basic-ftp';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalAuthenticator, hashPassword, type FtpServerEvents } from '@ftp/server';
import type { StorageSessionV1 } from '@ftp/plugin-api';
import { createFsStorage } from '@ftp/storage-fs';
import { tempDirectory, loggedInRawSession, rawSession } from '@ftp/test-utils';
import { createMemoryStorage } from '../src/testing/memory-storage.ts';
import { connectClient, downloadBuffer, nextEvent, sha256, startServer, uploadBuffer } from './support/index.ts';

/** A server over fs storage on a fresh temp dir; returns the root the users see as "/". */
async function startFsServer() {
  const root = await tempDirectory();
  const started = await startServer({ storage: createFsStorage({ root, fsync: false }) });
  return { ...started, root };
}

/** The FTP code of a rejected basic-ftp call. */
async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FTPError) return error.code;
    throw error;
  }
  throw new Error('expected the command to fail');
}

/** Records the commands basic-ftp sends. */
function recordCommands(client: Client): string[] {
  const sent: string[] = [];
  client.ftp.verbose = true;
  client.ftp.log = (message: string) => {
    if (message.startsWith('> ')) sent.push(message.slice(2));
  };
  return sent;
}

describe('login', () => {
  async function startLocalServer() {
    const passwordHash = await hashPassword('secret', { logCost: 4 });
    const authenticator = createLocalAuthenticator({ users: [{ username: 'alice', passwordHash }] });
    return startServer({ authenticator, storage: createMemoryStorage() });
  }

  it('accepts the right password and answers 530 to a wrong one', async () => {
    const { port } = await startLocalServer();
    const client = await connectClient(port, 'alice', 'secret');
    expect(await client.pwd()).toBe('/');
    const other = new Client(10_000);
    try {
      expect(await codeOf(other.access({ host: '127.0.0.1', port, user: 'alice', password: 'wrong' }))).toBe(530);
      expect(await codeOf(other.access({ host: '127.0.0.1', port, user: 'mallory', password: 'secret' }))).toBe(530);
    } finally {
      other.close();
    }
  });

  it('closes the connection with 421 after too many failed attempts', async () => {
    const { port } = await startLocalServer();
    const raw = await rawSession(port);
    expect((await raw.read()).code).toBe(220);
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect((await raw.command('USER alice')).code).toBe(331);
      expect((await raw.command('PASS nope')).code).toBe(530);
    }
    expect((await raw.command('USER alice')).code).toBe(331);
    expect((await raw.command('PASS nope')).code).toBe(421);
    await raw.closed;
    expect(raw.isClosed).toBe(true);
  });
});

describe('directories and files over fs storage', () => {
  it('navigates with PWD, CWD, CDUP and creates nested directories with MKD', async () => {
    const { port, root } = await startFsServer();
    const client = await connectClient(port);
    expect(await client.pwd()).toBe('/');
    await client.ensureDir('a/b/c'); // MKD a, CWD a, MKD b, ...
    expect(await client.pwd()).toBe('/a/b/c');
    expect(statSync(join(root, 'a/b/c')).isDirectory()).toBe(true);
    await client.cdup();
    expect(await client.pwd()).toBe('/a/b');
    await client.cd('/a');
    expect(await client.pwd()).toBe('/a');
    const reply = await client.send('MKD b/x');
    expect(reply.code).toBe(257);
    expect(reply.message).toContain('"/a/b/x"');
    expect(statSync(join(root, 'a/b/x')).isDirectory()).toBe(true);
    expect(await codeOf(client.send('MKD no/such/parent'))).toBe(550); // MKD creates one level (RFC 959 §4.1.3)
    expect(existsSync(join(root, 'a/no'))).toBe(false);
    expect(await codeOf(client.send('MKD b'))).toBe(550);
    expect(await codeOf(client.cd('/missing'))).toBe(550);
    expect(await client.pwd()).toBe('/a');
    await client.cd('/');
    await client.cdup(); // CDUP at the root stays at the root
    expect(await client.pwd()).toBe('/');
  });

  it('refuses RMD of a non-empty directory and never deletes recursively', async () => {
    const { port, root } = await startFsServer();
    await mkdir(join(root, 'full/inner'), { recursive: true });
    await writeFile(join(root, 'full/keep.txt'), 'keep');
    const client = await connectClient(port);
    expect(await codeOf(client.send('RMD full'))).toBe(550);
    expect(await readFile(join(root, 'full/keep.txt'), 'utf8')).toBe('keep');
    expect(existsSync(join(root, 'full/inner'))).toBe(true);
    expect((await client.send('RMD full/inner')).code).toBe(250);
    expect(existsSync(join(root, 'full/inner'))).toBe(false);
    await client.remove('full/keep.txt');
    expect(existsSync(join(root, 'full/keep.txt'))).toBe(false);
    expect((await client.send('RMD full')).code).toBe(250);
    expect(existsSync(join(root, 'full'))).toBe(false);
    expect(await codeOf(client.send('DELE full'))).toBe(550);
  });

  it('renames files and directories with RNFR/RNTO', async () => {
    const { port, root } = await startFsServer();
    await mkdir(join(root, 'dir/sub'), { recursive: true });
    await writeFile(join(root, 'dir/sub/file.txt'), 'content');
    const client = await connectClient(port);
    await client.rename('dir/sub/file.txt', 'dir/renamed.txt');
    expect(existsSync(join(root, 'dir/sub/file.txt'))).toBe(false);
    expect(await readFile(join(root, 'dir/renamed.txt'), 'utf8')).toBe('content');
    await client.rename('dir/sub', 'moved');
    expect(existsSync(join(root, 'dir/sub'))).toBe(false);
    expect(statSync(join(root, 'moved')).isDirectory()).toBe(true);
    expect(await codeOf(client.rename('nothing-here', 'x'))).toBe(550);
  });

  it('answers SIZE, MDTM and sets the time with MFMT', async () => {
    const { port, root } = await startFsServer();
    await writeFile(join(root, 'f.bin'), randomBytes(1234));
    const client = await connectClient(port);
    expect(await client.size('f.bin')).toBe(1234);
    const reply = await client.send('MFMT 20200102030405 f.bin');
    expect(reply.code).toBe(213);
    expect(statSync(join(root, 'f.bin')).mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect((await client.lastMod('f.bin')).toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect(await codeOf(client.size('missing.bin'))).toBe(550);
    expect(await codeOf(client.lastMod('missing.bin'))).toBe(550);
  });

  it('lists with MLSD and with LIST', async () => {
    const { port, root } = await startFsServer();
    await mkdir(join(root, 'folder'));
    await writeFile(join(root, 'one.txt'), '12345');
    const client = await connectClient(port);
    const sent = recordCommands(client);
    const viaMlsd = await client.list();
    expect(sent).toContain('MLSD');
    const summary = (entries: typeof viaMlsd) =>
      entries.map((entry) => `${entry.name}:${entry.isDirectory ? 'd' : `f${entry.size}`}`).sort();
    expect(summary(viaMlsd)).toEqual(['folder:d', 'one.txt:f5']);
    client.availableListCommands = ['LIST'];
    sent.length = 0;
    const viaList = await client.list();
    expect(sent).toContain('LIST');
    expect(sent).not.toContain('MLSD');
    expect(summary(viaList)).toEqual(['folder:d', 'one.txt:f5']);
  });

  it('handles unicode and space file names', async () => {
    const { port, root } = await startFsServer();
    const client = await connectClient(port);
    const names = ['with space.txt', 'héllo wörld ✓.txt', '  leading and trailing  .txt'];
    for (const name of names) await uploadBuffer(client, name, Buffer.from(name));
    expect((await readdir(root)).sort()).toEqual([...names].sort());
    expect((await client.list()).map((entry) => entry.name).sort()).toEqual([...names].sort());
    for (const name of names) expect((await downloadBuffer(client, name)).toString()).toBe(name);
    await client.ensureDir('dir ✓ x');
    expect(statSync(join(root, 'dir ✓ x')).isDirectory()).toBe(true);
  });
});

describe('transfers over fs storage', () => {
  it.each([
    ['0 B', 0],
    ['1 B', 1],
    ['1 MiB', 1024 * 1024],
    ['20 MiB', 20 * 1024 * 1024],
  ])('round-trips %s byte-exactly', async (_label, size) => {
    const { port, root } = await startFsServer();
    const client = await connectClient(port);
    const content = randomBytes(size);
    await uploadBuffer(client, 'blob.bin', content);
    expect(sha256(await readFile(join(root, 'blob.bin')))).toBe(sha256(content));
    const downloaded = await downloadBuffer(client, 'blob.bin');
    expect(downloaded.length).toBe(size);
    expect(sha256(downloaded)).toBe(sha256(content));
  });

  it('appends with APPE and resumes a download with REST', async () => {
    const { port, root } = await startFsServer();
    const client = await connectClient(port);
    const sent = recordCommands(client);
    const first = randomBytes(70_000);
    const second = randomBytes(50_000);
    await uploadBuffer(client, 'grow.bin', first);
    await uploadBuffer(client, 'grow.bin', second, true);
    expect(sent).toContain('APPE grow.bin');
    const whole = Buffer.concat([first, second]);
    expect(sha256(await readFile(join(root, 'grow.bin')))).toBe(sha256(whole));
    const tail = await downloadBuffer(client, 'grow.bin', 100_000);
    expect(sent).toContain('REST 100000');
    expect(sha256(tail)).toBe(sha256(whole.subarray(100_000)));
    await uploadBuffer(client, 'new.bin', second, true); // APPE creates a missing file
    expect(sha256(await readFile(join(root, 'new.bin')))).toBe(sha256(second));
  });

  it.each([
    ['EPSV', enterPassiveModeIPv6],
    ['PASV', enterPassiveModeIPv4],
  ])('transfers over %s', async (verb, mode) => {
    const { port } = await startFsServer();
    const client = await connectClient(port);
    client.prepareTransfer = mode;
    const sent = recordCommands(client);
    const content = randomBytes(300_000);
    await uploadBuffer(client, 'p.bin', content);
    expect(sha256(await downloadBuffer(client, 'p.bin'))).toBe(sha256(content));
    expect((await client.list()).map((entry) => entry.name)).toEqual(['p.bin']);
    expect(sent.filter((command) => command === verb)).toHaveLength(3);
    expect(sent.filter((command) => command === (verb === 'PASV' ? 'EPSV' : 'PASV'))).toHaveLength(0);
  });
});

describe('FEAT', () => {
  /** Wraps memory storage sessions so they lack the optional methods, as a minimal third-party storage would. */
  function minimalStorage() {
    const inner = createMemoryStorage();
    return {
      ...inner,
      name: 'minimal',
      async openSession(...args: Parameters<typeof inner.openSession>): Promise<StorageSessionV1> {
        const session = await inner.openSession(...args);
        return {
          stat: (path, options) => session.stat(path, options),
          list: (path, options) => session.list(path, options),
          read: (path, options) => session.read(path, options),
          write: (path, data, options) => session.write(path, data, options),
          delete: (path, options) => session.delete(path, options),
          makeDirectory: (path, options) => session.makeDirectory(path, options),
          removeDirectory: (path, options) => session.removeDirectory(path, options),
        };
      },
    };
  }

  async function featuresAndReplies(storage: ReturnType<typeof createMemoryStorage>) {
    const { port } = await startServer({ storage });
    const client = await connectClient(port);
    await uploadBuffer(client, 'f.txt', Buffer.from('x'));
    const features = [...(await client.features()).keys()];
    const replies: Record<string, number> = {};
    for (const line of ['RNFR f.txt', 'APPE f.txt', 'MFMT 20200102030405 f.txt', 'HASH f.txt', 'AVBL']) {
      replies[line.split(' ')[0]!] = (await client.sendIgnoringError(line)).code;
    }
    return { features, replies };
  }

  it('lists optional features only when the storage has them, and answers 502 otherwise', async () => {
    const full = await featuresAndReplies(createMemoryStorage());
    const minimal = await featuresAndReplies(minimalStorage());
    expect(full.features).toEqual(
      expect.arrayContaining(['MFMT', 'HASH', 'AVBL', 'SIZE', 'MDTM', 'REST', 'EPSV', 'PASV', 'MLST', 'UTF8', 'XCRC', 'XSHA256']),
    );
    expect(full.features.filter((feature) => !minimal.features.includes(feature)).sort()).toEqual(['AVBL', 'MFMT']);
    expect(minimal.features.filter((feature) => !full.features.includes(feature))).toEqual([]);
    // HASH hashes through `read` where the storage keeps no checksum, so a minimal storage answers it too.
    expect(full.replies).toEqual({ RNFR: 350, APPE: 425, MFMT: 213, HASH: 213, AVBL: 213 });
    expect(minimal.replies).toEqual({ RNFR: 502, APPE: 502, MFMT: 502, HASH: 213, AVBL: 502 });
  });

  it('advertises nothing storage-dependent before login', async () => {
    const { port } = await startServer();
    const raw = await rawSession(port);
    expect((await raw.read()).code).toBe(220);
    const before = await raw.command('FEAT');
    expect(before.code).toBe(211);
    expect(before.text).not.toContain('MFMT');
    await raw.login();
    const after = await raw.command('FEAT');
    expect(after.lines).toContain(' MFMT');
  });
});

describe('events', () => {
  type Recorded = { [E in keyof FtpServerEvents]: { event: E; payload: FtpServerEvents[E][0] } }[keyof FtpServerEvents];

  it('are emitted after each operation completed', async () => {
    const { server, port, root } = await startFsServer();
    const events: Recorded[] = [];
    const uploadSeenOnDisk: number[] = [];
    const names = ['connect', 'disconnect', 'login', 'login-failed', 'upload', 'download', 'delete', 'mkdir', 'rmdir', 'rename'] as const;
    for (const event of names) {
      server.on(event, ((payload: Recorded['payload']) => void events.push({ event, payload } as Recorded)) as never);
    }
    // Runs synchronously inside emit: the file must already be complete on disk.
    server.on('upload', (payload) => uploadSeenOnDisk.push(statSync(join(root, payload.path)).size));

    const other = await loggedInRawSession(port);

    const client = await connectClient(port);
    const content = randomBytes(200_000);
    await uploadBuffer(client, 'up.bin', content);
    await downloadBuffer(client, 'up.bin');
    await client.rename('up.bin', 'moved.bin');
    await client.send('MKD d');
    await client.send('RMD d');
    await client.remove('moved.bin');
    const disconnected = nextEvent(server, 'disconnect');
    client.close();
    await disconnected;

    const of = <E extends Recorded['event']>(event: E) =>
      events
        .filter((recorded): recorded is Extract<Recorded, { event: E }> => recorded.event === event)
        .map((recorded) => recorded.payload);
    expect(of('upload')).toMatchObject([{ path: '/up.bin', bytes: 200_000, command: 'STOR', username: 'user' }]);
    expect(uploadSeenOnDisk).toEqual([200_000]);
    expect(of('download')).toMatchObject([{ path: '/up.bin', bytes: 200_000, command: 'RETR' }]);
    expect(of('rename')).toMatchObject([{ from: '/up.bin', to: '/moved.bin' }]);
    expect(of('mkdir')).toMatchObject([{ path: '/d' }]);
    expect(of('rmdir')).toMatchObject([{ path: '/d' }]);
    expect(of('delete')).toMatchObject([{ path: '/moved.bin' }]);
    expect(of('connect')).toHaveLength(2);
    expect(of('login').map((payload) => payload.username)).toEqual(['user', 'user']);
    expect(of('disconnect')).toHaveLength(1);
    expect(of('disconnect')[0]!.sessionId).toBe(of('connect')[1]!.sessionId);
    expect(other.isClosed).toBe(false);
  });

  it('report failed logins and every disconnect with its session id', async () => {
    const passwordHash = await hashPassword('secret', { logCost: 4 });
    const authenticator = createLocalAuthenticator({ users: [{ username: 'alice', passwordHash }] });
    const { server, port } = await startServer({ authenticator });
    const failed: FtpServerEvents['login-failed'][0][] = [];
    const connects: string[] = [];
    const disconnects: string[] = [];
    server.on('login-failed', (payload) => failed.push(payload));
    server.on('connect', (payload) => connects.push(payload.sessionId));
    server.on('disconnect', (payload) => disconnects.push(payload.sessionId));
    const raw = await rawSession(port);
    await raw.read();
    await raw.command('USER alice');
    expect((await raw.command('PASS wrong')).code).toBe(530);
    expect(failed).toMatchObject([{ attemptedUsername: 'alice', remoteAddress: '127.0.0.1' }]);
    expect(connects).toHaveLength(1);
    expect(disconnects).toEqual([]);
    const disconnected = nextEvent(server, 'disconnect');
    expect((await raw.command('QUIT')).code).toBe(221);
    await disconnected;
    expect(disconnects).toEqual(connects);
  });
});
