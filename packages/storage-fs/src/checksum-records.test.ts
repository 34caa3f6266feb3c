import { createHash, randomBytes } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type ChecksumAlgorithm, type StorageSessionV1 } from '@ftp/plugin-api';
import { chunksOf, createTestPluginContext, noAbort, storageCodeOf } from '@ftp/plugin-api/testing';
import { tempDirectory } from '@ftp/test-utils';
import { createFsStorage } from './index.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('checksums recorded at commit', () => {
  let base: string;
  beforeEach(async () => {
    base = await tempDirectory('storage-fs-checksums-');
  });

  async function session(recordChecksums?: readonly ChecksumAlgorithm[]): Promise<StorageSessionV1> {
    const connector = createFsStorage({ root: base, fsync: false, reclaimTemporaries: false, ...(recordChecksums && { recordChecksums }) });
    return connector.openSession({ username: 'alice' }, createTestPluginContext());
  }

  it('answers from the record of an upload, for the algorithms recorded only', async () => {
    const files = await session(['SHA-256', 'CRC32']);
    const content = randomBytes(300_000);
    await files.write('/up.bin', chunksOf(content), { ...noAbort, offset: 0 });
    expect(await files.checksum!('/up.bin', 'SHA-256', noAbort)).toBe(sha256(content));
    expect(await storageCodeOf(() => files.checksum!('/up.bin', 'MD5', noAbort))).toBe('ENOTSUP');
  });

  it("shares the records among the connector's sessions, not with another connector", async () => {
    const connector = createFsStorage({ root: base, recordChecksums: ['MD5'], fsync: false, reclaimTemporaries: false });
    const uploader = await connector.openSession({ username: 'alice' }, createTestPluginContext());
    const content = randomBytes(1000);
    await uploader.write('/shared.bin', chunksOf(content), { ...noAbort, offset: 0 });
    const reader = await connector.openSession({ username: 'bob' }, createTestPluginContext());
    expect(await reader.checksum!('/shared.bin', 'MD5', noAbort)).toBe(createHash('md5').update(content).digest('hex'));
    const stranger = await createFsStorage({ root: base, recordChecksums: ['MD5'] }).openSession(
      { username: 'carol' },
      createTestPluginContext(),
    );
    expect(await storageCodeOf(() => stranger.checksum!('/shared.bin', 'MD5', noAbort))).toBe('ENOTSUP');
  });

  it('keeps the record through MFMT and a rename, which change no content', async () => {
    const files = await session(['SHA-256']);
    const content = randomBytes(10_000);
    await files.write('/kept.bin', chunksOf(content), { ...noAbort, offset: 0 });
    await files.setModifiedTime!('/kept.bin', new Date('2020-01-02T03:04:05Z'), noAbort);
    expect(await files.checksum!('/kept.bin', 'SHA-256', noAbort)).toBe(sha256(content));
    await files.rename!('/kept.bin', '/moved.bin', noAbort);
    expect(await files.checksum!('/moved.bin', 'SHA-256', noAbort)).toBe(sha256(content));
  });

  it('drops the record when the file changes: APPE, a resume, or another program', async () => {
    const files = await session(['SHA-256']);
    for (const change of [
      (path: string) => files.append!(path, chunksOf(randomBytes(10)), noAbort),
      (path: string) => files.write(path, chunksOf(randomBytes(10)), { ...noAbort, offset: 5 }),
      (path: string) => utimes(join(base, path), new Date(0), new Date(0)),
      (path: string) => writeFile(join(base, path), randomBytes(7)),
    ]) {
      await files.write('/changed.bin', chunksOf(randomBytes(1000)), { ...noAbort, offset: 0 });
      expect(await files.checksum!('/changed.bin', 'SHA-256', noAbort)).toMatch(/^[0-9a-f]{64}$/);
      await change('/changed.bin');
      expect(await storageCodeOf(() => files.checksum!('/changed.bin', 'SHA-256', noAbort)), String(change)).toBe('ENOTSUP');
    }
  });

  it('records nothing by default, and refuses an algorithm it does not know', async () => {
    const files = await session();
    await files.write('/plain.bin', chunksOf(randomBytes(100)), { ...noAbort, offset: 0 });
    expect(await storageCodeOf(() => files.checksum!('/plain.bin', 'SHA-256', noAbort))).toBe('ENOTSUP');
    expect(() => createFsStorage({ root: base, recordChecksums: ['SHA-3' as never] })).toThrow(InvalidOptionError);
  });
});
