import { FtpError, StorageError, storageError, type StorageCallOptions, type StorageSessionV1 } from '@ftp/plugin-api';

/** A path and the session of the mount serving it, the path as that mount sees it. */
export interface MountedPath {
  readonly mount: { readonly path: string; readonly session: StorageSessionV1 };
  readonly inner: string;
}

/**
 * RNFR/RNTO of a file from one mount to another, which no single store can do: the file is copied through the target
 * mount's `write`, which the contract makes atomic (the target appears whole or not at all, and an existing file there
 * keeps its content until the new one is complete), and the source is deleted only once the copy is stored. A failed
 * copy leaves the target as it was and the source in place. A directory is refused with 553: its copy could not
 * appear at once.
 */
export async function moveAcrossMounts(source: MountedPath, target: MountedPath, options: StorageCallOptions): Promise<void> {
  const entry = await source.mount.session.stat(source.inner, options);
  if (entry.type === 'directory') {
    throw new FtpError(
      'FTP_ERR_MOUNT_RENAME',
      `Cannot move a directory between the mounts ${source.mount.path} and ${target.mount.path}.`,
      {
        replyCode: 553,
        expose: true,
      },
    );
  }
  // As a rename within one store: a file replaces a file, never a directory.
  const existing = await target.mount.session.stat(target.inner, options).catch((error: unknown) => {
    if (StorageError.isInstance(error) && error.storageCode === 'ENOENT') return undefined;
    throw error;
  });
  if (existing?.type === 'directory') throw storageError('EEXIST', target.inner);

  const content = await source.mount.session.read(source.inner, { signal: options.signal, offset: 0 });
  const iterator = content[Symbol.asyncIterator]();
  let finished = false;
  const data: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        const result = await iterator.next();
        if (result.done === true) finished = true;
        return result;
      },
      async return() {
        finished = true;
        await iterator.return?.();
        return { done: true, value: undefined };
      },
    }),
  };
  try {
    await target.mount.session.write(target.inner, data, { signal: options.signal, offset: 0 });
  } finally {
    // A write that failed before reading everything (or anything) must still release the source (its open file).
    if (!finished) await iterator.return?.().catch(() => undefined);
  }
  await source.mount.session.delete(source.inner, options);
}
