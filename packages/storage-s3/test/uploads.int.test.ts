import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { StorageError } from '@ftp/plugin-api';
import { chunksOf, noAbort, storageCodeOf } from '@ftp/plugin-api/testing';
import { listKeys, openUploads } from '@ftp/test-utils/s3';
import { isAbortMultipartUpload, isCreateMultipartUpload, isUploadPart } from './support/fault-proxy.ts';
import { readAll, useS3ThroughProxy } from './support/s3-fixture.ts';

// Uploads against the real test server: resumes byte for byte, atomic failure, cleanup of multipart uploads.
// Parts are 5 MiB (S3's minimum), so a few MiB of data already spans several parts.
const mebibyte = 1024 * 1024;
const fixture = useS3ThroughProxy({ queueSize: 2 });
const open = fixture.open;

/** Stores an object directly (at most 10 MiB: fauxqs refuses larger request bodies). */
async function put(key: string, body: Buffer): Promise<void> {
  await fixture.s3.client.send(new PutObjectCommand({ Bucket: fixture.s3.bucket, Key: key, Body: body }));
}

/** An upload that yields `bytes` then fails, as a data connection that breaks mid-way. */
async function* breaksAfter(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield* chunksOf(bytes, 256 * 1024);
  throw new Error('data connection lost');
}

/** Every CreateMultipartUpload that went through the proxy was followed by a successful AbortMultipartUpload. */
function expectEveryUploadAborted(): void {
  const created = fixture.proxy.requests.filter(isCreateMultipartUpload);
  const aborted = fixture.proxy.requests.filter(isAbortMultipartUpload);
  expect(created.length).toBeGreaterThan(0);
  expect(aborted).toHaveLength(created.length);
  for (const request of aborted) expect(request.status).toBe(204);
}

/** The aborted upload really is gone: S3 refuses another part for it. */
async function expectUploadGone(key: string): Promise<void> {
  const abort = fixture.proxy.requests.find(isAbortMultipartUpload);
  const uploadId = new URL(abort!.url, 'http://x').searchParams.get('uploadId')!;
  const error = await fixture.s3.client
    .send(new UploadPartCommand({ Bucket: fixture.s3.bucket, Key: key, UploadId: uploadId, PartNumber: 9, Body: 'x' }))
    .catch((thrown: unknown) => thrown);
  expect((error as Error).name).toBe('NoSuchUpload');
}

describe('resume (REST + STOR) and APPE', () => {
  it.each([
    ['small object, small data (one PutObject)', 10, 4, 5],
    ['kept bytes and data cross part boundaries', 10 * mebibyte + 3, 7 * mebibyte + 123, 6 * mebibyte + 5],
    ['kept bytes end exactly on a part boundary', 6 * mebibyte, 5 * mebibyte, 1],
    ['resume at the very end', 5 * mebibyte + 1, 5 * mebibyte + 1, 2 * mebibyte],
  ])('keeps exactly the first bytes and appends the data: %s', async (_title, existingSize, offset, dataSize) => {
    const { session, prefix } = await open();
    const existing = randomBytes(existingSize);
    const data = randomBytes(dataSize);
    await put(`${prefix}resume.bin`, existing);
    const result = await session.write('/resume.bin', chunksOf(data, 100_000), { ...noAbort, offset });
    expect(result.bytesWritten).toBe(dataSize);
    const expected = Buffer.concat([existing.subarray(0, offset), data]);
    expect((await readAll(session, '/resume.bin')).equals(expected)).toBe(true);
    expect((await readAll(session, '/resume.bin', offset)).equals(data)).toBe(true);
  });

  it('APPE rebuilds the object as its content followed by the data, byte for byte', async () => {
    const { session } = await open();
    const first = randomBytes(6 * mebibyte + 7);
    const second = randomBytes(mebibyte + 1);
    await session.append!('/log.bin', chunksOf(first), noAbort);
    await session.append!('/log.bin', chunksOf(second), noAbort);
    expect((await readAll(session, '/log.bin')).equals(Buffer.concat([first, second]))).toBe(true);
  });

  it('leaves the object as it was when a resume or an append fails', async () => {
    const { session, prefix } = await open();
    const existing = randomBytes(3 * mebibyte);
    await put(`${prefix}kept.bin`, existing);
    await expect(session.write('/kept.bin', breaksAfter(randomBytes(6 * mebibyte)), { ...noAbort, offset: mebibyte })).rejects.toThrow();
    await expect(session.append!('/kept.bin', breaksAfter(randomBytes(6 * mebibyte)), noAbort)).rejects.toThrow();
    expect((await readAll(session, '/kept.bin')).equals(existing)).toBe(true);
  });

  it('refuses a resume beyond the end of the object and of a missing object', async () => {
    const { session, prefix } = await open();
    await put(`${prefix}short.bin`, Buffer.from('abc'));
    expect(await storageCodeOf(() => session.write('/short.bin', chunksOf(Buffer.from('x')), { ...noAbort, offset: 4 }))).toBe('ENOTSUP');
    expect(await storageCodeOf(() => session.write('/none.bin', chunksOf(Buffer.from('x')), { ...noAbort, offset: 1 }))).toBe('ENOENT');
  });

  // UploadPartCopy lets S3 copy the kept bytes itself. Neither fauxqs nor s3rver implements it (500/501), so this runs
  // only against a real S3 or MinIO: S3_ENDPOINT=... S3_UPLOAD_PART_COPY=true.
  it.skipIf(process.env.S3_UPLOAD_PART_COPY !== 'true')(
    'resumes with UploadPartCopy when resumeByCopy is on and at least 5 MiB are kept',
    async () => {
      const { session, prefix } = await open({ resumeByCopy: true });
      const existing = randomBytes(8 * mebibyte);
      const data = randomBytes(mebibyte);
      await put(`${prefix}copy.bin`, existing);
      await session.write('/copy.bin', chunksOf(data), { ...noAbort, offset: 6 * mebibyte });
      expect(
        fixture.proxy.requests.some((request) => isUploadPart(request) && request.copies && request.url.includes('partNumber=1')),
      ).toBe(true);
      expect((await readAll(session, '/copy.bin')).equals(Buffer.concat([existing.subarray(0, 6 * mebibyte), data]))).toBe(true);
    },
  );
});

describe('failed and dropped uploads', () => {
  it('leaves no object and no multipart upload when the data connection drops mid-way', async () => {
    const { session, prefix } = await open();
    await expect(session.write('/dropped.bin', breaksAfter(randomBytes(12 * mebibyte)), { ...noAbort, offset: 0 })).rejects.toThrow(
      'data connection lost',
    );
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
    expect(await openUploads(fixture.s3, prefix)).toEqual([]);
    expectEveryUploadAborted();
    await expectUploadGone(`${prefix}dropped.bin`);
  });

  it('leaves no object when the signal aborts a multipart upload (ABOR, disconnect)', async () => {
    const { session, prefix } = await open();
    const controller = new AbortController();
    async function* data(): AsyncGenerator<Uint8Array> {
      for (let index = 0; index < 100; index += 1) {
        if (index === 50) controller.abort(new Error('ABOR'));
        yield randomBytes(256 * 1024);
      }
    }
    await expect(session.write('/aborted.bin', data(), { signal: controller.signal, offset: 0 })).rejects.toThrow();
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
    expectEveryUploadAborted();
  });

  it('fails with EUNAVAILABLE and leaves no object when S3 keeps failing part uploads', async () => {
    const { session, prefix } = await open();
    // The SDK retries a failed request (3 attempts): the fault must be persistent to reach the connector.
    fixture.proxy.decide = (request) => (isUploadPart(request) && request.url.includes('partNumber=2') ? 'fail' : 'forward');
    const error = await session
      .write('/faulty.bin', chunksOf(randomBytes(16 * mebibyte)), { ...noAbort, offset: 0 })
      .catch((thrown: unknown) => thrown);
    expect(StorageError.isInstance(error) && error.storageCode).toBe('EUNAVAILABLE');
    expect(fixture.proxy.requests.filter((request) => isUploadPart(request) && request.status === 500).length).toBeGreaterThanOrEqual(3);
    fixture.proxy.decide = () => 'forward';
    expect(await listKeys(fixture.s3, prefix)).toEqual([]);
    expectEveryUploadAborted();
    const get = await fixture.s3.client
      .send(new GetObjectCommand({ Bucket: fixture.s3.bucket, Key: `${prefix}faulty.bin` }))
      .catch((thrown: unknown) => thrown);
    expect((get as Error).name).toBe('NoSuchKey');
  });

  it('fails with EUNAVAILABLE when S3 resets every small upload, and keeps the old content', async () => {
    const { session, prefix } = await open();
    await put(`${prefix}old.txt`, Buffer.from('old'));
    fixture.proxy.decide = (request) => (request.method === 'PUT' ? 'reset' : 'forward');
    expect(await storageCodeOf(() => session.write('/old.txt', chunksOf(Buffer.from('new')), { ...noAbort, offset: 0 }))).toBe(
      'EUNAVAILABLE',
    );
    fixture.proxy.decide = () => 'forward';
    expect((await readAll(session, '/old.txt')).toString()).toBe('old');
  });

  it('signs upload bytes over plain http by default and leaves them unsigned with signPayload: false', async () => {
    const body = randomBytes(6 * mebibyte);
    const uploadsOf = () =>
      fixture.proxy.requests.filter((request) => isUploadPart(request) || (request.method === 'PUT' && !request.copies));
    const signed = await open();
    await signed.session.write('/signed.bin', chunksOf(body), { ...noAbort, offset: 0 });
    // The proxy is plain http: the default hashes each body into the signature, SHA-256 in hex.
    const signedHashes = uploadsOf().map((request) => request.payloadHash);
    expect(signedHashes.length).toBeGreaterThanOrEqual(2);
    for (const hash of signedHashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await readAll(signed.session, '/signed.bin')).equals(body)).toBe(true);

    const unsigned = await open({ signPayload: false });
    await unsigned.session.write('/unsigned.bin', chunksOf(body), { ...noAbort, offset: 0 });
    await unsigned.session.write('/small.txt', chunksOf(Buffer.from('small')), { ...noAbort, offset: 0 });
    const unsignedHashes = uploadsOf().map((request) => request.payloadHash);
    // Two parts and one PutObject, every one accepted by S3 with the marker instead of a hash.
    expect(unsignedHashes).toEqual(['UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD']);
    for (const request of uploadsOf()) expect(request.status).toBe(200);
    expect((await readAll(unsigned.session, '/unsigned.bin')).equals(body)).toBe(true);
    expect((await readAll(unsigned.session, '/small.txt')).toString()).toBe('small');
  });
});
