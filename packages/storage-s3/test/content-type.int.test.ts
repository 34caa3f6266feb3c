import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { bytesFrom, chunksOf, noAbort } from '@ftp/plugin-api/testing';
import { useS3ThroughProxy } from './support/s3-fixture.ts';

const fixture = useS3ThroughProxy();

async function contentTypeOf(key: string): Promise<string | undefined> {
  return (await fixture.s3.client.send(new HeadObjectCommand({ Bucket: fixture.s3.bucket, Key: key }))).ContentType;
}

describe('Content-Type from the file name', () => {
  it('gives a single-request upload and a multipart one the type of their extension', async () => {
    const { session, prefix } = await fixture.open({ partSize: 5 * 1024 * 1024 });
    await session.write('/notes.txt', chunksOf(bytesFrom('text')), { ...noAbort, offset: 0 });
    await session.write('/photo.JPG', chunksOf(randomBytes(6 * 1024 * 1024), 256 * 1024), { ...noAbort, offset: 0 });
    expect(await contentTypeOf(`${prefix}notes.txt`)).toBe('text/plain');
    expect(await contentTypeOf(`${prefix}photo.JPG`)).toBe('image/jpeg');
    await session.append!('/notes.txt', chunksOf(bytesFrom(' more')), noAbort);
    expect(await contentTypeOf(`${prefix}notes.txt`)).toBe('text/plain');
  });

  it('gives a renamed file the type of its new name and keeps its metadata', async () => {
    const { session, prefix } = await fixture.open();
    await fixture.s3.client.send(
      new PutObjectCommand({ Bucket: fixture.s3.bucket, Key: `${prefix}page.html.filepart`, Body: '<p>', Metadata: { origin: 'winscp' } }),
    );
    await session.rename!('/page.html.filepart', '/page.html', noAbort);
    // The test server keeps the source's type on any copy, so the request is what shows the new one; S3 applies it.
    const [copy] = fixture.proxy.requests.filter((request) => request.copies);
    expect(copy?.headers).toMatchObject({
      'x-amz-metadata-directive': 'REPLACE',
      'content-type': 'text/html',
      'x-amz-meta-origin': 'winscp',
    });
    const head = await fixture.s3.client.send(new HeadObjectCommand({ Bucket: fixture.s3.bucket, Key: `${prefix}page.html` }));
    expect(head.Metadata).toEqual({ origin: 'winscp' });
    // A name without a known extension keeps whatever type the object had: a plain copy.
    fixture.proxy.requests.length = 0;
    await session.rename!('/page.html', '/page', noAbort);
    const [kept] = fixture.proxy.requests.filter((request) => request.copies);
    expect(kept?.headers['x-amz-metadata-directive']).toBe('COPY');
  });

  it('sets no type when contentTypeFromName is false', async () => {
    const { session, prefix } = await fixture.open({ contentTypeFromName: false });
    await session.write('/plain.txt', chunksOf(bytesFrom('text')), { ...noAbort, offset: 0 });
    expect(await contentTypeOf(`${prefix}plain.txt`)).not.toBe('text/plain');
    await session.rename!('/plain.txt', '/page.html', noAbort);
    const [copy] = fixture.proxy.requests.filter((request) => request.copies);
    expect(copy?.headers['x-amz-metadata-directive']).toBe('COPY');
    expect(await contentTypeOf(`${prefix}page.html`)).not.toBe('text/html');
  });
});
