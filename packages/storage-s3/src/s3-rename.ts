import { CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { contentTypeOf } from './content-type.ts';
import { FtpError, StorageError, storageError, type FileEntry } from '@ftp/plugin-api';
import { listPages, mapConcurrently } from './list-objects.ts';
import { maximumPartSize, StreamingUpload } from './multipart-upload.ts';
import { mapS3Errors } from './s3-error-to-storage-error.ts';
import {
  headFile,
  keepDirectory,
  listingScope,
  putDirectoryMarker,
  requireParentDirectory,
  statPath,
  type SessionScope,
} from './s3-lookup.ts';
import { copySourceOf } from './s3-write.ts';

/** Copies of one directory rename that run at once. */
const copyConcurrency = 8;
/** DeleteObjects takes at most 1,000 keys per request. */
const deleteBatchSize = 1000;

async function* noBytes(): AsyncGenerator<Uint8Array> {}

/**
 * Copies one object server-side. CopyObject takes sources up to 5 GiB; larger ones are copied as a multipart upload
 * of UploadPartCopy ranges. The copy must be of the version that was looked at (`eTag`). With `contentType`, the copy
 * gets that Content-Type (a file renamed to another extension, such as WinSCP's "x.jpg.filepart" to "x.jpg"), and
 * the rest of the source's headers and metadata (`head`) go along unchanged.
 */
async function copyObject(
  scope: SessionScope,
  fromKey: string,
  toKey: string,
  source: { size: number; eTag: string | undefined },
  signal: AbortSignal,
  retyped?: { readonly contentType: string; readonly head: HeadObjectCommandOutput },
): Promise<void> {
  const { client, settings, logger } = scope;
  const copySource = copySourceOf(settings.bucket, fromKey);
  if (source.size > maximumPartSize) {
    const upload = new StreamingUpload({
      client,
      bucket: settings.bucket,
      key: toKey,
      partSize: settings.partSize,
      queueSize: settings.queueSize,
      signal,
      exclusive: false,
      payloadSigning: settings.payloadSigning,
      logger,
      contentType: retyped?.contentType,
    });
    await upload.run(noBytes(), { copySource, eTag: source.eTag, bytes: source.size });
    return;
  }
  await client.send(
    new CopyObjectCommand({
      Bucket: settings.bucket,
      Key: toKey,
      CopySource: copySource,
      ...(retyped === undefined
        ? { MetadataDirective: 'COPY' }
        : {
            // REPLACE sets every header anew: the source's own go along, but for the type (the SDK sends no header
            // for a field left undefined).
            MetadataDirective: 'REPLACE',
            ContentType: retyped.contentType,
            Metadata: retyped.head.Metadata,
            CacheControl: retyped.head.CacheControl,
            ContentDisposition: retyped.head.ContentDisposition,
            ContentEncoding: retyped.head.ContentEncoding,
            ContentLanguage: retyped.head.ContentLanguage,
            Expires: retyped.head.Expires,
          }),
      ...(source.eTag === undefined ? {} : { CopySourceIfMatch: source.eTag }),
    }),
    { abortSignal: signal },
  );
}

async function renameFile(scope: SessionScope, from: string, to: string, signal: AbortSignal): Promise<void> {
  const fromKey = scope.keys.fileKey(from);
  const head = await headFile(scope, fromKey, from, signal);
  if (head === undefined) throw storageError('ENOENT', from);
  const contentType = scope.settings.contentTypeFromName ? contentTypeOf(to) : undefined;
  // Only a name whose extension stands for another type changes the stored one.
  const retyped = contentType === undefined || contentType === head.ContentType ? undefined : { contentType, head };
  await mapS3Errors(from, () =>
    copyObject(scope, fromKey, scope.keys.fileKey(to), { size: head.ContentLength ?? 0, eTag: head.ETag }, signal, retyped),
  );
  await mapS3Errors(from, () =>
    scope.client.send(new DeleteObjectCommand({ Bucket: scope.settings.bucket, Key: fromKey }), { abortSignal: signal }),
  );
}

/** Every key below `prefix`, or undefined when there are more than `limit`. */
async function keysBelow(
  scope: SessionScope,
  prefix: string,
  limit: number,
  path: string,
  signal: AbortSignal,
): Promise<Array<{ key: string; size: number; eTag: string | undefined }> | undefined> {
  const found: Array<{ key: string; size: number; eTag: string | undefined }> = [];
  const pages = listPages(listingScope(scope, signal), prefix, undefined);
  for (;;) {
    const next = await mapS3Errors(path, () => pages.next());
    if (next.done === true) return found;
    for (const object of next.value.objects) {
      if (object.Key === undefined) continue;
      if (found.length >= limit) {
        await pages.return(undefined);
        return undefined;
      }
      found.push({ key: object.Key, size: object.Size ?? 0, eTag: object.ETag });
    }
  }
}

/**
 * A directory rename copies every key below it, then deletes the originals: S3 has no rename. It is bounded by
 * `maxRenameKeys` so one command cannot start an unbounded copy; a larger directory answers 550 with the reason.
 * It is not atomic: if a copy fails nothing is deleted, and the copies made so far stay at the new name.
 */
async function renameDirectory(scope: SessionScope, from: string, to: string, signal: AbortSignal): Promise<void> {
  const fromPrefix = scope.keys.directoryPrefix(from);
  const toPrefix = scope.keys.directoryPrefix(to);
  if (toPrefix.startsWith(fromPrefix)) throw new StorageError('EACCES', 'cannot move a directory into itself', { path: to });
  const limit = scope.settings.maxRenameKeys;
  const objects = await keysBelow(scope, fromPrefix, limit, from, signal);
  if (objects === undefined) {
    throw new FtpError(
      'FTP_ERR_S3_RENAME_TOO_LARGE',
      `Directory too large to rename on S3 (more than ${limit} objects); move its files one by one.`,
      {
        replyCode: 550,
        expose: true,
      },
    );
  }
  await putDirectoryMarker(scope, toPrefix, to, signal);
  await mapConcurrently(objects, copyConcurrency, async (object) => {
    const toKey = toPrefix + object.key.slice(fromPrefix.length);
    if (toKey === toPrefix) return;
    await mapS3Errors(from, () => copyObject(scope, object.key, toKey, object, signal));
  });
  for (let start = 0; start < objects.length; start += deleteBatchSize) {
    const batch = objects.slice(start, start + deleteBatchSize).map((object) => ({ Key: object.key }));
    const result = await mapS3Errors(from, () =>
      scope.client.send(new DeleteObjectsCommand({ Bucket: scope.settings.bucket, Delete: { Objects: batch, Quiet: true } }), {
        abortSignal: signal,
      }),
    );
    if ((result.Errors ?? []).length > 0) {
      throw new StorageError('EUNAVAILABLE', `S3 kept ${result.Errors?.length} objects of the renamed directory`, { path: from });
    }
  }
}

/**
 * RNFR/RNTO. A file is copied (CopyObject, or a multipart copy above 5 GiB) then deleted, replacing a file at `to`.
 * A directory moves with its content, up to `maxRenameKeys` objects. A directory over anything, or anything over a
 * directory, is `EEXIST`. The directory left behind keeps existing (a marker is written when it became empty).
 */
export async function renamePath(scope: SessionScope, from: string, to: string, signal: AbortSignal): Promise<void> {
  if (from === '/' || to === '/') throw new StorageError('EACCES', 'the root cannot be renamed or replaced', { path: from });
  const source = await statPath(scope, from, signal);
  await requireParentDirectory(scope, to, signal);
  let target: FileEntry | undefined;
  try {
    target = await statPath(scope, to, signal);
  } catch (error) {
    if (!StorageError.isInstance(error) || error.storageCode !== 'ENOENT') throw error;
  }
  if (from === to) return;
  if (target?.type === 'directory' || (source.type === 'directory' && target !== undefined)) throw storageError('EEXIST', to);
  if (source.type === 'file') await renameFile(scope, from, to, signal);
  else await renameDirectory(scope, from, to, signal);
  await keepDirectory(scope, scope.keys.parentOf(from), signal);
}
