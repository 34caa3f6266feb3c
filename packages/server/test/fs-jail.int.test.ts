import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalAuthenticator, hashPassword } from '@ftp/server';
import { createFsStorage } from '@ftp/storage-fs';
import { loggedInRawSession, rawTransfer, startDirectorySwapping, tempDirectory, type RawSession } from '@ftp/test-utils';
import { connectClient, startServer } from './support/index.ts';

// The fs connector's jail seen from FTP clients: every user's root is a chroot (whatever sets it), symlinks resolve
// inside it, and a local user racing the server with directory swaps cannot make it reach the outside.

/** Every name below `directory`, recursively, as sorted relative paths (links not followed). */
async function treeOf(directory: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    names.push(join(entry.parentPath, entry.name).slice(directory.length + 1));
  }
  return names.sort();
}

/** One user's session: a raw control connection logged in as `username`. */
async function rawLogin(port: number, username: string): Promise<RawSession> {
  return loggedInRawSession(port, username, 'secret');
}

describe('per-user roots on one file-system root', () => {
  it('keep alice inside her own directory whatever symlinks are planted in it', async () => {
    const fsRoot = await tempDirectory('ftp-jail-users-');
    await mkdir(join(fsRoot, 'alice'));
    await mkdir(join(fsRoot, 'bob'));
    await writeFile(join(fsRoot, 'bob', 'secret.txt'), 'bob only');
    await writeFile(join(fsRoot, 'top.txt'), 'operator only');
    // Planted by someone with a shell on the machine (or a sync job): links to bob, to the parent, to "/", and to
    // absolute host paths of both.
    await symlink('../bob', join(fsRoot, 'alice', 'to_bob'));
    await symlink('..', join(fsRoot, 'alice', 'up'));
    await symlink('/', join(fsRoot, 'alice', 'slash'));
    await symlink(join(fsRoot, 'bob'), join(fsRoot, 'alice', 'absolute_bob'));
    await symlink(fsRoot, join(fsRoot, 'alice', 'absolute_root'));
    const passwordHash = await hashPassword('secret');
    const { port } = await startServer({
      authenticator: createLocalAuthenticator({
        users: [
          { username: 'alice', passwordHash, rootDirectory: '/alice' },
          { username: 'bob', passwordHash, rootDirectory: '/bob' },
        ],
      }),
      storage: createFsStorage({ root: fsRoot, fsync: false }),
    });
    const before = await treeOf(fsRoot);
    const alice = await rawLogin(port, 'alice');
    expect((await alice.command('TYPE I')).code).toBe(200);
    const ways = ['to_bob', 'up/bob', 'slash/bob', 'absolute_bob', 'absolute_root/bob', 'up/up/bob', 'slash/up/bob'];
    for (const way of ways) {
      expect((await alice.command(`SIZE ${way}/secret.txt`)).code, way).toBe(550);
      expect((await alice.command(`MLST ${way}/secret.txt`)).code, way).toBe(550);
      expect((await alice.command(`CWD ${way}`)).code, way).toBe(550);
      expect((await alice.command(`DELE ${way}/secret.txt`)).code, way).toBe(550);
      expect((await alice.command(`RNFR ${way}/secret.txt`)).code, way).toBe(550);
      expect((await alice.command(`MKD ${way}/made`)).code, way).toBe(550);
      expect((await alice.command(`RMD ${way}`)).code, way).not.toBe(250);
      const retr = await rawTransfer(alice, `RETR ${way}/secret.txt`);
      expect(retr.received.toString(), way).not.toContain('bob only');
      const stor = await rawTransfer(alice, `STOR ${way}/dropped.txt`, Buffer.from('from alice'));
      expect(stor.final?.code ?? stor.first.code, way).not.toBe(226);
      const appe = await rawTransfer(alice, `APPE ${way}/secret.txt`, Buffer.from('from alice'));
      expect(appe.final?.code ?? appe.first.code, way).not.toBe(226);
      const list = await rawTransfer(alice, `LIST ${way}`);
      expect(list.received.toString(), way).not.toContain('secret.txt');
    }
    expect((await alice.command('RNFR up')).code).toBe(350);
    expect((await alice.command('RNTO /up-renamed')).code).toBe(250);
    expect((await alice.command('RNFR top.txt')).code).toBe(550);
    const top = await rawTransfer(alice, 'RETR up-renamed/top.txt');
    expect(top.received.toString()).not.toContain('operator only');
    // Bob's files and everything above alice are exactly as they were; alice only renamed her own link.
    expect(await readFile(join(fsRoot, 'bob', 'secret.txt'), 'utf8')).toBe('bob only');
    expect(await readFile(join(fsRoot, 'top.txt'), 'utf8')).toBe('operator only');
    expect(await treeOf(fsRoot)).toEqual(before.map((name) => (name === join('alice', 'up') ? join('alice', 'up-renamed') : name)).sort());

    // A basic-ftp client sees the same: the links that lead up show alice's own root, never bob's files.
    const client = await connectClient(port, 'alice', 'secret');
    const listing = await client.list('up-renamed');
    expect(listing.map((entry) => entry.name)).not.toContain('secret.txt');
    expect(listing.map((entry) => entry.name)).not.toContain('bob');
  });
});

describe('a directory swapped with a symlink to the outside by a local user', () => {
  it('never lets an FTP client read, write or change anything outside the root', async () => {
    const base = await tempDirectory('ftp-jail-race-');
    const root = join(base, 'root');
    const outside = join(base, 'outside');
    await mkdir(join(root, 'work'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'work', 'file.txt'), 'inside');
    await writeFile(join(outside, 'file.txt'), 'OUTSIDE');
    await writeFile(join(outside, 'keep.txt'), 'keep');
    await symlink(outside, join(root, 'swap'));
    const { port } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
    const session = await loggedInRawSession(port);
    expect((await session.command('TYPE I')).code).toBe(200);

    const stop = await startDirectorySwapping(join(root, 'work'), join(root, 'swap'));
    const leaked: string[] = [];
    try {
      // A bounded count of rounds, each every kind of command on the swapped directory.
      for (let round = 0; round < 60; round++) {
        const retr = await rawTransfer(session, 'RETR work/file.txt');
        if (retr.received.toString().includes('OUTSIDE')) leaked.push('RETR');
        const size = await session.command('SIZE work/file.txt');
        if (size.code === 213 && size.text !== '213 6') leaked.push(`SIZE ${size.text}`);
        const mlst = await session.command('MLST work/keep.txt');
        if (mlst.code === 250) leaked.push('MLST');
        const list = await rawTransfer(session, 'LIST work');
        if (list.received.toString().includes('keep.txt')) leaked.push('LIST');
        await rawTransfer(session, `STOR work/new-${round}.txt`, Buffer.from('uploaded'));
        await rawTransfer(session, `APPE work/keep.txt`, Buffer.from('appended'));
        await session.command('DELE work/keep.txt');
        await session.command('RNFR work/keep.txt');
        await session.command('RNTO stolen.txt');
        await session.command(`MKD work/made-${round}`);
        await session.command(`RMD work/made-${round}`);
      }
    } finally {
      await stop();
    }
    expect(leaked).toEqual([]);
    expect((await readdir(outside)).sort()).toEqual(['file.txt', 'keep.txt']);
    expect(await readFile(join(outside, 'file.txt'), 'utf8')).toBe('OUTSIDE');
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
  }, 60_000);
});
