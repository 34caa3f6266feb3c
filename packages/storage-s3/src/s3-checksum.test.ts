import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { storedChecksum } from './s3-checksum.ts';

const base64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
/** A HeadObject answer with only the fields given. */
const headOf = (fields: Partial<HeadObjectCommandOutput>): HeadObjectCommandOutput => ({ $metadata: {}, ...fields });

describe('storedChecksum', () => {
  it('gives a full-object checksum of the algorithm asked in lower-case hex', () => {
    const head = headOf({ ChecksumCRC32: base64('0a1b2c3d'), ChecksumSHA512: base64('ab'.repeat(64)), ChecksumType: 'FULL_OBJECT' });
    expect(storedChecksum(head, 'CRC32')).toBe('0a1b2c3d');
    expect(storedChecksum(head, 'SHA-512')).toBe('ab'.repeat(64));
    expect(storedChecksum(head, 'SHA-256')).toBeUndefined();
  });

  it('never takes a composite multipart checksum or one of the wrong length', () => {
    expect(storedChecksum(headOf({ ChecksumCRC32: `${base64('0a1b2c3d')}-3` }), 'CRC32')).toBeUndefined();
    expect(storedChecksum(headOf({ ChecksumCRC32: base64('0a1b2c3d'), ChecksumType: 'COMPOSITE' }), 'CRC32')).toBeUndefined();
    expect(storedChecksum(headOf({ ChecksumSHA256: base64('ab'.repeat(20)) }), 'SHA-256')).toBeUndefined();
  });
});
