import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { StorageError, storageError } from '@ftp/plugin-api';
import type {
  ChecksumAlgorithm,
  FileEntry,
  ReadOptions,
  ReadSource,
  StorageCallOptions,
  StorageSessionV1,
  WriteOptions,
  WriteResult,
} from '@ftp/plugin-api';
import { isListableName } from './key-mapping.ts';
import { listPages, mapConcurrently, firstKeys } from './list-objects.ts';
import { checksumOf } from './s3-checksum.ts';
import { isNotFound, mapS3Errors, s3ErrorCodeOf, toStorageError } from './s3-error-to-storage-error.ts';
import {
  directoryState,
  headFile,
  keepDirectory,
  listingScope,
  putDirectoryMarker,
  requireParentDirectory,
  statPath,
  type SessionScope,
} from './s3-lookup.ts';
import { renamePath } from './s3-rename.ts';
import { objectContent, objectSize } from './object-body.ts';
import { appendObject, writeObject } from './s3-write.ts';

/** How many sub-directory time look-ups of one listing page run at once. */
const directoryTimeConcurrency = 8;

/** One user's view of a bucket prefix. See `createS3Storage` and the package README for the mapping. */
export class S3Session implements StorageSessionV1 {
  readonly #scope: SessionScope;

  constructor(scope: SessionScope) {
    this.#scope = scope;
  }

  stat(path: string, options: StorageCallOptions): Promise<FileEntry> {
    return statPath(this.#scope, path, options.signal);
  }

  async *list(path: string, options: StorageCallOptions): AsyncIterable<FileEntry> {
    const scope = this.#scope;
    const prefix = scope.keys.directoryPrefix(path);
    const listedAt = new Date();
    let lookupsLeft = scope.settings.directoryTimeLookups;
    let firstPage = true;
    const pages = listPages(listingScope(scope, options.signal), prefix, '/');
    for (;;) {
      const next = await mapS3Errors(path, () => pages.next());
      if (next.done === true) return;
      const page = next.value;
      if (firstPage && page.objects.length === 0 && page.prefixes.length === 0 && path !== '/') {
        const file = await headFile(scope, scope.keys.fileKey(path), path, options.signal);
        throw file === undefined ? storageError('ENOENT', path) : storageError('ENOTDIR', path);
      }
      firstPage = false;
      for (const object of page.objects) {
        // The directory's own marker ("a/" when listing "a/") is not an entry of it.
        if (object.Key === undefined || object.Key === prefix) continue;
        const name = object.Key.slice(prefix.length);
        if (!isListableName(name)) continue;
        yield { name, type: 'file', size: object.Size ?? 0, modifiedAt: object.LastModified ?? listedAt };
      }
      const directories = page.prefixes
        .map((directoryPrefix) => ({ directoryPrefix, name: directoryPrefix.slice(prefix.length, -1) }))
        .filter((directory) => isListableName(directory.name));
      const timed = directories.slice(0, lookupsLeft);
      lookupsLeft -= timed.length;
      const times = await mapConcurrently(timed, directoryTimeConcurrency, async (directory) => {
        const [first] = await mapS3Errors(path, () => firstKeys(listingScope(scope, options.signal), directory.directoryPrefix, 1));
        return first?.LastModified;
      });
      for (const [index, directory] of directories.entries()) {
        yield { name: directory.name, type: 'directory', size: 0, modifiedAt: times[index] ?? listedAt };
      }
    }
  }

  async read(path: string, options: ReadOptions): Promise<ReadSource> {
    const scope = this.#scope;
    const key = scope.keys.fileKey(path);
    const range = options.offset > 0 ? `bytes=${options.offset}-` : undefined;
    try {
      const output = await scope.client.send(
        new GetObjectCommand({ Bucket: scope.settings.bucket, Key: key, ...(range === undefined ? {} : { Range: range }) }),
        { abortSignal: options.signal },
      );
      const size = objectSize(output.ContentRange, output.ContentLength, range !== undefined);
      return objectContent(output.Body as Readable, options.signal, size, path);
    } catch (error) {
      if (isNotFound(error)) {
        const directory = await directoryState(scope, scope.keys.directoryPrefix(path), path, options.signal);
        throw storageError(directory.exists ? 'EISDIR' : 'ENOENT', path);
      }
      // S3 answers 416 for a range starting at the end of the object: REST <size> + RETR transfers nothing.
      if (s3ErrorCodeOf(error) === 'InvalidRange') {
        const file = await headFile(scope, key, path, options.signal);
        if (file !== undefined && file.ContentLength === options.offset)
          return objectContent(Readable.from([]), options.signal, options.offset, path);
      }
      throw toStorageError(error, path);
    }
  }

  write(path: string, data: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<WriteResult> {
    return writeObject(this.#scope, path, data, options);
  }

  append(path: string, data: AsyncIterable<Uint8Array>, options: StorageCallOptions): Promise<WriteResult> {
    return appendObject(this.#scope, path, data, options.signal);
  }

  async delete(path: string, options: StorageCallOptions): Promise<void> {
    const scope = this.#scope;
    const key = scope.keys.fileKey(path);
    if ((await headFile(scope, key, path, options.signal)) === undefined) {
      const directory = await directoryState(scope, scope.keys.directoryPrefix(path), path, options.signal);
      throw storageError(directory.exists ? 'EISDIR' : 'ENOENT', path);
    }
    await mapS3Errors(path, () =>
      scope.client.send(new DeleteObjectCommand({ Bucket: scope.settings.bucket, Key: key }), { abortSignal: options.signal }),
    );
    await keepDirectory(scope, scope.keys.parentOf(path), options.signal);
  }

  async makeDirectory(path: string, options: StorageCallOptions): Promise<void> {
    const scope = this.#scope;
    if (path === '/') throw storageError('EEXIST', path);
    const prefix = scope.keys.directoryPrefix(path);
    await requireParentDirectory(scope, path, options.signal);
    const file = await headFile(scope, scope.keys.fileKey(path), path, options.signal);
    if (file !== undefined || (await directoryState(scope, prefix, path, options.signal)).exists) {
      throw storageError('EEXIST', path);
    }
    await putDirectoryMarker(scope, prefix, path, options.signal);
  }

  async removeDirectory(path: string, options: StorageCallOptions): Promise<void> {
    const scope = this.#scope;
    if (path === '/') throw new StorageError('EACCES', 'the root directory cannot be removed', { path });
    const prefix = scope.keys.directoryPrefix(path);
    const first = await mapS3Errors(path, () => firstKeys(listingScope(scope, options.signal), prefix, 2));
    if (first.length === 0) {
      const file = await headFile(scope, scope.keys.fileKey(path), path, options.signal);
      throw storageError(file === undefined ? 'ENOENT' : 'ENOTDIR', path);
    }
    // Never recursive: anything but the directory's own marker means it has entries.
    if (first.some((object) => object.Key !== prefix)) throw storageError('ENOTEMPTY', path);
    await mapS3Errors(path, () =>
      scope.client.send(new DeleteObjectCommand({ Bucket: scope.settings.bucket, Key: prefix }), { abortSignal: options.signal }),
    );
    await keepDirectory(scope, scope.keys.parentOf(path), options.signal);
  }

  rename(from: string, to: string, options: StorageCallOptions): Promise<void> {
    return renamePath(this.#scope, from, to, options.signal);
  }

  checksum(path: string, algorithm: ChecksumAlgorithm, options: StorageCallOptions): Promise<string> {
    return checksumOf(this.#scope, path, algorithm, options.signal);
  }
}
