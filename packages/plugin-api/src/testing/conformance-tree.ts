import { expect } from 'vitest';
import type { ConformanceFixture, StorageConformanceCheck } from './conformance-fixture.ts';
import { noAbort, storageCodeOf } from './helpers.ts';

/** File names that FTP clients send and naive connectors mangle. */
const awkwardNames: ReadonlyArray<readonly [StorageConformanceCheck, string]> = [
  ['names', 'name with spaces.txt'],
  ['names', 'ünïcödé 文件 ✓ 🎉.txt'],
  ['names', `quotes "double" and 'single'.txt`],
  ['names', 'percent %20 hash # question ? plus + amp & equals =.txt'],
  ['backslash-name', 'back\\slash.txt'],
];

/** delete, makeDirectory, removeDirectory and awkward names. */
export function defineTreeChecks(fixture: ConformanceFixture): void {
  const { check } = fixture;

  check('delete', 'removes a file', async () => {
    await fixture.writeText('/doomed.txt', 'x');
    await fixture.session.delete('/doomed.txt', noAbort);
    expect(await storageCodeOf(() => fixture.session.stat('/doomed.txt', noAbort))).toBe('ENOENT');
    expect(await fixture.names('/')).toEqual([]);
  });

  check('delete', 'throws ENOENT for a missing file and EISDIR for a directory, which stays', async () => {
    await fixture.session.makeDirectory('/folder', noAbort);
    expect(await storageCodeOf(() => fixture.session.delete('/missing.txt', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => fixture.session.delete('/folder', noAbort))).toBe('EISDIR');
    expect(await fixture.session.stat('/folder', noAbort)).toMatchObject({ type: 'directory' });
  });

  check('make-directory', 'creates a directory, nested ones one level at a time', async () => {
    await fixture.session.makeDirectory('/outer', noAbort);
    await fixture.session.makeDirectory('/outer/inner', noAbort);
    expect(await fixture.session.stat('/outer/inner', noAbort)).toMatchObject({ name: 'inner', type: 'directory' });
    expect(await fixture.names('/outer')).toEqual(['inner']);
  });

  check('make-directory', 'throws EEXIST over a directory or file and ENOENT below a missing parent', async () => {
    await fixture.session.makeDirectory('/folder', noAbort);
    await fixture.writeText('/file.txt', 'x');
    expect(await storageCodeOf(() => fixture.session.makeDirectory('/folder', noAbort))).toBe('EEXIST');
    expect(await storageCodeOf(() => fixture.session.makeDirectory('/file.txt', noAbort))).toBe('EEXIST');
    expect(await storageCodeOf(() => fixture.session.makeDirectory('/missing/child', noAbort))).toBe('ENOENT');
    expect(await fixture.readText('/file.txt')).toBe('x');
  });

  check('remove-directory', 'removes an empty directory', async () => {
    await fixture.session.makeDirectory('/empty', noAbort);
    await fixture.session.removeDirectory('/empty', noAbort);
    expect(await storageCodeOf(() => fixture.session.stat('/empty', noAbort))).toBe('ENOENT');
  });

  check('remove-directory', 'throws ENOTEMPTY and removes nothing from a non-empty directory', async () => {
    await fixture.session.makeDirectory('/full', noAbort);
    await fixture.session.makeDirectory('/full/child', noAbort);
    await fixture.writeText('/full/child/file.txt', 'kept');
    expect(await storageCodeOf(() => fixture.session.removeDirectory('/full', noAbort))).toBe('ENOTEMPTY');
    expect(await storageCodeOf(() => fixture.session.removeDirectory('/full/child', noAbort))).toBe('ENOTEMPTY');
    expect(await fixture.readText('/full/child/file.txt')).toBe('kept');
  });

  check('remove-directory', 'throws ENOTDIR for a file and ENOENT for a missing directory', async () => {
    await fixture.writeText('/file.txt', 'x');
    expect(await storageCodeOf(() => fixture.session.removeDirectory('/file.txt', noAbort))).toBe('ENOTDIR');
    expect(await storageCodeOf(() => fixture.session.removeDirectory('/missing', noAbort))).toBe('ENOENT');
    expect(await fixture.readText('/file.txt')).toBe('x');
  });

  for (const [group, name] of awkwardNames) {
    check(group, `keeps the name ${JSON.stringify(name)} exact through write, stat, list, read and delete`, async () => {
      await fixture.writeText(`/${name}`, name);
      expect((await fixture.session.stat(`/${name}`, noAbort)).name).toBe(name);
      expect(await fixture.names('/')).toEqual([name]);
      expect(await fixture.readText(`/${name}`)).toBe(name);
      await fixture.session.delete(`/${name}`, noAbort);
      expect(await fixture.names('/')).toEqual([]);
    });
  }

  check('names', 'keeps awkward directory names exact', async () => {
    const directory = '/dir with spaces ü "q"';
    await fixture.session.makeDirectory(directory, noAbort);
    await fixture.writeText(`${directory}/inner file.txt`, 'inside');
    expect(await fixture.names('/')).toEqual(['dir with spaces ü "q"']);
    expect(await fixture.names(directory)).toEqual(['inner file.txt']);
    expect(await fixture.readText(`${directory}/inner file.txt`)).toBe('inside');
  });
}
