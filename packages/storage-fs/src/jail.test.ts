import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StorageSessionV1 } from '@ftp/plugin-api';
import { startDirectorySwapping } from '@ftp/test-utils';
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
import { createFsStorage } from './index.ts';

let base: string;
let outside: string;
let session: StorageSessionV1;

const data = () => chunksOf(bytesFrom('planted'));
const write = { ...noAbort, offset: 0 };

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'storage-fs-jail-'));
  outside = join(base, 'outside');
  const root = join(base, 'root');
  await mkdir(join(outside, 'directory'), { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await writeFile(join(outside, 'directory', 'inner.txt'), 'inner secret');
  await mkdir(join(root, 'inside'), { recursive: true });
  await writeFile(join(root, 'inside', 'real.txt'), 'real');
  // Absolute and relative links to a file and to a directory outside the root.
  await symlink(join(outside, 'secret.txt'), join(root, 'absolute-file'));
  await symlink('../outside/secret.txt', join(root, 'relative-file'));
  await symlink(join(outside, 'directory'), join(root, 'absolute-directory'));
  await symlink('../outside/directory', join(root, 'relative-directory'));
  // Links that stay inside (relative, and absolute from the user's "/"), one to the root, and one that leads nowhere.
  await symlink('inside/real.txt', join(root, 'inside-file'));
  await symlink('/inside', join(root, 'inside-directory'));
  await symlink('..', join(root, 'up'));
  await symlink('missing-target', join(root, 'dangling'));
  session = await createFsStorage({ root }).openSession({ username: 'mallory' }, createTestPluginContext());
});

afterEach(async () => {
  await session.close?.();
  // rm(1) walks with openat, so a tree deeper than PATH_MAX goes too (fs.rm names every path from the top).
  execFileSync('rm', ['-rf', base]);
});

/** The outside tree must be exactly as planted after every operation. */
async function expectOutsideUntouched(): Promise<void> {
  expect((await readdir(outside)).sort()).toEqual(['directory', 'secret.txt']);
  expect(await readdir(join(outside, 'directory'))).toEqual(['inner.txt']);
  expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  expect(await readFile(join(outside, 'directory', 'inner.txt'), 'utf8')).toBe('inner secret');
}

// Inside the jail a link's target is read as in a chroot at the user's root: the host path of the outside tree, or
// "../outside", names something inside the root, which does not exist there.
describe.each(['absolute', 'relative'])('a %s symlink planted in the root that leads outside on the host', (kind) => {
  const file = `/${kind}-file`;
  const directory = `/${kind}-directory`;

  it('names nothing: stat, enter, read and hash find no file', async () => {
    expect(await storageCodeOf(() => session.stat(file, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.stat(directory, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.stat(`${directory}/inner.txt`, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.read(file, write))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.read(`${directory}/inner.txt`, write))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.checksum?.(file, 'SHA-256', noAbort))).toBe('ENOENT');
  });

  it('cannot be listed', async () => {
    expect(await storageCodeOf(() => collect(session.list(directory, noAbort)))).toBe('ENOENT');
  });

  it('cannot be written, appended or resumed through to the outside', async () => {
    expect(await storageCodeOf(() => session.write(file, data(), write))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.write(file, data(), { ...noAbort, offset: 2 }))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.write(`${directory}/new.txt`, data(), write))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.append?.(file, data(), noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.append?.(`${directory}/new.txt`, data(), noAbort))).toBe('ENOENT');
    await expectOutsideUntouched();
  });

  it('cannot be created in, removed or retimed through', async () => {
    expect(await storageCodeOf(() => session.delete(`${directory}/inner.txt`, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.makeDirectory(`${directory}/made`, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.removeDirectory(directory, noAbort))).toBe('ENOTDIR');
    expect(await storageCodeOf(() => session.setModifiedTime?.(file, new Date(0), noAbort))).toBe('ENOENT');
    await expectOutsideUntouched();
  });

  it('cannot have modes changed through (SITE CHMOD)', async () => {
    const modes = async () => [(await stat(join(outside, 'secret.txt'))).mode, (await stat(join(outside, 'directory'))).mode];
    const before = await modes();
    expect(await storageCodeOf(() => session.setMode!(file, 0o777, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.setMode!(directory, 0o777, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.setMode!(`${directory}/inner.txt`, 0o777, noAbort))).toBe('ENOENT');
    expect(await modes()).toEqual(before);
  });

  it('cannot be renamed from or into, and renaming or deleting the link moves only the link', async () => {
    expect(await storageCodeOf(() => session.rename?.(`${directory}/inner.txt`, '/stolen.txt', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.rename?.('/inside/real.txt', `${directory}/dropped.txt`, noAbort))).toBe('ENOENT');
    await session.rename?.(file, '/moved-link', noAbort);
    await session.delete('/moved-link', noAbort);
    expect(await readFile(join(base, 'root', 'inside', 'real.txt'), 'utf8')).toBe('real');
    await expectOutsideUntouched();
  });
});

describe('symlinks that stay inside the root', () => {
  it('are listed as what they point to, while dangling links and links to nothing inside are left out', async () => {
    const entries = await collect(session.list('/', noAbort));
    const types = Object.fromEntries(entries.map((entry) => [entry.name, entry.type]));
    expect(types).toEqual({ inside: 'directory', 'inside-file': 'file', 'inside-directory': 'directory', up: 'directory' });
  });

  it.each([
    ['on the event loop', { listInWorker: false }],
    ['in the thread pool', { listInWorker: false, fileSystem: 'network' as const }],
  ])('are listed the same way when stat-ed %s', async (_where, options) => {
    const other = await createFsStorage({ root: join(base, 'root'), ...options }).openSession(
      { username: 'mallory' },
      createTestPluginContext(),
    );
    const entries = await collect(other.list('/', noAbort));
    const types = Object.fromEntries(entries.map((entry) => [entry.name, entry.type]));
    expect(types).toEqual({ inside: 'directory', 'inside-file': 'file', 'inside-directory': 'directory', up: 'directory' });
    await other.close?.();
  });

  it('can be read, listed, entered and written through; an absolute target starts at the user\'s "/"', async () => {
    expect(await session.stat('/inside-file', noAbort)).toMatchObject({ name: 'inside-file', type: 'file', size: 4 });
    expect(textFrom(await collectBytes(await session.read('/inside-file', write)))).toBe('real');
    expect((await collect(session.list('/inside-directory', noAbort))).map((entry) => entry.name)).toEqual(['real.txt']);
    await session.write('/inside-file', data(), write);
    expect(await readFile(join(base, 'root', 'inside', 'real.txt'), 'utf8')).toBe('planted');
    await session.write('/inside-directory/new.txt', data(), write);
    expect(await readFile(join(base, 'root', 'inside', 'new.txt'), 'utf8')).toBe('planted');
  });

  it('".." never climbs above the root: a link to ".." at the root is the root itself', async () => {
    expect(await session.stat('/up', noAbort)).toMatchObject({ name: 'up', type: 'directory' });
    expect(textFrom(await collectBytes(await session.read('/up/up/inside/real.txt', write)))).toBe('real');
    expect((await collect(session.list('/up/up', noAbort))).map((entry) => entry.name).sort()).toContain('inside');
    await expectOutsideUntouched();
  });

  it('delete removes the link, not the file it points to; a link to a directory is refused like the directory', async () => {
    await session.delete('/inside-file', noAbort);
    expect(await storageCodeOf(() => session.stat('/inside-file', noAbort))).toBe('ENOENT');
    expect((await stat(join(base, 'root', 'inside', 'real.txt'))).isFile()).toBe(true);
    expect(await storageCodeOf(() => session.delete('/inside-directory', noAbort))).toBe('EISDIR');
  });

  it('a dangling link names where its target would be inside the root, as in a chroot', async () => {
    expect(await storageCodeOf(() => session.stat('/dangling', noAbort))).toBe('ENOENT');
    await session.write('/dangling', data(), write);
    expect(await readFile(join(base, 'root', 'missing-target'), 'utf8')).toBe('planted');
  });

  it('a loop of links reads as missing, after a bounded number of hops', async () => {
    await symlink('loop-b', join(base, 'root', 'loop-a'));
    await symlink('loop-a', join(base, 'root', 'loop-b'));
    expect(await storageCodeOf(() => session.stat('/loop-a', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.read('/loop-a/x', write))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.write('/loop-a', data(), write))).toBe('ENOENT');
  });
});

describe('a root whose path leads elsewhere after the session opened', () => {
  it.each([
    ['the root itself', ''],
    ['a directory above the root', 'tree'],
  ])('keeps serving the directory it opened when %s is swapped for a link to a look-alike tree', async (_what, swapped) => {
    // base/tree/home is the root; the planted tree has the same shape, with a secret where the user's file was.
    const home = join(base, 'tree', 'home');
    await mkdir(join(home, 'inside'), { recursive: true });
    await writeFile(join(home, 'inside', 'mine.txt'), 'mine');
    const planted = join(outside, 'planted');
    await mkdir(join(planted, 'home', 'inside'), { recursive: true });
    await writeFile(join(planted, 'home', 'inside', 'mine.txt'), 'secret');
    const user = await createFsStorage({ root: home }).openSession({ username: 'mallory' }, createTestPluginContext());
    expect(await user.stat('/inside/mine.txt', noAbort)).toMatchObject({ size: 4 });

    const moved = swapped === '' ? home : join(base, 'tree');
    await rename(moved, `${moved}-old`);
    await symlink(swapped === '' ? join(planted, 'home') : planted, moved);

    // The session holds its root open: the lexical path now leads outside, the session does not follow it.
    expect(textFrom(await collectBytes(await user.read('/inside/mine.txt', write)))).toBe('mine');
    await user.write('/inside/new.txt', data(), write);
    await user.delete('/inside/mine.txt', noAbort);
    expect(await readFile(join(planted, 'home', 'inside', 'mine.txt'), 'utf8')).toBe('secret');
    expect(await readdir(join(planted, 'home', 'inside'))).toEqual(['mine.txt']);
    const kept = swapped === '' ? `${home}-old` : join(`${moved}-old`, 'home');
    expect(await readdir(join(kept, 'inside'))).toEqual(['new.txt']);
    await user.close?.();
  });
});

describe('paths of any depth', () => {
  it('resolves a path thousands of directories deep, and refuses one beyond the segment limit', async () => {
    const depth = 2_100;
    const segments = Array.from({ length: depth }, () => 'd');
    // Made the way a client would: one MKD per level.
    for (let level = 1; level <= depth; level++) await session.makeDirectory(`/${segments.slice(0, level).join('/')}`, noAbort);
    const deep = `/${segments.join('/')}`;
    await session.write(`${deep}/file.txt`, data(), write);
    expect(await session.stat(`${deep}/file.txt`, noAbort)).toMatchObject({ size: 7 });
    expect((await collect(session.list(deep, noAbort))).map((entry) => entry.name)).toEqual(['file.txt']);
    // A fresh session (no anchor yet) walks it from the root.
    const fresh = await createFsStorage({ root: join(base, 'root') }).openSession({ username: 'mallory' }, createTestPluginContext());
    expect(await fresh.stat(`${deep}/file.txt`, noAbort)).toMatchObject({ size: 7 });
    const tooDeep = `/${Array.from({ length: 4_097 }, () => 'd').join('/')}`;
    expect(await storageCodeOf(() => fresh.stat(tooDeep, noAbort))).toBe('EBADNAME');
    await fresh.close?.();
  });

  it('drops its remembered directory when the session renames it, so old paths no longer lead there', async () => {
    await session.makeDirectory('/work', noAbort);
    await session.write('/work/a.txt', data(), write);
    await session.rename?.('/work', '/archive', noAbort);
    expect(await storageCodeOf(() => session.stat('/work/a.txt', noAbort))).toBe('ENOENT');
    expect(await session.stat('/archive/a.txt', noAbort)).toMatchObject({ size: 7 });
  });
});

/** Both places a session's system calls can run in: the jail must hold in each. */
const callPlacements = [
  ['on the event loop', {}],
  ['in the thread pool', { fileSystem: 'network' as const, listInWorker: false }],
] as const;

/** A session on the root for a race, its calls placed by `options`. */
function racingSession(options: (typeof callPlacements)[number][1]): Promise<StorageSessionV1> {
  return createFsStorage({ root: join(base, 'root'), fsync: false, ...options }).openSession(
    { username: 'mallory' },
    createTestPluginContext(),
  );
}

/**
 * A hostile local user swaps a directory of the root with a symlink to a directory outside, atomically and again and
 * again (renameat2 RENAME_EXCHANGE, `startDirectorySwapping` of @ftp/test-utils), while the session works in that directory. A
 * bounded count of operations, not a time: whatever the interleaving, no operation may read, write, create, remove or
 * rename anything outside.
 */
describe('a directory swapped with a symlink to the outside while the session works in it', () => {
  it.each(callPlacements)(
    'never reaches the outside, with the calls %s',
    async (_where, options) => {
      const root = join(base, 'root');
      await mkdir(join(root, 'work'), { recursive: true });
      await writeFile(join(root, 'work', 'file.txt'), 'inside');
      await writeFile(join(outside, 'directory', 'file.txt'), 'OUTSIDE');
      await symlink(join(outside, 'directory'), join(root, 'swap'));
      const racing = await racingSession(options);
      const outsideBefore = (await readdir(join(outside, 'directory'))).sort();
      const stop = await startDirectorySwapping(join(root, 'work'), join(root, 'swap'));
      const leaked: string[] = [];
      const attempt = async (operation: () => Promise<unknown>): Promise<void> => {
        try {
          await operation();
        } catch {
          // Refusals are expected whenever the name is the link at that instant.
        }
      };
      try {
        for (let round = 0; round < 300; round++) {
          await attempt(async () => {
            const text = textFrom(await collectBytes(await racing.read('/work/file.txt', write)));
            if (text !== 'inside') leaked.push(`RETR ${text}`);
          });
          await attempt(async () => {
            if ((await racing.stat('/work/file.txt', noAbort)).size !== 6) leaked.push('SIZE');
          });
          await attempt(async () => {
            for (const entry of await collect(racing.list('/work', noAbort))) if (entry.name === 'inner.txt') leaked.push('LIST');
          });
          await attempt(() => racing.write(`/work/new-${round}.txt`, data(), write));
          await attempt(() => racing.append!(`/work/new-${round}.txt`, data(), noAbort));
          await attempt(() => racing.write(`/work/new-${round}.txt`, data(), { ...noAbort, offset: 1 }));
          await attempt(() => racing.makeDirectory(`/work/made-${round}`, noAbort));
          await attempt(() => racing.removeDirectory(`/work/made-${round}`, noAbort));
          await attempt(() => racing.rename!(`/work/new-${round}.txt`, `/work/renamed-${round}.txt`, noAbort));
          await attempt(() => racing.delete(`/work/renamed-${round}.txt`, noAbort));
          await attempt(() => racing.delete('/work/inner.txt', noAbort));
          await attempt(() => racing.rename!('/work/inner.txt', '/stolen.txt', noAbort));
          await attempt(() => racing.setModifiedTime!('/work/inner.txt', new Date(0), noAbort));
        }
      } finally {
        await stop();
        await racing.close?.();
      }
      expect(leaked).toEqual([]);
      expect((await readdir(join(outside, 'directory'))).sort()).toEqual(outsideBefore);
      expect(await readFile(join(outside, 'directory', 'inner.txt'), 'utf8')).toBe('inner secret');
      expect(await readFile(join(outside, 'directory', 'file.txt'), 'utf8')).toBe('OUTSIDE');
      expect((await stat(join(outside, 'directory', 'inner.txt'))).mtimeMs).toBeGreaterThan(0);
      expect(await readdir(join(base, 'root'))).not.toContain('stolen.txt');
    },
    60_000,
  );
});

/**
 * SITE CHMOD acts on the entry the walk found, through a descriptor opened without following a link: a file swapped,
 * again and again, with a symlink to a file outside (renameat2 RENAME_EXCHANGE) never passes the mode on to that file,
 * whatever the interleaving. A bounded count of attempts, not a time.
 */
describe('a file swapped with a symlink to the outside while SITE CHMOD runs', () => {
  it.each(callPlacements)(
    'never changes the mode of the outside file, with the calls %s',
    async (_where, options) => {
      const root = join(base, 'root');
      await writeFile(join(root, 'target'), 'inside');
      await symlink(join(outside, 'secret.txt'), join(root, 'swapped-link'));
      await chmod(join(outside, 'secret.txt'), 0o600);
      const racing = await racingSession(options);
      const stop = await startDirectorySwapping(join(root, 'target'), join(root, 'swapped-link'));
      let changed = 0;
      try {
        for (let round = 0; round < 500; round++) {
          try {
            await racing.setMode!('/target', round % 2 === 0 ? 0o666 : 0o644, noAbort);
            changed++;
          } catch {
            // ENOENT whenever the name is the link at that instant.
          }
        }
      } finally {
        await stop();
        await racing.close?.();
      }
      expect(changed).toBeGreaterThan(0);
      expect((await stat(join(outside, 'secret.txt'))).mode & 0o777).toBe(0o600);
      await expectOutsideUntouched();
    },
    60_000,
  );
});

describe('directory handles', () => {
  it('are all closed once the session closes, after successes and refusals of every kind', async () => {
    const root = join(base, 'root');
    // Only descriptors of this test's tree count: the process opens and closes others of its own (workers, the
    // runtime) at any time.
    const descriptors = async (): Promise<number> => {
      let count = 0;
      for (const name of await readdir('/proc/self/fd')) {
        const target = await readlink(`/proc/self/fd/${name}`).catch(() => '');
        if (target.startsWith(`${base}/`)) count++;
      }
      return count;
    };
    const before = await descriptors();
    const user = await createFsStorage({ root, reclaimTemporaries: false }).openSession({ username: 'mallory' }, createTestPluginContext());
    for (let round = 0; round < 20; round++) {
      await user.makeDirectory(`/inside/d${round}`, noAbort);
      await user.write(`/inside/d${round}/f.txt`, data(), write);
      await collect(user.list(`/inside/d${round}`, noAbort));
      await collectBytes(await user.read('/inside-directory/real.txt', write));
      await user.stat('/up/inside/real.txt', noAbort);
      await storageCodeOf(() => user.stat('/absolute-directory/inner.txt', noAbort));
      await storageCodeOf(() => user.read('/inside', write));
      await storageCodeOf(() => user.write('/inside/real.txt/x', data(), write));
      await storageCodeOf(() => user.removeDirectory(`/inside/d${round}`, noAbort));
      await user.rename?.(`/inside/d${round}/f.txt`, `/inside/d${round}/g.txt`, noAbort);
      await user.delete(`/inside/d${round}/g.txt`, noAbort);
      await user.removeDirectory(`/inside/d${round}`, noAbort);
    }
    expect(await descriptors()).toBeGreaterThan(before);
    await user.close?.();
    expect(await descriptors()).toBe(before);
  });
});

describe('the directory a session works in', () => {
  it('is found anew when someone else removes it and makes it again', async () => {
    const root = join(base, 'root');
    await session.makeDirectory('/incoming', noAbort);
    await session.write('/incoming/first.txt', data(), write);
    expect((await collect(session.list('/incoming', noAbort))).map((entry) => entry.name)).toEqual(['first.txt']);
    // Rotated by a local job while the session sits in it.
    execFileSync('rm', ['-rf', join(root, 'incoming')]);
    await mkdir(join(root, 'incoming'));
    await writeFile(join(root, 'incoming', 'second.txt'), 'new directory');
    expect((await collect(session.list('/incoming', noAbort))).map((entry) => entry.name)).toEqual(['second.txt']);
    await session.write('/incoming/third.txt', data(), write);
    expect((await readdir(join(root, 'incoming'))).sort()).toEqual(['second.txt', 'third.txt']);
    execFileSync('rm', ['-rf', join(root, 'incoming')]);
    await mkdir(join(root, 'incoming'));
    await writeFile(join(root, 'incoming', 'fourth.txt'), 'newer');
    expect(await session.stat('/incoming/fourth.txt', noAbort)).toMatchObject({ size: 5 });
  });

  it('is walked to again from the root once it is a second old, so a directory rotated by rename is followed', async () => {
    const root = join(base, 'root');
    await session.makeDirectory('/incoming', noAbort);
    await session.write('/incoming/first.txt', data(), write);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await rename(join(root, 'incoming'), join(root, 'incoming.1'));
      await mkdir(join(root, 'incoming'));
      // Within the anchor's lifetime the session still works in the directory it holds, as a working directory would.
      await session.write('/incoming/second.txt', data(), write);
      expect(await readdir(join(root, 'incoming.1'))).toContain('second.txt');
      vi.setSystemTime(Date.now() + 1_500);
      await session.write('/incoming/third.txt', data(), write);
      expect(await readdir(join(root, 'incoming'))).toEqual(['third.txt']);
      expect((await collect(session.list('/incoming', noAbort))).map((entry) => entry.name)).toEqual(['third.txt']);
    } finally {
      vi.useRealTimers();
    }
  });
});
