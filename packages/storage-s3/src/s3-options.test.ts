import { constants as bufferConstants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '@ftp/plugin-api';
import { createS3Storage, createStorageConnector } from './index.ts';
import { storageCodeFor, toStorageError } from './s3-error-to-storage-error.ts';

function optionOf(create: () => unknown): string | undefined {
  try {
    create();
  } catch (error) {
    if (error instanceof InvalidOptionError) return error.option;
    throw error;
  }
  return undefined;
}

describe('options', () => {
  const base = { bucket: 'files', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

  it('names the option at fault', () => {
    expect(optionOf(() => createS3Storage({ ...base, bucket: '' }))).toBe('bucket');
    expect(optionOf(() => createS3Storage({ ...base, bucket: 'Upper_Case' }))).toBe('bucket');
    expect(optionOf(() => createS3Storage({ ...base, partSize: 1024 }))).toBe('partSize');
    // S3 takes parts of 5 GiB, but one Buffer holds at most 4 GiB on Node.js 20 (2^53 - 1 bytes on 22 and later).
    const largestPart = Math.min(5 * 1024 ** 3, bufferConstants.MAX_LENGTH);
    expect(optionOf(() => createS3Storage({ ...base, partSize: largestPart + 1 }))).toBe('partSize');
    expect(optionOf(() => createS3Storage({ ...base, partSize: largestPart }))).toBeUndefined();
    expect(optionOf(() => createS3Storage({ ...base, partSize: 5 * 1024 ** 3 + 1 }))).toBe('partSize');
    expect(optionOf(() => createS3Storage({ ...base, partSize: 4 * 1024 ** 3 }))).toBeUndefined();
    expect(optionOf(() => createS3Storage({ ...base, queueSize: 0 }))).toBe('queueSize');
    expect(optionOf(() => createS3Storage({ ...base, endpoint: 'ftp://x' }))).toBe('endpoint');
    expect(optionOf(() => createS3Storage({ ...base, prefix: 'a/../b' }))).toBe('prefix');
    expect(optionOf(() => createS3Storage({ ...base, credentials: { accessKeyId: '', secretAccessKey: 'b' } }))).toBe(
      'credentials.accessKeyId',
    );
    expect(optionOf(() => createStorageConnector({ ...base, bukcet: 'typo' }))).toBe('bukcet');
    expect(optionOf(() => createStorageConnector({ ...base, credentials: { accessKeyId: 'a', secretAccessKey: 'b', token: 'x' } }))).toBe(
      'credentials.token',
    );
    expect(optionOf(() => createStorageConnector({ ...base, partSize: '8MiB' }))).toBe('partSize');
    expect(optionOf(() => createStorageConnector({ ...base, signPayload: 'no' }))).toBe('signPayload');
  });

  it('creates a frozen v1 connector from valid options and config', async () => {
    const connector = createStorageConnector({
      ...base,
      prefix: 'home/{user}/',
      partSize: 16 * 1024 * 1024,
      queueSize: 2,
      signPayload: false,
    });
    expect(connector).toMatchObject({ specificationVersion: 'v1', name: 's3' });
    expect(Object.isFrozen(connector)).toBe(true);
    await connector.close?.();
  });
});

describe('S3 error mapping', () => {
  const sdkError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it.each([
    ['NoSuchKey', 404, 'ENOENT'],
    ['NotFound', 404, 'ENOENT'],
    ['AccessDenied', 403, 'EACCES'],
    ['Forbidden', 403, 'EACCES'],
    ['SlowDown', 503, 'EUNAVAILABLE'],
    ['InternalError', 500, 'EUNAVAILABLE'],
    ['SomethingNew', 502, 'EUNAVAILABLE'],
    ['TooManyRequests', 429, 'EUNAVAILABLE'],
    ['KeyTooLongError', 400, 'EBADNAME'],
    ['NoSuchBucket', 404, 'EUNAVAILABLE'],
  ])('maps %s (%i) to %s', (name, status, expected) => {
    expect(storageCodeFor(sdkError(name, status))).toBe(expected);
  });

  it('maps socket failures to EUNAVAILABLE and leaves unknown errors alone', () => {
    expect(storageCodeFor(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('EUNAVAILABLE');
    const unknown = sdkError('InvalidArgument', 400);
    expect(toStorageError(unknown, '/x')).toBe(unknown);
    expect(storageCodeFor(new DOMException('aborted', 'AbortError'))).toBeUndefined();
  });
});
