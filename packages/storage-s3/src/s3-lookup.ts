import { HeadObjectCommand, PutObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { StorageError, storageError, type FileEntry, type PluginLogger } from '@ftp/plugin-api';
import { nameOf, type KeyMapping } from './key-mapping.ts';
import { firstKeys, type ListingScope } from './list-objects.ts';
import type { S3Sender } from './multipart-upload.ts';
import { isNotFound, mapS3Errors } from './s3-error-to-storage-error.ts';
import type { S3Settings } from './s3-options.ts';

/** Everything a session's operations share. */
export interface SessionScope {
  readonly client: S3Sender;
  readonly settings: S3Settings;
  readonly keys: KeyMapping;
  readonly logger: PluginLogger;
}

/** The listing scope of a session call. */
export function listingScope(scope: SessionScope, signal: AbortSignal): ListingScope {
  return { client: scope.client, bucket: scope.settings.bucket, signal };
}

/** HeadObject of exactly `key`, or undefined when there is no such key. Never matches by prefix. */
export async function headFile(
  scope: SessionScope,
  key: string,
  path: string,
  signal: AbortSignal,
): Promise<HeadObjectCommandOutput | undefined> {
  return mapS3Errors(path, async () => {
    try {
      return await scope.client.send(new HeadObjectCommand({ Bucket: scope.settings.bucket, Key: key }), { abortSignal: signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  });
}

/** What the keys below a directory prefix say about that directory. */
export interface DirectoryState {
  readonly exists: boolean;
  /** The marker's time when there is a marker, else the time of the first key below the prefix. */
  readonly modifiedAt: Date | undefined;
}

/**
 * Whether a directory exists: its marker key or any key below it. One ListObjectsV2 of one key: the marker "a/" sorts
 * before every key below it, so when it exists it is the key returned and its LastModified is the directory's time.
 */
export async function directoryState(scope: SessionScope, prefix: string, path: string, signal: AbortSignal): Promise<DirectoryState> {
  const [first] = await mapS3Errors(path, () => firstKeys(listingScope(scope, signal), prefix, 1));
  return { exists: first !== undefined, modifiedAt: first?.LastModified };
}

/** The entry at a path: the exact file key first, then the directory prefix; `ENOENT` when neither exists. */
export async function statPath(scope: SessionScope, path: string, signal: AbortSignal): Promise<FileEntry> {
  if (path === '/') {
    const root = await directoryState(scope, scope.keys.rootPrefix, path, signal);
    return { name: '/', type: 'directory', size: 0, modifiedAt: root.modifiedAt ?? new Date() };
  }
  const file = await headFile(scope, scope.keys.fileKey(path), path, signal);
  if (file !== undefined) {
    return { name: nameOf(path), type: 'file', size: file.ContentLength ?? 0, modifiedAt: file.LastModified ?? new Date() };
  }
  const directory = await directoryState(scope, scope.keys.directoryPrefix(path), path, signal);
  if (!directory.exists) throw storageError('ENOENT', path);
  return { name: nameOf(path), type: 'directory', size: 0, modifiedAt: directory.modifiedAt ?? new Date() };
}

/** Throws `ENOENT` unless the directory a new entry at `path` goes into exists, `ENOTDIR` when it is a file. */
export async function requireParentDirectory(scope: SessionScope, path: string, signal: AbortSignal): Promise<void> {
  const parent = scope.keys.parentOf(path);
  if (parent === '/') return;
  const state = await directoryState(scope, scope.keys.directoryPrefix(parent), parent, signal);
  if (state.exists) return;
  const file = await headFile(scope, scope.keys.fileKey(parent), parent, signal);
  throw file === undefined ? storageError('ENOENT', path) : new StorageError('ENOTDIR', 'the parent is a file', { path });
}

/** Writes the empty marker object that makes a directory persist without content. */
export async function putDirectoryMarker(scope: SessionScope, prefix: string, path: string, signal: AbortSignal): Promise<void> {
  await mapS3Errors(path, () =>
    scope.client.send(
      new PutObjectCommand({ Bucket: scope.settings.bucket, Key: prefix, Body: new Uint8Array(0), ContentType: 'application/x-directory' }),
      { abortSignal: signal },
    ),
  );
}

/**
 * Keeps the directory of a removed entry: when its last key went away and it had no marker, it would vanish from
 * the tree (and the client's working directory with it), so a marker is written.
 */
export async function keepDirectory(scope: SessionScope, directory: string, signal: AbortSignal): Promise<void> {
  if (directory === '/') return;
  const prefix = scope.keys.directoryPrefix(directory);
  const state = await directoryState(scope, prefix, directory, signal);
  if (!state.exists) await putDirectoryMarker(scope, prefix, directory, signal);
}
