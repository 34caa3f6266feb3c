import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { StorageError, storageError, type WriteOptions, type WriteResult } from '@ftp/plugin-api';
import { concatenate, countBytes } from './abort.ts';
import { minimumPartSize, StreamingUpload, type CopiedPrefix } from './multipart-upload.ts';
import { s3ErrorCodeOf, toStorageError } from './s3-error-to-storage-error.ts';
import { directoryState, headFile, requireParentDirectory, type SessionScope } from './s3-lookup.ts';
import { streamBody } from './object-body.ts';
import { contentTypeOf } from './content-type.ts';

/** The existing bytes an upload keeps at its start (REST+STOR keeps `offset` bytes, APPE the whole object). */
interface KeptBytes {
  readonly bytes: number;
  /** The ETag read before the upload: the kept bytes must come from exactly that version. */
  readonly eTag: string | undefined;
}

/** The `CopySource` of a key: the bucket and the URL-encoded key, segment by segment. */
export function copySourceOf(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Streams bytes `[0, bytes)` of an object with a ranged GetObject, only once the upload asks for them. */
async function* keptBytesOf(
  scope: SessionScope,
  key: string,
  path: string,
  kept: KeptBytes,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const output = await scope.client.send(
    new GetObjectCommand({
      Bucket: scope.settings.bucket,
      Key: key,
      Range: `bytes=0-${kept.bytes - 1}`,
      ...(kept.eTag === undefined ? {} : { IfMatch: kept.eTag }),
    }),
    { abortSignal: signal },
  );
  yield* streamBody(output.Body as Readable, signal, path);
}

/** Checks what any upload to `path` needs: not a directory, and the parent directory exists. */
async function checkTarget(scope: SessionScope, path: string, signal: AbortSignal): Promise<string> {
  const key = scope.keys.fileKey(path);
  if ((await directoryState(scope, scope.keys.directoryPrefix(path), path, signal)).exists) throw storageError('EISDIR', path);
  await requireParentDirectory(scope, path, signal);
  return key;
}

/**
 * Uploads the client's data as the new content of `key`, after the kept bytes of the old content when there are any.
 * Kept bytes of at least 5 MiB are copied by S3 itself (UploadPartCopy) when `resumeByCopy` is on; otherwise they are
 * streamed from a ranged GetObject into the same bounded part buffers as the client's data. Either way the object is
 * replaced atomically when the upload completes, and left as it was when it fails.
 */
async function upload(
  scope: SessionScope,
  path: string,
  key: string,
  data: AsyncIterable<Uint8Array>,
  options: { readonly kept: KeptBytes | undefined; readonly exclusive: boolean; readonly signal: AbortSignal },
): Promise<WriteResult> {
  const { client, settings, logger } = scope;
  const { kept, exclusive, signal } = options;
  const clientData = countBytes(data);
  const streaming = new StreamingUpload({
    client,
    bucket: settings.bucket,
    key,
    partSize: settings.partSize,
    queueSize: settings.queueSize,
    signal,
    exclusive,
    payloadSigning: settings.payloadSigning,
    logger,
    contentType: settings.contentTypeFromName ? contentTypeOf(path) : undefined,
  });
  try {
    if (kept === undefined || kept.bytes === 0) {
      await streaming.run(clientData.data);
    } else if (settings.resumeByCopy && kept.bytes >= minimumPartSize) {
      const prefix: CopiedPrefix = { copySource: copySourceOf(settings.bucket, key), eTag: kept.eTag, bytes: kept.bytes };
      await streaming.run(clientData.data, prefix);
    } else {
      await streaming.run(concatenate(keptBytesOf(scope, key, path, kept, signal), clientData.data));
    }
  } catch (error) {
    const code = s3ErrorCodeOf(error);
    if (exclusive && (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict')) {
      throw storageError('EEXIST', path, error);
    }
    throw toStorageError(error, path);
  }
  return { bytesWritten: clientData.count() };
}

/** STOR, STOU and REST+STOR: see `StorageSessionV1.write`. */
export async function writeObject(
  scope: SessionScope,
  path: string,
  data: AsyncIterable<Uint8Array>,
  options: WriteOptions,
): Promise<WriteResult> {
  const { signal, offset } = options;
  const exclusive = options.exclusive === true;
  const key = await checkTarget(scope, path, signal);
  let kept: KeptBytes | undefined;
  if (exclusive || offset > 0) {
    const existing = await headFile(scope, key, path, signal);
    // Checked here and again by S3 with If-None-Match where supported, so a racing upload is refused as well.
    if (exclusive && existing !== undefined) throw storageError('EEXIST', path);
    if (offset > 0) {
      if (existing === undefined) throw storageError('ENOENT', path);
      const size = existing.ContentLength ?? 0;
      if (offset > size) {
        throw new StorageError('ENOTSUP', `cannot resume at ${offset}, beyond the end (${size}) of the object`, { path });
      }
      kept = { bytes: offset, eTag: existing.ETag };
    }
  }
  return upload(scope, path, key, data, { kept, exclusive, signal });
}

/**
 * APPE: the object is rebuilt as its current content followed by the data, and replaced atomically on completion, so
 * unlike on a file system a failed append leaves the object exactly as it was. A missing object is created.
 */
export async function appendObject(
  scope: SessionScope,
  path: string,
  data: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): Promise<WriteResult> {
  const key = await checkTarget(scope, path, signal);
  const existing = await headFile(scope, key, path, signal);
  const kept = existing === undefined ? undefined : { bytes: existing.ContentLength ?? 0, eTag: existing.ETag };
  return upload(scope, path, key, data, { kept, exclusive: false, signal });
}
