import { mkdir, mkdtemp, opendir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError, silentLogger, StorageError } from '@ftp/plugin-api';
import {
  bytesFrom,
  chunksOf,
  collect,
  collectBytes,
  createDeferred,
  createTestPluginContext,
  noAbort,
  runStorageConformance,
  storageCodeOf,
  textFrom,
} from '@ftp/plugin-api/testing';
import { callsForRoot, eventLoopCalls, memoryFileSystemCalls } from './file-calls.ts';
import { createFsStorage } from './index.ts';

runStorageConformance('fs', async () => {
  const base = await mkdtemp(join(tmpdir(), 'storage-fs-conformance-'));
  return {
    // Every algorithm recorded, so the checksum checks hold the records to the contract.
    connector: createFsStorage({ root: join(base, 'users', '{user}'), recordChecksums: ['SHA-1', 'SHA-256', 'SHA-512', 'MD5', 'CRC32'] }),
    user: { username: 'alice' },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
});

// The thread-pool look-ups (for network file systems) must keep every guarantee the default synchronous ones give.
runStorageConformance('fs with async path look-ups', async () => {
  const base = await mkdtemp(join(tmpdir(), 'storage-fs-conformance-async-'));
  return {
    connector: createFsStorage({
      root: join(base, 'users', '{user}'),
      fileSystem: 'network',
      listInWorker: false,
      recordChecksums: ['SHA-256', 'CRC32'],
    }),
    user: { username: 'alice' },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
});

// Listings on the event loop, as when no worker thread can start.
runStorageConformance('fs listing on the event loop', async () => {
  const base = await mkdtemp(join(tmpdir(), 'storage-fs-conformance-loop-'));
  return {
    connector: createFsStorage({ root: join(base, 'users', '{user}'), listInWorker: false }),
    user: { username: 'alice' },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
});

describe('createFsStorage', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'storage-fs-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('gives each user the directory named after them and creates it', async () => {
    const connector = createFsStorage({ root: join(base, '{user}', 'files') });
    const alice = await connector.openSession({ username: 'alice' }, createTestPluginContext());
    const bob = await connector.openSession({ username: 'bob' }, createTestPluginContext());
    await alice.write('/note.txt', chunksOf(bytesFrom('from alice')), { ...noAbort, offset: 0 });
    expect(await readFile(join(base, 'alice', 'files', 'note.txt'), 'utf8')).toBe('from alice');
    expect(await collect(bob.list('/', noAbort))).toEqual([]);
    expect(await storageCodeOf(() => bob.stat('/note.txt', noAbort))).toBe('ENOENT');
  });

  it.each(['', '.', '..', 'a/b', '../etc', 'x..y', 'nul\0byte', 'back\\slash'])(
    'refuses a session for the unsafe user name %j',
    async (username) => {
      const connector = createFsStorage({ root: join(base, '{user}') });
      expect(await storageCodeOf(() => connector.openSession({ username }, createTestPluginContext()))).toBe('EACCES');
      expect(await readdir(base)).toEqual([]);
    },
  );

  it('refuses a session when createRoot is false and the root is missing', async () => {
    const connector = createFsStorage({ root: join(base, '{user}'), createRoot: false });
    const error = await connector.openSession({ username: 'carol' }, createTestPluginContext()).catch((error: unknown) => error);
    expect(StorageError.isInstance(error) && error.storageCode).toBe('EACCES');
    await mkdir(join(base, 'carol'));
    const session = await connector.openSession({ username: 'carol' }, createTestPluginContext());
    expect(await session.stat('/', noAbort)).toMatchObject({ type: 'directory' });
  });

  it('narrows a session to its rootDirectory, made when missing unless createRoot is false, never through a dangling link', async () => {
    const connector = createFsStorage({ root: base, fsync: false });
    const first = await connector.openSession({ username: 'alice', rootDirectory: '/home/alice' }, createTestPluginContext());
    await first.write('/a.txt', chunksOf(bytesFrom('alice')), { ...noAbort, offset: 0 });
    expect(await readFile(join(base, 'home', 'alice', 'a.txt'), 'utf8')).toBe('alice');
    const again = await connector.openSession({ username: 'alice', rootDirectory: '/home/alice' }, createTestPluginContext());
    expect((await collect(again.list('/', noAbort))).map((entry) => entry.name)).toEqual(['a.txt']);

    const strict = createFsStorage({ root: base, createRoot: false });
    expect(await storageCodeOf(() => strict.openSession({ username: 'bob', rootDirectory: '/home/bob' }, createTestPluginContext()))).toBe(
      'EACCES',
    );
    expect(await readdir(join(base, 'home'))).toEqual(['alice']);
    await symlink('nowhere', join(base, 'dangling'));
    expect(
      await storageCodeOf(() => connector.openSession({ username: 'eve', rootDirectory: '/dangling/x' }, createTestPluginContext())),
    ).toBe('EACCES');
    expect((await readdir(base)).sort()).toEqual(['dangling', 'home']);
  });

  it('uses a root chosen by a function of the user', async () => {
    const connector = createFsStorage({ root: (user) => join(base, `home-${user.username}`) });
    const session = await connector.openSession({ username: 'dave' }, createTestPluginContext());
    await session.makeDirectory('/made', noAbort);
    expect((await stat(join(base, 'home-dave', 'made'))).isDirectory()).toBe(true);
  });

  it('rejects invalid options when created', () => {
    expect(() => createFsStorage({ root: 'relative/path' })).toThrow(InvalidOptionError);
    expect(() => createFsStorage({ root: base, temporaryPrefix: 'a/b' })).toThrow(InvalidOptionError);
    expect(() => createFsStorage({ root: base, readChunkBytes: 0 })).toThrow(InvalidOptionError);
    expect(() => createFsStorage({ root: base, fileMode: 0o10000 })).toThrow(InvalidOptionError);
  });

  it('closes the file when a reader stops early', async () => {
    const connector = createFsStorage({ root: base, readChunkBytes: 1024 });
    const session = await connector.openSession({ username: 'erin' }, createTestPluginContext());
    await writeFile(join(base, 'big.bin'), Buffer.alloc(1024 * 1024, 7));
    const openDescriptors = async () => (await readdir('/proc/self/fd')).length;
    const before = await openDescriptors();
    for (let attempt = 0; attempt < 50; attempt += 1) {
      for await (const chunk of await session.read('/big.bin', { ...noAbort, offset: 0 })) {
        expect(chunk.byteLength).toBe(1024);
        break;
      }
    }
    expect(await openDescriptors()).toBeLessThan(before + 5);
  });

  it('lists a directory of more batches than the workers hold at once, each entry once with its size', async () => {
    // 7,000 entries: more than the 512-name batches in flight (four with two workers, six with four), so batches are
    // refilled while earlier ones are still being stat'ed, and must still come out whole and in order.
    const connector = createFsStorage({ root: base });
    const session = await connector.openSession({ username: 'erin' }, createTestPluginContext());
    await mkdir(join(base, 'many'));
    const names = Array.from({ length: 7_000 }, (_, index) => `entry-${index}.txt`);
    await Promise.all(names.map((name, index) => writeFile(join(base, 'many', name), 'x'.repeat(index % 7))));
    const listed = await collect(session.list('/many', noAbort));
    expect(listed.map((entry) => entry.name).sort()).toEqual([...names].sort());
    for (const entry of listed) expect(entry.size).toBe(Number(/\d+/.exec(entry.name)![0]) % 7);
    // Batches come back in the order they were read, so the listing keeps the directory's own order (opendir's;
    // readdir sorts its names).
    const directoryOrder: string[] = [];
    for await (const dirent of await opendir(join(base, 'many'))) directoryOrder.push(dirent.name);
    expect(listed.map((entry) => entry.name)).toEqual(directoryOrder);
  });

  it('tells RETR the size of the file it opened, from any offset', async () => {
    const connector = createFsStorage({ root: base });
    const session = await connector.openSession({ username: 'erin' }, createTestPluginContext());
    await writeFile(join(base, 'sized.bin'), Buffer.alloc(5000, 1));
    for (const offset of [0, 4000, 5000]) {
      const source = await session.read('/sized.bin', { ...noAbort, offset });
      expect(source.size).toBe(5000);
      let bytes = 0;
      for await (const chunk of source) bytes += chunk.byteLength;
      expect(bytes).toBe(5000 - offset);
    }
  });
  it('writes REST+STOR and APPE in place and hides its temporary prefix', async () => {
    const connector = createFsStorage({ root: base, temporaryPrefix: '.partial-' });
    const session = await connector.openSession({ username: 'frank' }, createTestPluginContext());
    await writeFile(join(base, 'resume.bin'), '0123456789');
    await writeFile(join(base, '.partial-leftover'), 'stale');
    await session.write('/resume.bin', chunksOf(bytesFrom('XY')), { ...noAbort, offset: 3 });
    expect(await readFile(join(base, 'resume.bin'), 'utf8')).toBe('012XY');
    await session.append?.('/resume.bin', chunksOf(bytesFrom('!')), noAbort);
    expect(textFrom(await collectBytes(await session.read('/resume.bin', { ...noAbort, offset: 0 })))).toBe('012XY!');
    expect((await collect(session.list('/', noAbort))).map((entry) => entry.name)).toEqual(['resume.bin']);
    expect(await storageCodeOf(() => session.stat('/.partial-leftover', noAbort))).toBe('EBADNAME');
  });

  it('refuses virtual paths that are relative or contain ".." or NUL', async () => {
    const connector = createFsStorage({ root: base });
    const session = await connector.openSession({ username: 'gina' }, createTestPluginContext());
    for (const path of ['relative.txt', '/../outside', '/a/../../b', '/nul\0.txt']) {
      expect(await storageCodeOf(() => session.stat(path, noAbort))).toBe('EBADNAME');
    }
  });
});

describe('fsync after an upload', () => {
  /** Uploads one file under `base` with `fsync: true`; returns how often the calls the session got for it fsynced. */
  async function fsyncsOfUpload(base: string): Promise<number> {
    const fsync = vi.spyOn(callsForRoot(eventLoopCalls, base), 'fsync');
    try {
      const connector = createFsStorage({ root: base, fsync: true });
      const session = await connector.openSession({ username: 'alice' }, createTestPluginContext());
      await session.write('/file.txt', chunksOf(bytesFrom('stored')), { ...noAbort, offset: 0 });
      expect(await readFile(join(base, 'file.txt'), 'utf8')).toBe('stored');
      return fsync.mock.calls.length;
    } finally {
      fsync.mockRestore();
      await rm(base, { recursive: true, force: true });
    }
  }
  const onMemoryFileSystem = (directory: string): boolean => callsForRoot(eventLoopCalls, directory) === memoryFileSystemCalls;

  it.skipIf(!onMemoryFileSystem('/dev/shm'))('is skipped on tmpfs, where it has nothing to flush', async () => {
    expect(await fsyncsOfUpload(await mkdtemp(join('/dev/shm', 'storage-fs-fsync-')))).toBe(0);
  });

  it.skipIf(onMemoryFileSystem(tmpdir()))('syncs the file and its directory on a disk', async () => {
    expect(await fsyncsOfUpload(await mkdtemp(join(tmpdir(), 'storage-fs-fsync-')))).toBe(2);
  });
});

describe('read releases the file', () => {
  it('closes the file when the transfer stops before reading anything (return() before next())', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ftp-fs-early-return-'));
    try {
      await writeFile(join(root, 'f.bin'), Buffer.alloc(100_000, 1));
      const storage = createFsStorage({ root });
      const session = await storage.openSession({ username: 'u' }, createTestPluginContext());
      const descriptorsBefore = (await readdir('/proc/self/fd')).length;
      for (let index = 0; index < 20; index++) {
        const source = await session.read('/f.bin', { offset: 0, signal: new AbortController().signal });
        await source[Symbol.asyncIterator]().return?.();
      }
      expect((await readdir('/proc/self/fd')).length).toBeLessThanOrEqual(descriptorsBefore + 2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('orphaned upload temporaries', () => {
  it('are reclaimed at start when old, while the temporary of a running upload stays', async () => {
    const root = await mkdtemp(join(tmpdir(), 'storage-fs-reclaim-'));
    try {
      await mkdir(join(root, 'nested'));
      const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await writeFile(join(root, 'nested', '.ftp-upload-crashed'), 'left by a crash');
      await utimes(join(root, 'nested', '.ftp-upload-crashed'), old, old);
      await writeFile(join(root, '.ftp-upload-recent'), 'maybe another process');

      // An upload that has sent its first chunk and waits: its temporary exists, and is made to look old too.
      const uploader = await createFsStorage({ root, reclaimTemporaries: false }).openSession({ username: 'u' }, createTestPluginContext());
      const more = createDeferred();
      const firstWritten = createDeferred();
      async function* stalled(): AsyncGenerator<Uint8Array> {
        yield bytesFrom('first ');
        firstWritten.resolve();
        await more.promise;
        yield bytesFrom('second');
      }
      const writing = uploader.write('/running.txt', stalled(), { ...noAbort, offset: 0 });
      await firstWritten.promise;
      const running = (await readdir(root)).find((name) => name.startsWith('.ftp-upload-') && name !== '.ftp-upload-recent')!;
      expect(running).toBeDefined();
      await utimes(join(root, running), old, old);

      const logged: Array<Record<string, unknown>> = [];
      const reclaimed = createDeferred<{ files: number; bytes: number }>();
      const logger = { ...silentLogger, info: (fields: Record<string, unknown>) => logged.push(fields) };
      const connector = createFsStorage({ root, logger, onTemporariesReclaimed: (event) => reclaimed.resolve(event) });
      expect(await reclaimed.promise).toEqual({ files: 1, bytes: 'left by a crash'.length });
      expect(logged).toEqual([expect.objectContaining({ root, files: 1 })]);
      expect(await readdir(join(root, 'nested'))).toEqual([]);
      expect((await readdir(root)).sort()).toEqual(['.ftp-upload-recent', running, 'nested'].sort());

      more.resolve();
      await writing;
      expect(await readFile(join(root, 'running.txt'), 'utf8')).toBe('first second');
      await connector.close?.();
      await uploader.close?.();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('sweeps the directory that holds the per-user roots, and can be turned off', async () => {
    const base = await mkdtemp(join(tmpdir(), 'storage-fs-reclaim-users-'));
    try {
      await mkdir(join(base, 'carol'));
      const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await writeFile(join(base, 'carol', '.ftp-upload-x'), 'x');
      await utimes(join(base, 'carol', '.ftp-upload-x'), old, old);
      const off = createFsStorage({ root: join(base, '{user}'), reclaimTemporaries: false });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await readdir(join(base, 'carol'))).toEqual(['.ftp-upload-x']);
      await off.close?.();
      const reclaimed = createDeferred<{ files: number; bytes: number }>();
      const on = createFsStorage({ root: join(base, '{user}'), onTemporariesReclaimed: (event) => reclaimed.resolve(event) });
      expect(await reclaimed.promise).toEqual({ files: 1, bytes: 1 });
      expect(await readdir(join(base, 'carol'))).toEqual([]);
      await on.close?.();
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
