import { randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QuotaFolder, SharedStateV1, StorageConnectorV1 } from '@ftp/plugin-api';
import { createFsStorage } from '@ftp/storage-fs';
import { greetedRawSession, rawTransfer, tempDirectory, type RawSession } from '@ftp/test-utils';
import { describe, expect, it } from 'vitest';
import { createMemorySharedState, type FtpServer } from '../src/index.ts';
import { loginAs, profileAuthenticator } from './support/profiles.ts';
import { startServer } from './support/index.ts';

/**
 * The disk at `root`, whose sessions name `folders` as quota folders (or answer `quotaFolders` with the function), as a
 * storage that mounts stores with quotas of their own does (this package cannot depend on one, so the folders are
 * added to the disk's sessions here).
 */
type FolderList = readonly QuotaFolder[] | (() => readonly QuotaFolder[]);

function diskWithQuotaFolders(root: string, folders: FolderList): StorageConnectorV1 {
  const disk = createFsStorage({ root, fsync: false });
  return {
    specificationVersion: 'v1',
    name: 'disk with quota folders',
    appliesRootDirectory: true,
    async openSession(user, context) {
      const session = await disk.openSession(user, context);
      return new Proxy(session, {
        get(target, key) {
          if (key === 'quotaFolders') return typeof folders === 'function' ? folders : () => folders;
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
        has: (target, key) => key === 'quotaFolders' || Reflect.has(target, key),
      });
    },
  };
}

/**
 * A server on the disk at a new temp dir, with `directories` made in it, whose sessions name `folders` as quota folders
 * and whose users have the given profiles.
 */
async function startWithFolders(
  folders: FolderList,
  users: Parameters<typeof profileAuthenticator>[0],
  options: { readonly directories?: readonly string[]; readonly sharedState?: SharedStateV1 } = {},
): Promise<{ readonly root: string; readonly port: number; readonly server: FtpServer }> {
  const root = await tempDirectory();
  for (const directory of options.directories ?? []) await mkdir(join(root, directory), { recursive: true });
  const { port, server } = await startServer({
    storage: diskWithQuotaFolders(root, folders),
    authenticator: profileAuthenticator(users),
    ...(options.sharedState === undefined ? {} : { sharedState: options.sharedState }),
  });
  return { root, port, server };
}

async function quotaLines(session: RawSession): Promise<string> {
  const reply = await session.command('SITE QUOTA');
  expect(reply.code).toBe(200);
  return reply.text;
}

async function move(session: RawSession, from: string, to: string): Promise<number> {
  expect((await session.command(`RNFR ${from}`)).code).toBe(350);
  return (await session.command(`RNTO ${to}`)).code;
}

describe('quota folders', () => {
  it('count a folder against its own limits, apart from the user quota, and leave no file behind a refused upload', async () => {
    const { root, port } = await startWithFolders(
      [{ name: 'team', path: '/shared', maxBytes: 100_000 }],
      { bob: { quota: { maxBytes: 1_000_000 } } },
      { directories: ['shared'] },
    );
    const session = await loginAs(port, 'bob');
    expect((await rawTransfer(session, 'STOR shared/big.bin', randomBytes(150_000))).final?.code).toBe(552);
    expect(await readdir(join(root, 'shared'))).toEqual([]);
    expect((await rawTransfer(session, 'STOR big.bin', randomBytes(150_000))).final?.code).toBe(226);
    expect((await rawTransfer(session, 'STOR shared/small.bin', randomBytes(60_000))).final?.code).toBe(226);
    const lines = await quotaLines(session);
    expect(lines).toContain('Quota: 150000 of 1000000 bytes, 1 of unlimited files.');
    expect(lines).toContain('Quota of folder team at /shared: 60000 of 100000 bytes, 1 of unlimited files.');
    // AVBL in the folder is what the folder's quota leaves (the disk has far more free space).
    expect((await session.command('AVBL shared')).text).toBe('213 40000');
    expect((await session.command('AVBL /')).text).toBe('213 850000');
    expect((await session.command('DELE shared/small.bin')).code).toBe(250);
    expect(await quotaLines(session)).toContain('Quota of folder team at /shared: 0 of 100000 bytes, 0 of unlimited files.');
  });

  it('share one account between the users whose trees have the folder', async () => {
    const { port } = await startWithFolders(
      [{ name: 'team', path: '/shared', maxBytes: 100_000, maxFiles: 3 }],
      { alice: {}, bob: {} },
      { directories: ['shared'] },
    );
    const alice = await loginAs(port, 'alice');
    const bob = await loginAs(port, 'bob');
    expect((await rawTransfer(alice, 'STOR shared/a.bin', randomBytes(70_000))).final?.code).toBe(226);
    expect((await rawTransfer(bob, 'STOR shared/b.bin', randomBytes(40_000))).final?.code).toBe(552);
    expect((await rawTransfer(bob, 'STOR shared/b.bin', randomBytes(20_000))).final?.code).toBe(226);
    expect((await rawTransfer(bob, 'STOR shared/c.bin', Buffer.from('c'))).final?.code).toBe(226);
    expect((await rawTransfer(alice, 'STOR shared/d.bin', Buffer.from('d'))).first.code).toBe(552);
    // Outside the folder neither user has a quota: nothing is counted there.
    expect((await rawTransfer(bob, 'STOR outside.bin', randomBytes(200_000))).final?.code).toBe(226);
    const lines = await quotaLines(alice);
    expect(lines).toContain('No quota for the files outside the quota folders.');
    expect(lines).toContain('Quota of folder team at /shared: 90001 of 100000 bytes, 3 of 3 files.');
  });

  it('are counted apart by the first login, the deepest folder taking its files, and again by RESCAN', async () => {
    const folders = [
      { name: 'team', path: '/shared', maxBytes: 10_000 },
      { name: 'deep', path: '/shared/deep', maxFiles: 10 },
    ];
    const { root, port } = await startWithFolders(folders, { carol: { quota: { maxFiles: 100 } } }, { directories: ['shared/deep'] });
    await writeFile(join(root, 'home.bin'), randomBytes(1_000));
    await writeFile(join(root, 'shared', 's.bin'), randomBytes(500));
    await writeFile(join(root, 'shared', 'deep', 't.bin'), randomBytes(300));
    const session = await loginAs(port, 'carol');
    const lines = await quotaLines(session);
    expect(lines).toContain('Quota: 1000 of unlimited bytes, 1 of 100 files.');
    expect(lines).toContain('Quota of folder team at /shared: 500 of 10000 bytes, 1 of unlimited files.');
    expect(lines).toContain('Quota of folder deep at /shared/deep: 300 of unlimited bytes, 1 of 10 files.');
    // The user's account first, then the folders by path.
    expect(lines.indexOf('Quota:')).toBeLessThan(lines.indexOf('folder team'));
    expect(lines.indexOf('folder team')).toBeLessThan(lines.indexOf('folder deep'));
    await writeFile(join(root, 'shared', 'deep', 'u.bin'), randomBytes(50));
    const rescanned = (await session.command('SITE QUOTA RESCAN')).text;
    expect(rescanned).toContain('Quota: 1000 of unlimited bytes, 1 of 100 files.');
    expect(rescanned).toContain('Quota of folder deep at /shared/deep: 350 of unlimited bytes, 2 of 10 files.');
  });

  it('take a file moved in by RNTO against their limits (552, the file left where it was) and give it back when it moves out', async () => {
    const { root, port } = await startWithFolders(
      [{ name: 'team', path: '/shared', maxBytes: 1_500 }],
      { dave: { quota: { maxBytes: 100_000 } } },
      { directories: ['shared', 'folder-of-files'] },
    );
    const session = await loginAs(port, 'dave');
    expect((await rawTransfer(session, 'STOR a.bin', randomBytes(1_000))).final?.code).toBe(226);
    expect((await rawTransfer(session, 'STOR b.bin', randomBytes(1_000))).final?.code).toBe(226);
    expect(await move(session, 'a.bin', 'shared/a.bin')).toBe(250);
    let lines = await quotaLines(session);
    expect(lines).toContain('Quota: 1000 of 100000 bytes, 1 of unlimited files.');
    expect(lines).toContain('Quota of folder team at /shared: 1000 of 1500 bytes, 1 of unlimited files.');
    // A second file does not fit in the folder: refused before it moves, and every account as it was.
    expect(await move(session, 'b.bin', 'shared/b.bin')).toBe(552);
    expect((await stat(join(root, 'b.bin'))).size).toBe(1_000);
    expect(await readdir(join(root, 'shared'))).toEqual(['a.bin']);
    lines = await quotaLines(session);
    expect(lines).toContain('Quota: 1000 of 100000 bytes, 1 of unlimited files.');
    expect(lines).toContain('Quota of folder team at /shared: 1000 of 1500 bytes, 1 of unlimited files.');
    // Replacing the folder's file frees its old size first: b (1000) over a (1000) fits.
    expect(await move(session, 'b.bin', 'shared/a.bin')).toBe(250);
    lines = await quotaLines(session);
    expect(lines).toContain('Quota: 0 of 100000 bytes, 0 of unlimited files.');
    expect(lines).toContain('Quota of folder team at /shared: 1000 of 1500 bytes, 1 of unlimited files.');
    // A directory would carry files neither account sees: it does not move between them.
    expect(await move(session, 'folder-of-files', 'shared/folder-of-files')).toBe(553);
    expect(await move(session, 'shared/a.bin', 'back.bin')).toBe(250);
    lines = await quotaLines(session);
    expect(lines).toContain('Quota: 1000 of 100000 bytes, 1 of unlimited files.');
    expect(lines).toContain('Quota of folder team at /shared: 0 of 1500 bytes, 0 of unlimited files.');
  });

  it('refuse the login (421) on a shared state that does not count them, rather than count them against the user', async () => {
    const memory = createMemorySharedState();
    const withoutFolders: SharedStateV1 = new Proxy(memory, {
      get(target, key) {
        if (key === 'countsQuotaFolders') return undefined;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { port } = await startWithFolders(
      [{ name: 'team', path: '/shared', maxBytes: 1 }],
      { erin: { quota: { maxBytes: 1_000 } } },
      {
        sharedState: withoutFolders,
      },
    );
    const session = await greetedRawSession(port);
    expect((await session.command('USER erin')).code).toBe(331);
    const refused = await session.command('PASS pw');
    expect(refused.code).toBe(421);
    expect(refused.text).toContain('Quota accounting not available');
  });

  it('refuse the login when the storage describes one wrongly', async () => {
    const { port } = await startWithFolders([{ name: 'team', path: 'relative', maxBytes: -1 }], { frank: {} });
    const session = await greetedRawSession(port);
    expect((await session.command('USER frank')).code).toBe(331);
    expect((await session.command('PASS pw')).code).toBe(421);
  });

  it('refuse the login of a storage that throws naming them, and give the session back', async () => {
    const throwing = () => {
      throw new Error('the mounts table is unreadable');
    };
    const { port } = await startWithFolders(throwing, { frank: { maxSessions: 1 } });
    // With one session allowed, the second login is refused for the folders too, not as a session the first kept.
    for (let attempt = 0; attempt < 2; attempt++) {
      const session = await greetedRawSession(port);
      expect((await session.command('USER frank')).code).toBe(331);
      const refused = await session.command('PASS pw');
      expect(refused.code).toBe(421);
      expect(refused.text).toContain('Quota accounting not available');
    }
  });

  it("refuse an operator's rescan when the storage describes one wrongly, as they refuse the login", async () => {
    const { server } = await startWithFolders([{ name: 'team', path: '/shared/../..' }], { frank: {} });
    await expect(server.rescanQuota({ username: 'frank' })).rejects.toThrow('describes wrongly');
  });
});
