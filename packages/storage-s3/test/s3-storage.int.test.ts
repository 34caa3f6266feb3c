import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FtpError } from '@ftp/plugin-api';
import { bytesFrom, chunksOf, collect, createTestPluginContext, noAbort, storageCodeOf } from '@ftp/plugin-api/testing';
import { deletePrefix, listKeys, seedObjects } from '@ftp/test-utils/s3';
import { createS3Storage } from '../src/index.ts';
import { readAll, useS3ThroughProxy } from './support/s3-fixture.ts';

const fixture = useS3ThroughProxy();
const open = fixture.open;

async function objectBytes(key: string): Promise<Buffer> {
  const output = await fixture.s3.client.send(new GetObjectCommand({ Bucket: fixture.s3.bucket, Key: key }));
  return Buffer.from(await output.Body!.transformToByteArray());
}

describe('keys and directories', () => {
  it('looks keys up exactly: foo never finds foo.txt', async () => {
    const { session } = await open();
    await session.write('/foo.txt', chunksOf(bytesFrom('12345')), { ...noAbort, offset: 0 });
    expect(await storageCodeOf(() => session.stat('/foo', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.read('/foo', { ...noAbort, offset: 0 }))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.delete('/foo', noAbort))).toBe('ENOENT');
    expect(await storageCodeOf(() => session.stat('/foo.tx', noAbort))).toBe('ENOENT');
    expect((await session.stat('/foo.txt', noAbort)).size).toBe(5);
  });

  it('keeps MKD directories as marker keys that every session sees, with the marker time', async () => {
    const { session, prefix } = await open();
    await session.makeDirectory('/kept', noAbort);
    expect(await listKeys(fixture.s3, prefix)).toEqual([`${prefix}kept/`]);
    const other = await createS3Storage(fixture.s3.options({ prefix })).openSession({ username: 'other' }, createTestPluginContext());
    const entry = await other.stat('/kept', noAbort);
    expect(entry).toMatchObject({ name: 'kept', type: 'directory' });
    const [listed] = await collect(other.list('/', noAbort));
    expect(listed).toMatchObject({ name: 'kept', type: 'directory' });
    expect(listed?.modifiedAt.getTime()).toBe(entry.modifiedAt.getTime());
  });

  it('sees directories implied by keys and keeps them when their last file is deleted', async () => {
    const { session, prefix } = await open();
    await fixture.s3.client.send(new PutObjectCommand({ Bucket: fixture.s3.bucket, Key: `${prefix}a/b/c.txt`, Body: 'c' }));
    expect(await session.stat('/a/b', noAbort)).toMatchObject({ type: 'directory' });
    expect((await collect(session.list('/a', noAbort))).map((entry) => entry.name)).toEqual(['b']);
    expect(await storageCodeOf(() => session.removeDirectory('/a', noAbort))).toBe('ENOTEMPTY');
    await session.delete('/a/b/c.txt', noAbort);
    expect(await session.stat('/a/b', noAbort)).toMatchObject({ type: 'directory' });
    expect(await listKeys(fixture.s3, prefix)).toEqual([`${prefix}a/b/`]);
  });

  it('stores unicode and space names as exactly those UTF-8 keys', async () => {
    const { session, prefix } = await open();
    const directory = '/dir with space';
    const name = 'ünïcödé 文件 a+b %20 ✓.txt';
    await session.makeDirectory(directory, noAbort);
    await session.write(`${directory}/${name}`, chunksOf(bytesFrom('exact')), { ...noAbort, offset: 0 });
    expect(await listKeys(fixture.s3, prefix)).toEqual([`${prefix}dir with space/`, `${prefix}dir with space/${name}`]);
    expect((await collect(session.list(directory, noAbort))).map((entry) => entry.name)).toEqual([name]);
    expect((await readAll(session, `${directory}/${name}`)).toString()).toBe('exact');
    await session.rename?.(`${directory}/${name}`, `/${name} moved`, noAbort);
    expect((await objectBytes(`${prefix}${name} moved`)).toString()).toBe('exact');
  });

  it('lists 10,000 keys completely, page by page, each name once', async () => {
    const { session, prefix } = await open();
    const count = 10_000;
    const names = Array.from({ length: count }, (_, index) => `file-${String(index).padStart(5, '0')}.txt`);
    await seedObjects(
      fixture.s3,
      names.map((name) => `${prefix}big/${name}`),
    );
    fixture.proxy.requests.length = 0;
    const seen = new Set<string>();
    for await (const entry of session.list('/big', noAbort)) {
      expect(seen.has(entry.name)).toBe(false);
      expect(entry).toMatchObject({ type: 'file', size: 1 });
      seen.add(entry.name);
    }
    expect(seen.size).toBe(count);
    const listRequests = fixture.proxy.requests.filter((request) => request.method === 'GET' && request.url.includes('list-type=2'));
    expect(listRequests.length).toBeGreaterThanOrEqual(count / 1000);
  }, 120_000);

  it('refuses a directory rename beyond maxRenameKeys with a 550 that says why', async () => {
    const { session } = await open({ maxRenameKeys: 2 });
    await session.makeDirectory('/many', noAbort);
    for (const name of ['a', 'b', 'c']) await session.write(`/many/${name}`, chunksOf(bytesFrom(name)), { ...noAbort, offset: 0 });
    const error = await session.rename!('/many', '/moved', noAbort).catch((thrown: unknown) => thrown);
    expect(FtpError.isInstance(error) && error.replyCode).toBe(550);
    expect(FtpError.isInstance(error) && error.expose && error.message).toMatch(/too large to rename/);
    expect(await collect(session.list('/many', noAbort))).toHaveLength(3);
  });
});

describe('sessions', () => {
  it('refuses a login when the bucket does not exist (EUNAVAILABLE: 421) and unsafe user names (EACCES)', async () => {
    const missing = createS3Storage(fixture.s3.options({ bucket: 'no-such-bucket-here' }));
    onTestFinished(() => missing.close?.());
    expect(await storageCodeOf(() => missing.openSession({ username: 'a' }, createTestPluginContext()))).toBe('EUNAVAILABLE');
    const perUser = createS3Storage(fixture.s3.options({ prefix: 'home/{user}/' }));
    onTestFinished(() => perUser.close?.());
    expect(await storageCodeOf(() => perUser.openSession({ username: '../x' }, createTestPluginContext()))).toBe('EACCES');
  });

  it('answers the readiness probe while the bucket answers, and fails it with EUNAVAILABLE for a missing bucket', async () => {
    const healthy = createS3Storage(fixture.s3.options());
    const missing = createS3Storage(fixture.s3.options({ bucket: 'no-such-bucket-here' }));
    onTestFinished(() => Promise.all([healthy.close?.(), missing.close?.()]));
    await expect(healthy.checkHealth!()).resolves.toBeUndefined();
    expect(await storageCodeOf(() => missing.checkHealth!())).toBe('EUNAVAILABLE');
  });

  it('gives each user the prefix named after them', async () => {
    const base = `users-${Date.now()}`;
    const connector = createS3Storage(fixture.s3.options({ prefix: `${base}/{user}/` }));
    onTestFinished(async () => {
      await connector.close?.();
      await deletePrefix(fixture.s3, `${base}/`);
    });
    const alice = await connector.openSession({ username: 'alice' }, createTestPluginContext());
    const bob = await connector.openSession({ username: 'bob' }, createTestPluginContext());
    await alice.write('/note.txt', chunksOf(bytesFrom('alice')), { ...noAbort, offset: 0 });
    expect(await listKeys(fixture.s3, `${base}/`)).toEqual([`${base}/alice/note.txt`]);
    expect(await collect(bob.list('/', noAbort))).toEqual([]);
  });
});
