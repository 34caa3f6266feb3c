import { HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { storageError, type ChecksumAlgorithm } from '@ftp/plugin-api';
import { isNotFound, mapS3Errors } from './s3-error-to-storage-error.ts';
import { directoryState, type SessionScope } from './s3-lookup.ts';

/** The HeadObject field that holds each algorithm's stored checksum (base64). */
const storedField = {
  'SHA-256': 'ChecksumSHA256',
  'SHA-1': 'ChecksumSHA1',
  'SHA-512': 'ChecksumSHA512',
  MD5: 'ChecksumMD5',
  CRC32: 'ChecksumCRC32',
} as const satisfies Record<ChecksumAlgorithm, keyof HeadObjectCommandOutput>;

/**
 * The stored checksum of the whole object for `algorithm`, in lower-case hex, or undefined. Only a full-object
 * checksum counts: a multipart object's COMPOSITE checksum ("...-N") is a checksum of part checksums, not of the
 * content. The ETag is never used as an MD5: it is not one for multipart or KMS-encrypted objects.
 */
export function storedChecksum(head: HeadObjectCommandOutput, algorithm: ChecksumAlgorithm): string | undefined {
  const value = head[storedField[algorithm]];
  if (typeof value !== 'string' || value === '' || value.includes('-')) return undefined;
  if (head.ChecksumType !== undefined && head.ChecksumType !== 'FULL_OBJECT') return undefined;
  const bytes = Buffer.from(value, 'base64');
  const expectedBytes = { 'SHA-256': 32, 'SHA-1': 20, 'SHA-512': 64, MD5: 16, CRC32: 4 }[algorithm];
  return bytes.byteLength === expectedBytes ? bytes.toString('hex') : undefined;
}

/**
 * HASH: the checksum S3 stored with the object when it has a full-object one of this algorithm (uploads through
 * this connector store a full-object CRC32); `ENOTSUP` otherwise, and the server hashes the object through `read`
 * (one GetObject). `ENOENT`, `EISDIR`. S3 checked a stored checksum against the bytes it received, and a later write
 * replaces it with the object, so a stored one describes the current content.
 */
export async function checksumOf(scope: SessionScope, path: string, algorithm: ChecksumAlgorithm, signal: AbortSignal): Promise<string> {
  const key = scope.keys.fileKey(path);
  const head = await mapS3Errors(path, async () => {
    try {
      return await scope.client.send(new HeadObjectCommand({ Bucket: scope.settings.bucket, Key: key, ChecksumMode: 'ENABLED' }), {
        abortSignal: signal,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  });
  if (head === undefined) {
    const directory = await directoryState(scope, scope.keys.directoryPrefix(path), path, signal);
    throw storageError(directory.exists ? 'EISDIR' : 'ENOENT', path);
  }
  const stored = storedChecksum(head, algorithm);
  if (stored === undefined) throw storageError('ENOTSUP', path);
  return stored;
}
