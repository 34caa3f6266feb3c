import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StorageSessionV1 } from '@ftp/plugin-api';
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
  // Links that stay inside, and one that leads nowhere.
  await symlink('inside/real.txt', join(root, 'inside-file'));
  await symlink(join(root, 'inside'), join(root, 'inside-directory'));
  await symlink('missing-target', join(root, 'dangling'));
  session = await createFsStorage({ root }).openSession({ username: 'mallory' }, createTestPluginContext());
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The outside tree must be exactly as planted after every refused operation. */
async function expectOutsideUntouched(): Promise<void> {
  expect((await readdir(outside)).sort()).toEqual(['directory', 'secret.txt']);
  expect(await readdir(join(outside, 'directory'))).toEqual(['inner.txt']);
  expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  expect(await readFile(join(outside, 'directory', 'inner.txt'), 'utf8')).toBe('inner secret');
}

describe.each(['absolute', 'relative'])('a %s symlink planted in the root that leads outside', (kind) => {
  const file = `/${kind}-file`;
  const directory = `/${kind}-directory`;

  it('cannot be stat-ed, entered, read or hashed', async () => {
    expect(await storageCodeOf(() => session.stat(file, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.stat(directory, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.stat(`${directory}/inner.txt`, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.read(file, write))).toBe('EACCES');
    expect(await storageCodeOf(() => session.read(`${directory}/inner.txt`, write))).toBe('EACCES');
    expect(await storageCodeOf(() => session.checksum?.(file, 'SHA-256', noAbort))).toBe('EACCES');
  });

  it('cannot be listed', async () => {
    expect(await storageCodeOf(() => collect(session.list(directory, noAbort)))).toBe('EACCES');
  });

  it('cannot be written, appended or resumed through', async () => {
    expect(await storageCodeOf(() => session.write(file, data(), write))).toBe('EACCES');
    expect(await storageCodeOf(() => session.write(file, data(), { ...noAbort, offset: 2 }))).toBe('EACCES');
    expect(await storageCodeOf(() => session.write(`${directory}/new.txt`, data(), write))).toBe('EACCES');
    expect(await storageCodeOf(() => session.append?.(file, data(), noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.append?.(`${directory}/new.txt`, data(), noAbort))).toBe('EACCES');
    await expectOutsideUntouched();
  });

  it('cannot be deleted, created in or removed through', async () => {
    expect(await storageCodeOf(() => session.delete(file, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.delete(`${directory}/inner.txt`, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.makeDirectory(`${directory}/made`, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.removeDirectory(directory, noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.setModifiedTime?.(file, new Date(0), noAbort))).toBe('EACCES');
    await expectOutsideUntouched();
  });

  it('cannot be renamed, renamed into or renamed over', async () => {
    expect(await storageCodeOf(() => session.rename?.(file, '/moved', noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => session.rename?.(`${directory}/inner.txt`, '/stolen.txt', noAbort))).toBe(
      'EACCES',
    );
    expect(await storageCodeOf(() => session.rename?.('/inside/real.txt', `${directory}/dropped.txt`, noAbort))).toBe(
      'EACCES',
    );
    expect(await storageCodeOf(() => session.rename?.('/inside/real.txt', file, noAbort))).toBe('EACCES');
    expect(await readFile(join(base, 'root', 'inside', 'real.txt'), 'utf8')).toBe('real');
    await expectOutsideUntouched();
  });
});

describe('symlinks that stay inside the root', () => {
  it('are listed as what they point to, while escaping and dangling links are left out', async () => {
    const entries = await collect(session.list('/', noAbort));
    const types = Object.fromEntries(entries.map((entry) => [entry.name, entry.type]));
    expect(types).toEqual({ inside: 'directory', 'inside-file': 'file', 'inside-directory': 'directory' });
  });

  it.each([
    ['on the event loop', { listInWorker: false }],
    ['in the thread pool', { listInWorker: false, fileSystem: 'network' as const }],
  ])('are listed the same way when stat-ed %s', async (_where, options) => {
    const other = await createFsStorage({ root: join(base, 'root'), ...options }).openSession({ username: 'mallory' }, createTestPluginContext());
    const entries = await collect(other.list('/', noAbort));
    const types = Object.fromEntries(entries.map((entry) => [entry.name, entry.type]));
    expect(types).toEqual({ inside: 'directory', 'inside-file': 'file', 'inside-directory': 'directory' });
  });

  it('can be read, listed, entered and written through', async () => {
    expect(await session.stat('/inside-file', noAbort)).toMatchObject({ type: 'file', size: 4 });
    expect(textFrom(await collectBytes(await session.read('/inside-file', write)))).toBe('real');
    expect((await collect(session.list('/inside-directory', noAbort))).map((entry) => entry.name)).toEqual([
      'real.txt',
    ]);
    await session.write('/inside-file', data(), write);
    expect(await readFile(join(base, 'root', 'inside', 'real.txt'), 'utf8')).toBe('planted');
    await session.write('/inside-directory/new.txt', data(), write);
    expect(await readFile(join(base, 'root', 'inside', 'new.txt'), 'utf8')).toBe('planted');
  });

  it('delete removes the link, not the file it points to', async () => {
    await session.delete('/inside-file', noAbort);
    expect(await storageCodeOf(() => session.stat('/inside-file', noAbort))).toBe('ENOENT');
    expect((await stat(join(base, 'root', 'inside', 'real.txt'))).isFile()).toBe(true);
  });

  it('a dangling link is not followed to create its target', async () => {
    expect(await storageCodeOf(() => session.stat('/dangling', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.write('/dangling', data(), write))).toBe('EACCES');
    expect(await readdir(join(base, 'root'))).not.toContain('missing-target');
  });
});

describe('a root whose path leads elsewhere after the session opened', () => {
  it.each([
    ['the root itself', ''],
    ['a directory above the root', 'tree'],
  ])('is refused when %s is swapped for a link to a look-alike tree outside', async (_what, swapped) => {
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

    // The lexical path now reaches plain directories outside: only the root's identity or realpath tells.
    expect(await storageCodeOf(() => user.stat('/inside/mine.txt', noAbort))).toBe('EACCES');
    expect(await storageCodeOf(() => user.read('/inside/mine.txt', write))).toBe('EACCES');
    expect(await storageCodeOf(() => user.write('/inside/mine.txt', data(), write))).toBe('EACCES');
    expect(await storageCodeOf(() => user.write('/inside/new.txt', data(), write))).toBe('EACCES');
    expect(await storageCodeOf(() => user.delete('/inside/mine.txt', noAbort))).toBe('EACCES');
    expect(await readFile(join(planted, 'home', 'inside', 'mine.txt'), 'utf8')).toBe('secret');
    expect(await readdir(join(planted, 'home', 'inside'))).toEqual(['mine.txt']);
  });
});
