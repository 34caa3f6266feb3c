import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { expect } from 'vitest';
import type { StorageSessionV1 } from '../storage/v1/storage-connector-v1.ts';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { bytesFrom, chunksOf, noAbort, storageCodeOf } from './helpers.ts';

type OptionalCapability = 'append' | 'rename' | 'setModifiedTime' | 'checksum';

/** Returns the bound capability, or skips the running test when the session does not offer it. */
function capability<Name extends OptionalCapability>(
  session: StorageSessionV1,
  name: Name,
  skip: (note: string) => never,
): NonNullable<StorageSessionV1[Name]> {
  const method = session[name];
  if (method === undefined) return skip(`the session has no ${name}()`);
  return (method as (...parameters: never[]) => unknown).bind(session) as NonNullable<StorageSessionV1[Name]>;
}

/** append, rename, setModifiedTime and checksum, each only when the session has it. */
export function defineOptionalChecks(fixture: ConformanceFixture): void {
  const { check } = fixture;

  check('append', 'creates a missing file, then appends to it', async (skip) => {
    const append = capability(fixture.session, 'append', skip);
    expect((await append('/log.txt', chunksOf(bytesFrom('abc')), noAbort)).bytesWritten).toBe(3);
    expect(await fixture.readText('/log.txt')).toBe('abc');
    expect((await append('/log.txt', chunksOf(bytesFrom('defgh'), 2), noAbort)).bytesWritten).toBe(5);
    expect(await fixture.readText('/log.txt')).toBe('abcdefgh');
  });

  check('rename', 'moves a file, replacing an existing file at the target', async (skip) => {
    const rename = capability(fixture.session, 'rename', skip);
    await fixture.writeText('/from.txt', 'moving');
    await rename('/from.txt', '/to.txt', noAbort);
    expect(await storageCodeOf(() => fixture.session.stat('/from.txt', noAbort))).toBe('ENOENT');
    expect(await fixture.readText('/to.txt')).toBe('moving');
    await fixture.writeText('/other.txt', 'winner');
    await rename('/other.txt', '/to.txt', noAbort);
    expect(await fixture.readText('/to.txt')).toBe('winner');
    expect(await fixture.names('/')).toEqual(['to.txt']);
  });

  check('rename', 'moves a directory with its content', async (skip) => {
    const rename = capability(fixture.session, 'rename', skip);
    await fixture.session.makeDirectory('/old', noAbort);
    await fixture.session.makeDirectory('/old/nested', noAbort);
    await fixture.writeText('/old/nested/file.txt', 'carried');
    await fixture.session.makeDirectory('/parent', noAbort);
    await rename('/old', '/parent/new', noAbort);
    expect(await fixture.names('/')).toEqual(['parent']);
    expect(await fixture.session.stat('/parent/new', noAbort)).toMatchObject({ type: 'directory' });
    expect(await fixture.readText('/parent/new/nested/file.txt')).toBe('carried');
  });

  check('rename', 'throws ENOENT for a missing source and EEXIST for a directory over a file', async (skip) => {
    const rename = capability(fixture.session, 'rename', skip);
    expect(await storageCodeOf(() => rename('/missing.txt', '/anything.txt', noAbort))).toBe('ENOENT');
    await fixture.session.makeDirectory('/folder', noAbort);
    await fixture.writeText('/file.txt', 'stays');
    expect(await storageCodeOf(() => rename('/folder', '/file.txt', noAbort))).toBe('EEXIST');
    expect(await fixture.readText('/file.txt')).toBe('stays');
    expect(await fixture.session.stat('/folder', noAbort)).toMatchObject({ type: 'directory' });
  });

  check('set-modified-time', 'sets a modification time that stat reports', async (skip) => {
    const setModifiedTime = capability(fixture.session, 'setModifiedTime', skip);
    await fixture.writeText('/dated.txt', 'x');
    const time = new Date('2020-02-29T12:34:56Z');
    await setModifiedTime('/dated.txt', time, noAbort);
    const seconds = Math.floor((await fixture.session.stat('/dated.txt', noAbort)).modifiedAt.getTime() / 1000);
    expect(seconds).toBe(time.getTime() / 1000);
  });

  check('set-modified-time', 'throws ENOENT for a missing path', async (skip) => {
    const setModifiedTime = capability(fixture.session, 'setModifiedTime', skip);
    expect(await storageCodeOf(() => setModifiedTime('/missing.txt', new Date(0), noAbort))).toBe('ENOENT');
  });

  check('checksum', 'returns the lower-case hex digest node:crypto computes', async (skip) => {
    const checksum = capability(fixture.session, 'checksum', skip);
    const content = randomBytes(300_000);
    await fixture.session.write('/hashed.bin', chunksOf(content), { ...noAbort, offset: 0 });
    const pairs = [
      ['SHA-256', 'sha256'],
      ['SHA-1', 'sha1'],
      ['MD5', 'md5'],
    ] as const;
    for (const [algorithm, nodeName] of pairs) {
      const expected = createHash(nodeName).update(content).digest('hex');
      try {
        expect(await checksum('/hashed.bin', algorithm, noAbort)).toBe(expected);
      } catch (error) {
        // SHA-1 is optional in practice; SHA-256 and MD5 are what clients ask for.
        if (algorithm !== 'SHA-1') throw error;
        expect(await storageCodeOf(() => Promise.reject(error))).toBe('ENOTSUP');
      }
    }
    try {
      expect(await checksum('/hashed.bin', 'CRC32', noAbort)).toBe(crc32(content).toString(16).padStart(8, '0'));
    } catch (error) {
      expect(await storageCodeOf(() => Promise.reject(error))).toBe('ENOTSUP');
    }
  });

  check('checksum', 'throws ENOENT for a missing file and EISDIR for a directory', async (skip) => {
    const checksum = capability(fixture.session, 'checksum', skip);
    await fixture.session.makeDirectory('/folder', noAbort);
    expect(await storageCodeOf(() => checksum('/missing.bin', 'SHA-256', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => checksum('/folder', 'SHA-256', noAbort))).toBe('EISDIR');
  });
}
