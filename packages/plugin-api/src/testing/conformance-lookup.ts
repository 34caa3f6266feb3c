import { expect } from 'vitest';
import type { FileEntry } from '../storage/v1/file-entry.ts';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { bytesFrom, chunksOf, collect, noAbort, storageCodeOf } from './helpers.ts';

function expectValidDate(value: Date): void {
  expect(value).toBeInstanceOf(Date);
  expect(Number.isNaN(value.getTime())).toBe(false);
}

/** stat and list: entry shapes, the root, error codes and large directories. */
export function defineLookupChecks(fixture: ConformanceFixture): void {
  const { check } = fixture;

  check('stat', 'describes a file with its name, type, size and modification time', async () => {
    await fixture.writeText('/hello.txt', 'hello, world');
    const entry = await fixture.session.stat('/hello.txt', noAbort);
    expect(entry).toMatchObject({ name: 'hello.txt', type: 'file', size: 12 });
    expectValidDate(entry.modifiedAt);
  });

  check('stat', 'describes a directory and a nested file', async () => {
    await fixture.session.makeDirectory('/folder', noAbort);
    await fixture.writeText('/folder/inner.txt', 'abc');
    const directory = await fixture.session.stat('/folder', noAbort);
    expect(directory).toMatchObject({ name: 'folder', type: 'directory' });
    expect(directory.size).toBeGreaterThanOrEqual(0);
    expectValidDate(directory.modifiedAt);
    expect(await fixture.session.stat('/folder/inner.txt', noAbort)).toMatchObject({ name: 'inner.txt', size: 3 });
  });

  check('stat', 'describes the root "/" as a directory named "/"', async () => {
    const root = await fixture.session.stat('/', noAbort);
    expect(root).toMatchObject({ name: '/', type: 'directory' });
  });

  check('stat', 'throws ENOENT for a missing path and for a path below a missing directory', async () => {
    expect(await storageCodeOf(() => fixture.session.stat('/missing.txt', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => fixture.session.stat('/missing/inner.txt', noAbort))).toBe('ENOENT');
  });

  check('list', 'yields every entry with name, type, size and modification time, without "." and ".."', async () => {
    await fixture.writeText('/a.txt', 'abc');
    await fixture.writeText('/b.bin', '');
    await fixture.session.makeDirectory('/sub', noAbort);
    await fixture.writeText('/sub/deep.txt', 'deep');
    const entries = await collect(fixture.session.list('/', noAbort));
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    expect([...byName.keys()].sort()).toEqual(['a.txt', 'b.bin', 'sub']);
    expect(entries).toHaveLength(3);
    expect(byName.get('a.txt')).toMatchObject({ type: 'file', size: 3 });
    expect(byName.get('b.bin')).toMatchObject({ type: 'file', size: 0 });
    expect(byName.get('sub')).toMatchObject({ type: 'directory' });
    for (const entry of entries) expectValidDate(entry.modifiedAt);
    expect(await fixture.names('/sub')).toEqual(['deep.txt']);
  });

  check('list', 'yields nothing for an empty directory', async () => {
    await fixture.session.makeDirectory('/empty', noAbort);
    expect(await fixture.names('/empty')).toEqual([]);
    expect(await fixture.names('/')).toEqual(['empty']);
  });

  check('list', 'throws ENOTDIR for a file and ENOENT for a missing directory', async () => {
    await fixture.writeText('/file.txt', 'x');
    expect(await storageCodeOf(() => collect(fixture.session.list('/file.txt', noAbort)))).toBe('ENOTDIR');
    expect(await storageCodeOf(() => collect(fixture.session.list('/missing', noAbort)))).toBe('ENOENT');
  });

  check('large-directory', 'lists a directory of many entries completely, each name once', async () => {
    const count = fixture.largeDirectoryEntries;
    await fixture.session.makeDirectory('/many', noAbort);
    for (let index = 0; index < count; index += 1) {
      const name = `/many/entry-${String(index).padStart(5, '0')}.txt`;
      await fixture.session.write(name, chunksOf(bytesFrom(String(index))), { ...noAbort, offset: 0 });
    }
    const seen = new Map<string, FileEntry>();
    for await (const entry of fixture.session.list('/many', noAbort)) {
      expect(seen.has(entry.name)).toBe(false);
      seen.set(entry.name, entry);
    }
    expect(seen.size).toBe(count);
    expect(seen.get('entry-00007.txt')).toMatchObject({ type: 'file', size: 1 });
    expect(seen.get(`entry-${String(count - 1).padStart(5, '0')}.txt`)).toMatchObject({ type: 'file' });
  });
}
