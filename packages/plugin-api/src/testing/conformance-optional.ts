import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { expect } from 'vitest';
import { checksumAlgorithms } from '../storage/v1/checksum-digest.ts';
import type { ChecksumAlgorithm, StorageSessionV1 } from '../storage/v1/storage-connector-v1.ts';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { bytesFrom, chunksOf, collect, noAbort, storageCodeOf } from './helpers.ts';

type OptionalCapability = 'append' | 'rename' | 'setModifiedTime' | 'checksum' | 'setMode' | 'freeSpace';

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

/** append, rename, setModifiedTime, checksum, setMode and freeSpace, each only when the session has it. */
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

  check('checksum', 'gives the digest node:crypto computes for each algorithm, or ENOTSUP', async (skip) => {
    const checksum = capability(fixture.session, 'checksum', skip);
    const content = randomBytes(300_000);
    await fixture.session.write('/hashed.bin', chunksOf(content), { ...noAbort, offset: 0 });
    for (const algorithm of checksumAlgorithms) await expectDigestOrUnsupported(checksum, '/hashed.bin', algorithm, content);
  });

  check('checksum', 'never gives the digest of content the file no longer has', async (skip) => {
    const checksum = capability(fixture.session, 'checksum', skip);
    const { session } = fixture;
    const expectCurrent = async (content: Uint8Array, step: string) => {
      for (const algorithm of checksumAlgorithms) await expectDigestOrUnsupported(checksum, '/changing.bin', algorithm, content, step);
    };
    // Each change keeps the size, so a checksum kept by size alone would show up as stale.
    const first = randomBytes(70_000);
    await session.write('/changing.bin', chunksOf(first), { ...noAbort, offset: 0 });
    await expectCurrent(first, 'after the upload');
    const second = randomBytes(first.byteLength);
    await session.write('/changing.bin', chunksOf(second), { ...noAbort, offset: 0 });
    await expectCurrent(second, 'after an overwrite');
    const third = Buffer.concat([second.subarray(0, 1000), randomBytes(second.byteLength - 1000)]);
    const resumed = await session.write('/changing.bin', chunksOf(third.subarray(1000)), { ...noAbort, offset: 1000 }).then(
      () => true,
      async (error: unknown) => {
        expect(await storageCodeOf(() => Promise.reject(error)), 'a resume that fails').toBe('ENOTSUP');
        return false;
      },
    );
    const current = resumed ? third : second;
    if (resumed) await expectCurrent(current, 'after a resume (offset > 0)');
    const replacement = randomBytes(current.byteLength);
    await session.write('/elsewhere.bin', chunksOf(replacement), { ...noAbort, offset: 0 });
    await expectDigestOrUnsupported(checksum, '/elsewhere.bin', 'SHA-256', replacement, 'the file to move');
    if (session.rename !== undefined) {
      await session.rename('/elsewhere.bin', '/changing.bin', noAbort);
      await expectCurrent(replacement, 'after a rename over it');
    }
    if (session.append !== undefined) {
      const tail = randomBytes(5000);
      await session.append('/changing.bin', chunksOf(tail), noAbort);
      const appended = Buffer.concat([session.rename === undefined ? current : replacement, tail]);
      await expectCurrent(appended, 'after an append');
    }
  });

  check('checksum', 'throws ENOENT for a missing file and EISDIR for a directory', async (skip) => {
    const checksum = capability(fixture.session, 'checksum', skip);
    await fixture.session.makeDirectory('/folder', noAbort);
    expect(await storageCodeOf(() => checksum('/missing.bin', 'SHA-256', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => checksum('/folder', 'SHA-256', noAbort))).toBe('EISDIR');
  });

  check('set-mode', 'sets the permission bits that stat and list report, for a file and a directory', async (skip) => {
    const setMode = capability(fixture.session, 'setMode', skip);
    const { session } = fixture;
    await fixture.writeText('/moded.txt', 'x');
    await session.makeDirectory('/moded', noAbort);
    for (const [path, mode] of [
      ['/moded.txt', 0o640],
      ['/moded.txt', 0o604],
      ['/moded', 0o750],
      ['/moded', 0o705],
    ] as const) {
      await setMode(path, mode, noAbort);
      const entry = await session.stat(path, noAbort);
      expect(entry.mode, `stat of ${path} after ${mode.toString(8)}`).toBeDefined();
      expect((entry.mode ?? 0) & 0o777, path).toBe(mode);
    }
    const listed = (await collect(session.list('/', noAbort))).find((entry) => entry.name === 'moded.txt');
    expect((listed?.mode ?? 0) & 0o777).toBe(0o604);
  });

  check('set-mode', 'throws ENOENT for a missing path and EACCES for the root', async (skip) => {
    const setMode = capability(fixture.session, 'setMode', skip);
    expect(await storageCodeOf(() => setMode('/missing.txt', 0o644, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => setMode('/missing/deeper.txt', 0o644, noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => setMode('/', 0o700, noAbort))).toBe('EACCES');
  });

  check('free-space', 'gives a whole number of bytes for a directory', async (skip) => {
    const freeSpace = capability(fixture.session, 'freeSpace', skip);
    await fixture.session.makeDirectory('/space', noAbort);
    for (const path of ['/', '/space']) {
      const bytes = await freeSpace(path, noAbort);
      expect(Number.isSafeInteger(bytes) && bytes >= 0, `${path}: ${bytes}`).toBe(true);
    }
  });

  check('free-space', 'throws ENOENT for a missing directory and ENOTDIR for a file', async (skip) => {
    const freeSpace = capability(fixture.session, 'freeSpace', skip);
    await fixture.writeText('/file.txt', 'x');
    expect(await storageCodeOf(() => freeSpace('/missing', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => freeSpace('/file.txt', noAbort))).toBe('ENOTDIR');
  });
}

/** The digest `checksum` must give for `content`, computed here independently of `createChecksumDigest`. */
function referenceDigest(algorithm: ChecksumAlgorithm, content: Uint8Array): string {
  if (algorithm === 'CRC32') return crc32(content).toString(16).padStart(8, '0');
  const names = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512', MD5: 'md5' } as const;
  return createHash(names[algorithm]).update(content).digest('hex');
}

/** `checksum` gives the digest of `content`, or refuses with ENOTSUP (the server then hashes through `read`). */
async function expectDigestOrUnsupported(
  checksum: NonNullable<StorageSessionV1['checksum']>,
  path: string,
  algorithm: ChecksumAlgorithm,
  content: Uint8Array,
  step = '',
): Promise<void> {
  let digest: string | undefined;
  try {
    digest = await checksum(path, algorithm, noAbort);
  } catch (error) {
    expect(await storageCodeOf(() => Promise.reject(error)), `${algorithm} ${step}`).toBe('ENOTSUP');
    return;
  }
  expect(digest, `${algorithm} ${step}`).toBe(referenceDigest(algorithm, content));
}
