import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileEntry, StorageConnectorV1 } from '@ftp/plugin-api';
import { joinVirtualPath } from '@ftp/protocol';
import { createFsStorage } from '@ftp/storage-fs';
import { describe, expect, it } from 'vitest';
import { loggedInRawSession, rawTransfer, tempDirectory, type RawSession } from '@ftp/test-utils';
import { startServer } from './support/index.ts';

// RFC 3659 §7.8: FEAT offers the facts the server supports; §7.5: an entry leaves out the facts it does not have. One
// storage can mix entries with and without "unique" and "UNIX.mode" (a tree of mounts: a disk next to S3), so the
// facts a session offers and writes grow with the entries it has seen, whichever part it looked at first.

/** Where the disk-like part of the tree starts: it and the entries below it keep their inode and permission bits. */
const diskPart = '/disk';

/**
 * The local file system with everything outside `diskPart` stripped of `mode` and `uniqueId`, as an S3 mount's entries
 * come (and the root of a tree of mounts, a directory the mounts make). Just the calls this test makes.
 */
function mixedStorage(root: string): StorageConnectorV1 {
  const fs = createFsStorage({ root, fsync: false });
  const entryAt = (path: string, entry: FileEntry): FileEntry => {
    if (path === diskPart || path.startsWith(`${diskPart}/`)) return entry;
    const { mode: _mode, uniqueId: _uniqueId, ...bare } = entry;
    return bare;
  };
  return {
    specificationVersion: 'v1',
    name: 'mixed',
    async openSession(user, context) {
      const session = await fs.openSession(user, context);
      return {
        stat: async (path, options) => entryAt(path, await session.stat(path, options)),
        async *list(path, options) {
          for await (const entry of session.list(path, options)) yield entryAt(joinVirtualPath(path, entry.name), entry);
        },
        read: (path, options) => session.read(path, options),
        write: (path, data, options) => session.write(path, data, options),
        delete: (path, options) => session.delete(path, options),
        makeDirectory: (path, options) => session.makeDirectory(path, options),
        removeDirectory: (path, options) => session.removeDirectory(path, options),
        close: () => session.close?.() ?? Promise.resolve(),
      };
    },
  };
}

async function startMixedServer(): Promise<number> {
  const root = await tempDirectory();
  for (const part of ['cloud', 'disk']) {
    await mkdir(join(root, part, 'sub'), { recursive: true });
    await writeFile(join(root, part, 'a.txt'), 'hello');
  }
  const { port } = await startServer({ storage: mixedStorage(root) });
  return port;
}

/** The " MLST …" line of a FEAT reply, without its indent. */
async function mlstFeature(session: RawSession): Promise<string | undefined> {
  const reply = await session.command('FEAT');
  expect(reply.code).toBe(211);
  return reply.lines.find((line) => line.startsWith(' MLST '))?.slice(1);
}

/** The lines of an MLSD listing, sorted. */
async function mlsd(session: RawSession, path: string): Promise<string[]> {
  const listing = await rawTransfer(session, `MLSD ${path}`);
  expect(listing.final?.code).toBe(226);
  return listing.received
    .toString()
    .split('\r\n')
    .filter((line) => line !== '')
    .sort();
}

const withFacts = /;unique=[!-~]+;UNIX\.mode=0[0-7]{3,4}; (a\.txt|sub)$/;

describe('MLST facts of a storage that mixes entries with and without them', () => {
  it('writes and offers unique and UNIX.mode from the first entry that has them, after a part without them', async () => {
    const session = await loggedInRawSession(await startMixedServer());

    const cloudLines = await mlsd(session, '/cloud');
    expect(cloudLines).toHaveLength(2);
    for (const line of cloudLines) expect(line).not.toMatch(/unique=|UNIX\.mode=/);
    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;');

    const diskLines = await mlsd(session, '/disk');
    expect(diskLines).toHaveLength(2);
    for (const line of diskLines) expect(line).toMatch(withFacts);
    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;');
    expect((await session.command('OPTS MLST type;unique;UNIX.mode;')).text).toBe('200 MLST OPTS type;unique;UNIX.mode;');
  });

  it('writes them on MLST of a disk file after FEAT learnt the facts of the root, which has none', async () => {
    const session = await loggedInRawSession(await startMixedServer());
    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;');

    const mlst = await session.command('MLST /disk/a.txt');
    expect(mlst.code).toBe(250);
    expect(mlst.lines[1]).toMatch(/^ type=file;size=5;.*unique=[!-~]+;UNIX\.mode=0[0-7]{3,4}; \/disk\/a\.txt$/);
    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;');
    // What a session has offered stays offered, and an entry without a fact leaves it out (RFC 3659 §7.5).
    const cloudLines = await mlsd(session, '/cloud');
    expect(cloudLines).toHaveLength(2);
    for (const line of cloudLines) expect(line).not.toMatch(/unique=|UNIX\.mode=/);
    expect(await mlstFeature(session)).toBe('MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;');
  });
});
