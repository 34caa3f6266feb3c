import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FtpError, StorageError, type AuthenticatedUser, type StorageConnectorV1, type StorageSessionV1 } from '@ftp/plugin-api';
import {
  bytesFrom,
  chunksOf,
  collect,
  collectBytes,
  createTestPluginContext,
  noAbort,
  storageCodeOf,
  textFrom,
} from '@ftp/plugin-api/testing';
import { createFsStorage } from '@ftp/storage-fs';
import { createS3Storage } from '@ftp/storage-s3';
import { tempDirectory } from '@ftp/test-utils';
import { deletePrefix, listKeys, prefixOf, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { createMountedStorage, type MountedStorageOptions } from '../src/index.ts';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy.ts';

// The mounted tree over real stores: "/" a directory on disk, "/archive" a prefix of the test S3 bucket, "/shared"
// another directory on disk, and "/team/docs" a mount whose parent exists in no store.

let s3: TestS3;
let proxy: CuttingProxy;
beforeAll(async () => {
  s3 = await startTestS3();
  proxy = await startCuttingProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
});

interface Tree {
  readonly session: StorageSessionV1;
  readonly connector: StorageConnectorV1;
  readonly home: string;
  readonly shared: string;
  readonly prefix: string;
}

async function openTree(
  change: (mounts: MountedStorageOptions['mounts']) => MountedStorageOptions = (mounts) => ({ mounts }),
  user: AuthenticatedUser = { username: 'alice' },
): Promise<Tree> {
  const home = await tempDirectory('storage-mounts-home-');
  const shared = await tempDirectory('storage-mounts-shared-');
  const docs = await tempDirectory('storage-mounts-docs-');
  proxy.cutAfterBytes = Number.POSITIVE_INFINITY;
  const options = s3.options({ endpoint: proxy.endpoint });
  const connector = createMountedStorage(
    change({
      '/': createFsStorage({ root: home }),
      '/archive': createS3Storage(options),
      '/shared': createFsStorage({ root: shared }),
      '/team/docs': createFsStorage({ root: docs }),
    }),
  );
  const session = await connector.openSession(user, createTestPluginContext());
  onTestFinished(async () => {
    await session.close?.();
    await connector.close?.();
    await deletePrefix(s3, prefixOf(options));
  });
  return { session, connector, home, shared, prefix: prefixOf(options) };
}

const write = (session: StorageSessionV1, path: string, content: string | Uint8Array) =>
  session.write(path, chunksOf(typeof content === 'string' ? bytesFrom(content) : content), { ...noAbort, offset: 0 });
const readText = async (session: StorageSessionV1, path: string) =>
  textFrom(await collectBytes(await session.read(path, { ...noAbort, offset: 0 })));
const names = async (session: StorageSessionV1, path: string) =>
  (await collect(session.list(path, noAbort))).map((entry) => entry.name).sort();

/** The reply code and text an FtpError (not a StorageError) carries, or the failure. */
async function replyOf(operation: () => Promise<unknown>): Promise<string> {
  try {
    await operation();
  } catch (error) {
    if (FtpError.isInstance(error) && error.code !== 'FTP_ERR_STORAGE') return `${error.replyCode} ${error.message}`;
    throw error;
  }
  throw new Error('the operation succeeded');
}

describe('the tree', () => {
  it('lists mount points in their parent as directories, hiding what the store above has there', async () => {
    const { session, home } = await openTree();
    await writeFile(join(home, 'notes.txt'), 'home');
    await writeFile(join(home, 'archive'), 'a file the mount hides');
    await mkdir(join(home, 'team'));
    await writeFile(join(home, 'team', 'plan.txt'), 'plan');
    expect(await names(session, '/')).toEqual(['archive', 'notes.txt', 'shared', 'team']);
    const entries = await collect(session.list('/', noAbort));
    for (const name of ['archive', 'shared', 'team']) expect(entries.find((entry) => entry.name === name)?.type, name).toBe('directory');
    expect(await names(session, '/team')).toEqual(['docs', 'plan.txt']);
    expect(await session.stat('/archive', noAbort)).toMatchObject({ name: 'archive', type: 'directory' });
    expect(await session.stat('/team/docs', noAbort)).toMatchObject({ name: 'docs', type: 'directory' });
    expect(await session.stat('/', noAbort)).toMatchObject({ name: '/', type: 'directory' });
  });

  it('makes the directories leading to a mount point when no store has them', async () => {
    const { session } = await openTree();
    expect(await names(session, '/')).toEqual(['archive', 'shared', 'team']);
    expect(await session.stat('/team', noAbort)).toMatchObject({ name: 'team', type: 'directory' });
    expect(await names(session, '/team')).toEqual(['docs']);
    await write(session, '/team/docs/readme.txt', 'docs');
    expect(await names(session, '/team/docs')).toEqual(['readme.txt']);
  });

  it('sends each path to the deepest mount containing it', async () => {
    const { session, home, shared, prefix } = await openTree();
    await write(session, '/home.txt', 'on disk');
    await write(session, '/archive/2024.txt', 'in the bucket');
    await session.makeDirectory('/shared/reports', noAbort);
    await write(session, '/shared/reports/q1.txt', 'shared');
    expect(await readFile(join(home, 'home.txt'), 'utf8')).toBe('on disk');
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}2024.txt`]);
    expect(await readFile(join(shared, 'reports', 'q1.txt'), 'utf8')).toBe('shared');
    expect(await readText(session, '/archive/2024.txt')).toBe('in the bucket');
    expect(await names(session, '/archive')).toEqual(['2024.txt']);
    expect(await storageCodeOf(() => session.stat('/archive/home.txt', noAbort))).toBe('ENOENT');
  });

  it('keeps mount points and the directories leading to them out of reach of changes', async () => {
    const { session } = await openTree();
    expect(await storageCodeOf(() => session.removeDirectory('/archive', noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.removeDirectory('/team', noAbort))).toBe('ENOTEMPTY');
    expect(await storageCodeOf(() => session.delete('/archive', noAbort))).toBe('EISDIR');
    expect(await storageCodeOf(() => session.makeDirectory('/shared', noAbort))).toBe('EEXIST');
    expect(await storageCodeOf(() => session.makeDirectory('/team', noAbort))).toBe('EEXIST');
    expect(await storageCodeOf(() => write(session, '/archive', 'x'))).toBe('EISDIR');
    expect(await storageCodeOf(() => session.read('/team', { ...noAbort, offset: 0 }))).toBe('EISDIR');
    await write(session, '/file.txt', 'x');
    expect(await storageCodeOf(() => session.rename!('/archive', '/elsewhere', noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.rename!('/team', '/elsewhere', noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.rename!('/file.txt', '/shared', noAbort))).toBe('EACCES');
    expect(await names(session, '/')).toEqual(['archive', 'file.txt', 'shared', 'team']);
  });
});

describe('capabilities per mount', () => {
  it('offers what one mount can do, and refuses it with 502 on a mount that cannot', async () => {
    const { session } = await openTree();
    await write(session, '/here.txt', 'x');
    await write(session, '/archive/there.txt', 'x');
    const time = new Date('2021-06-01T10:00:00Z');
    await session.setModifiedTime!('/here.txt', time, noAbort);
    expect((await session.stat('/here.txt', noAbort)).modifiedAt.getTime()).toBe(time.getTime());
    expect(await replyOf(() => session.setModifiedTime!('/archive/there.txt', time, noAbort))).toBe(
      '502 MFMT is not supported on the mount /archive.',
    );
    expect(await replyOf(() => session.setMode!('/archive/there.txt', 0o600, noAbort))).toBe(
      '502 SITE CHMOD is not supported on the mount /archive.',
    );
    expect(await replyOf(() => session.freeSpace!('/archive', noAbort))).toBe('502 AVBL is not supported on the mount /archive.');
    expect(await session.freeSpace!('/shared', noAbort)).toBeGreaterThan(0);
    await session.append!('/archive/there.txt', chunksOf(bytesFrom('y')), noAbort);
    expect(await readText(session, '/archive/there.txt')).toBe('xy');
  });

  it('offers no optional method that no mount has', async () => {
    const [root, more] = [s3.options(), s3.options()];
    const connector = createMountedStorage({ mounts: { '/': createS3Storage(root), '/more': createS3Storage(more) } });
    const session = await connector.openSession({ username: 'alice' }, createTestPluginContext());
    onTestFinished(async () => {
      await session.close?.();
      await connector.close?.();
    });
    expect(session.setModifiedTime).toBeUndefined();
    expect(session.setMode).toBeUndefined();
    expect(session.freeSpace).toBeUndefined();
    expect(typeof session.rename).toBe('function');
  });
});

describe('moving a file between mounts', () => {
  it('copies it whole to the target mount, then deletes the source, both ways', async () => {
    const { session, home, prefix } = await openTree();
    const content = randomBytes(3 * 1024 * 1024 + 7);
    await write(session, '/big.bin', content);
    await session.rename!('/big.bin', '/archive/big.bin', noAbort);
    expect(await readdir(home)).toEqual([]);
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}big.bin`]);
    expect(Buffer.from(await collectBytes(await session.read('/archive/big.bin', { ...noAbort, offset: 0 }))).equals(content)).toBe(true);
    await session.makeDirectory('/back', noAbort);
    await session.rename!('/archive/big.bin', '/back/again.bin', noAbort);
    expect(await listKeys(s3, prefix)).toEqual([]);
    expect((await readFile(join(home, 'back', 'again.bin'))).equals(content)).toBe(true);
  });

  it('replaces a file at the target, and refuses a directory there (EEXIST) or a missing source (ENOENT)', async () => {
    const { session } = await openTree();
    await write(session, '/new.txt', 'new');
    await write(session, '/shared/old.txt', 'old');
    await session.rename!('/new.txt', '/shared/old.txt', noAbort);
    expect(await readText(session, '/shared/old.txt')).toBe('new');
    await write(session, '/file.txt', 'stays');
    await session.makeDirectory('/shared/folder', noAbort);
    expect(await storageCodeOf(() => session.rename!('/file.txt', '/shared/folder', noAbort))).toBe('EEXIST');
    expect(await storageCodeOf(() => session.rename!('/missing.txt', '/shared/missing.txt', noAbort))).toBe('ENOENT');
    expect(await readText(session, '/file.txt')).toBe('stays');
  });

  it('refuses a directory with 553, and a mount configured without it with 553, changing nothing', async () => {
    const { session } = await openTree((mounts) => ({
      mounts: { ...mounts, '/shared': { connector: mounts['/shared'] as StorageConnectorV1, crossMountRename: false } },
    }));
    await session.makeDirectory('/folder', noAbort);
    await write(session, '/folder/inside.txt', 'x');
    expect(await replyOf(() => session.rename!('/folder', '/archive/folder', noAbort))).toBe(
      '553 Cannot move a directory between the mounts / and /archive.',
    );
    await write(session, '/file.txt', 'x');
    expect(await replyOf(() => session.rename!('/file.txt', '/shared/file.txt', noAbort))).toBe(
      '553 Cannot move between the mounts / and /shared.',
    );
    expect(await names(session, '/')).toEqual(['archive', 'file.txt', 'folder', 'shared', 'team']);
    expect(await names(session, '/shared')).toEqual([]);
    expect(await names(session, '/archive')).toEqual([]);
    // Within the mount, renaming stays the store's own.
    await write(session, '/shared/a.txt', 'a');
    await session.rename!('/shared/a.txt', '/shared/b.txt', noAbort);
    expect(await names(session, '/shared')).toEqual(['b.txt']);
  });

  it('leaves the target as it was and the source in place when the copy fails midway', async () => {
    const { session, home, prefix } = await openTree();
    const content = randomBytes(3 * 1024 * 1024);
    await write(session, '/upload.bin', content);
    await write(session, '/archive/upload.bin', 'the old content');
    // Every connection to S3 is cut once it carried 1 MiB: the upload of the copy (and the SDK's retries) fail.
    proxy.cutAfterBytes = 1024 * 1024;
    const cutsBefore = proxy.cuts;
    expect(await storageCodeOf(() => session.rename!('/upload.bin', '/archive/upload.bin', noAbort))).toBe('EUNAVAILABLE');
    expect(proxy.cuts).toBeGreaterThan(cutsBefore);
    proxy.cutAfterBytes = Number.POSITIVE_INFINITY;
    expect((await readFile(join(home, 'upload.bin'))).equals(content)).toBe(true);
    expect(await readText(session, '/archive/upload.bin')).toBe('the old content');
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}upload.bin`]);
  });
});

describe('mounts from the user record', () => {
  const named = async () => {
    const team = await tempDirectory('storage-mounts-team-');
    const home = await tempDirectory('storage-mounts-home-');
    const connector = createMountedStorage({
      connectors: { team: createFsStorage({ root: team }) },
      mounts: { '/': createFsStorage({ root: home }) },
    });
    onTestFinished(() => connector.close?.());
    return { connector, team, home };
  };

  it('adds the mounts a user record names, each rooted where it says ("{user}" is the user name)', async () => {
    const { connector, team } = await named();
    await mkdir(join(team, 'projects', 'alice'), { recursive: true });
    await writeFile(join(team, 'projects', 'alice', 'mine.txt'), 'alice');
    await writeFile(join(team, 'top.txt'), 'top');
    const user: AuthenticatedUser = {
      username: 'alice',
      attributes: { mounts: { '/team': 'team', '/projects': { connector: 'team', rootDirectory: '/projects/{user}' } } },
    };
    const session = await connector.openSession(user, createTestPluginContext());
    onTestFinished(() => session.close?.());
    expect(await names(session, '/')).toEqual(['projects', 'team']);
    expect(await names(session, '/projects')).toEqual(['mine.txt']);
    expect(await names(session, '/team')).toEqual(['projects', 'top.txt']);
    expect(await storageCodeOf(() => session.stat('/projects/top.txt', noAbort))).toBe('ENOENT');
  });

  it('refuses the session for mounts it cannot read, rather than drop or guess them', async () => {
    const { connector } = await named();
    for (const mounts of [
      { '/x': 'unknown' },
      { 'relative/path': 'team' },
      { '/a/../b': 'team' },
      { '/x': { rootDirectory: '/' } },
      { '/x': { connector: 'team', rootDirectory: '/../up' } },
      'not an object',
      ['/x'],
    ]) {
      const refused = await storageCodeOf(() =>
        connector.openSession({ username: 'alice', attributes: { mounts } }, createTestPluginContext()),
      );
      expect(refused, JSON.stringify(mounts)).toBe('EACCES');
    }
  });

  it('jails the "/" mount in the user\'s root directory', async () => {
    const { connector, home } = await named();
    await mkdir(join(home, 'users', 'bob'), { recursive: true });
    await writeFile(join(home, 'users', 'bob', 'bob.txt'), 'bob');
    await writeFile(join(home, 'top.txt'), 'top');
    const session = await connector.openSession(
      { username: 'bob', rootDirectory: '/users/bob', attributes: { mounts: { '/team': 'team' } } },
      createTestPluginContext(),
    );
    onTestFinished(() => session.close?.());
    expect(await names(session, '/')).toEqual(['bob.txt', 'team']);
    expect(await storageCodeOf(() => session.stat('/top.txt', noAbort))).toBe('ENOENT');
  });
});

describe('options', () => {
  it('names the option at fault', () => {
    const fs = createFsStorage({ root: '/nonexistent-mount-root' });
    expect(() => createMountedStorage({ mounts: { '/archive': fs } })).toThrow(/mounts: must mount "\/"/);
    expect(() => createMountedStorage({ mounts: { '/': fs, archive: fs } })).toThrow(/mounts\.archive: a mount point is an absolute path/);
    expect(() => createMountedStorage({ mounts: { '/': fs, '/a/': fs, '/a': fs } })).toThrow(/mounts \/a twice/);
    expect(() => createMountedStorage({ mounts: { '/': 'local' } })).toThrow(/names the connector "local", which is not in connectors/);
    expect(() => createMountedStorage({ mounts: { '/': { connector: {} as StorageConnectorV1 } } })).toThrow(/mounts\.\/\.connector/);
    expect(() => createMountedStorage({ mounts: { '/': 42 as unknown as string } })).toThrow(/mounts\.\/: a mount is a connector/);
  });
});

describe('quota folders', () => {
  const storage = async (options: Omit<MountedStorageOptions, 'connectors'>) => {
    const team = await tempDirectory('storage-mounts-team-');
    const connector = createMountedStorage({ connectors: { team: createFsStorage({ root: team }) }, ...options });
    onTestFinished(() => connector.close?.());
    return connector;
  };
  const open = async (connector: StorageConnectorV1, user: AuthenticatedUser) => {
    const session = await connector.openSession(user, createTestPluginContext());
    onTestFinished(() => session.close?.());
    return session;
  };
  const disk = async () => createFsStorage({ root: await tempDirectory('storage-mounts-disk-') });

  it('names each mount with a quota at its mount point, "{user}" in the folder replaced by the user name', async () => {
    const connector = await storage({
      mounts: {
        '/': await disk(),
        '/archive': { connector: await disk(), quota: { folder: 'archive-{user}', maxBytes: 1000 } },
        '/shared': { connector: 'team', quota: { folder: 'team', maxFiles: 5 } },
        '/shared/plain': await disk(),
      },
    });
    const alice = await open(connector, { username: 'alice' });
    expect(alice.quotaFolders?.()).toEqual([
      { name: 'archive-alice', path: '/archive', maxBytes: 1000 },
      { name: 'team', path: '/shared', maxFiles: 5 },
    ]);
    const bob = await open(connector, {
      username: 'bob',
      attributes: {
        mounts: { '/projects': { connector: 'team', rootDirectory: '/projects', quota: { folder: 'projects', maxBytes: 0, maxFiles: 0 } } },
      },
    });
    expect(bob.quotaFolders?.()).toEqual([
      { name: 'archive-bob', path: '/archive', maxBytes: 1000 },
      { name: 'team', path: '/shared', maxFiles: 5 },
      { name: 'projects', path: '/projects', maxBytes: 0, maxFiles: 0 },
    ]);
  });

  it('offers no quotaFolders method when no mount of the session has a quota', async () => {
    const connector = await storage({ mounts: { '/': await disk(), '/archive': await disk() } });
    expect((await open(connector, { username: 'alice' })).quotaFolders).toBeUndefined();
    const withQuota = await open(connector, {
      username: 'bob',
      attributes: { mounts: { '/team': { connector: 'team', quota: { folder: 'team' } } } },
    });
    expect(withQuota.quotaFolders?.()).toEqual([{ name: 'team', path: '/team' }]);
    // A user record's mount without a quota that replaces one with a quota leaves its files to the user's quota.
    const replacing = await storage({ mounts: { '/': await disk(), '/archive': { connector: await disk(), quota: { folder: 'a' } } } });
    expect((await open(replacing, { username: 'carol', attributes: { mounts: { '/archive': 'team' } } })).quotaFolders).toBeUndefined();
  });

  it("names the operator's quota option at fault, and one folder given two sets of limits", async () => {
    const fs = await disk();
    const failure = (mounts: MountedStorageOptions['mounts']) => {
      try {
        createMountedStorage({ mounts });
      } catch (error) {
        return error instanceof Error ? `${error.name} ${error.message}` : String(error);
      }
      return 'accepted';
    };
    expect(failure({ '/': fs, '/a': { connector: fs, quota: { folder: '' } } })).toBe(
      "InvalidOptionError mounts./a.quota.folder: must be a non-empty string, the name of the quota's account",
    );
    expect(failure({ '/': fs, '/a': { connector: fs, quota: { folder: 'a', maxBytes: -5 } } })).toBe(
      'InvalidOptionError mounts./a.quota.maxBytes: must be a non-negative integer',
    );
    expect(failure({ '/': fs, '/a': { connector: fs, quota: 'a' as never } })).toBe(
      'InvalidOptionError mounts./a.quota: a quota is { folder, maxBytes?, maxFiles? }',
    );
    expect(failure({ '/': fs, '/a': { connector: fs, quota: { folder: 'a', maxFile: 3 } as never } })).toBe(
      'InvalidOptionError mounts./a.quota.maxFile: is not an option of a quota (folder, maxBytes, maxFiles)',
    );
    expect(
      failure({
        '/': fs,
        '/a': { connector: fs, quota: { folder: 'team', maxBytes: 10 } },
        '/b': { connector: fs, quota: { folder: 'team', maxBytes: 20 } },
      }),
    ).toBe(
      'InvalidOptionError mounts./b.quota: names the folder "team" of the mount /a with other limits; one folder has one set of limits',
    );
    expect(
      failure({
        '/': fs,
        '/a': { connector: fs, quota: { folder: 'x-{user}' } },
        '/b': { connector: fs, quota: { folder: 'x-alice', maxFiles: 1 } },
      }),
    ).toMatch(/^InvalidOptionError mounts\.\/b\.quota: names the folder "x-alice" of the mount \/a with other limits/);
    // The same limits are one folder seen at two mount points.
    expect(
      failure({
        '/': fs,
        '/a': { connector: fs, quota: { folder: 'team', maxBytes: 10 } },
        '/b': { connector: fs, quota: { folder: 'team', maxBytes: 10 } },
      }),
    ).toBe('accepted');
  });

  it("refuses the session of a user record whose quota cannot be read or gives an operator's folder other limits", async () => {
    const connector = await storage({
      mounts: {
        '/': await disk(),
        '/archive': { connector: await disk(), quota: { folder: 'archive-{user}', maxBytes: 1000 } },
        '/shared': { connector: 'team', quota: { folder: 'team', maxFiles: 5 } },
      },
    });
    const refusals: [unknown, string][] = [
      [{ folder: '' }, 'quota.folder: must be a non-empty string'],
      [{ folder: 'mine', maxFiles: -1 }, 'quota.maxFiles: must be a non-negative integer'],
      [{ folder: 'mine', limit: 1 }, 'quota.limit: is not an option of a quota'],
      [[], 'quota: a quota is'],
      [{ folder: 'team', maxFiles: 6 }, '/mine gives the quota folder "team" other limits than the mount /shared'],
      [{ folder: 'team' }, '/mine gives the quota folder "team" other limits than the mount /shared'],
      [{ folder: 'archive-{user}', maxBytes: 1 }, '/mine gives the quota folder "archive-alice" other limits than the mount /archive'],
      // Another user's per-user folder is the same account too.
      [{ folder: 'archive-bob' }, '/mine gives the quota folder "archive-bob" other limits than the mount /archive'],
    ];
    for (const [quota, reason] of refusals) {
      const user = { username: 'alice', attributes: { mounts: { '/mine': { connector: 'team', quota } } } };
      const refused = await connector.openSession(user, createTestPluginContext()).then(
        () => 'opened',
        (error: unknown) => error,
      );
      expect(StorageError.isInstance(refused) && refused.storageCode, JSON.stringify(quota)).toBe('EACCES');
      expect((refused as Error).message, JSON.stringify(quota)).toContain(reason);
    }
    // The operator's limits, restated, are the same account.
    const same = await open(connector, {
      username: 'alice',
      attributes: { mounts: { '/mine': { connector: 'team', quota: { folder: 'team', maxFiles: 5 } } } },
    });
    expect(same.quotaFolders?.().map((folder) => `${folder.name}@${folder.path}`)).toEqual([
      'archive-alice@/archive',
      'team@/shared',
      'team@/mine',
    ]);
  });

  it('gives no session to a user whose name cannot stand for "{user}" in a folder name', async () => {
    const connector = await storage({
      mounts: { '/': await disk(), '/archive': { connector: await disk(), quota: { folder: 'archive-{user}' } } },
    });
    for (const username of ['..', 'a/b', 'a\\b']) {
      expect(await storageCodeOf(() => connector.openSession({ username }, createTestPluginContext())), username).toBe('EACCES');
    }
  });
});
