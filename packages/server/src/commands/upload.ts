import { StorageError, type FileEntry, type WriteResult } from '@ftp/plugin-api';
import { parentPath } from '@ftp/protocol';
import { fileSize } from '../limits/quota-accounts.ts';
import { throttle } from '../limits/rate-limiter.ts';
import type { CommandContext, LoggedInCommandContext } from '../session/command-context.ts';
import { requireDirectory } from './path-checks.ts';
import { receiveFromClient } from './transfer.ts';

/**
 * Checks an upload target before any data moves: upload permission (before any storage call), the target is not a
 * directory, its parent is a directory, and overwrite permission when it exists. Returns the existing file, if any.
 */
export async function checkUploadTarget(context: CommandContext, path: string): Promise<FileEntry | undefined> {
  context.requirePermission('upload', path);
  const storage = context.storage();
  let existing: FileEntry | undefined;
  try {
    existing = await storage.stat(path, context.callOptions());
  } catch (error) {
    if (!StorageError.isInstance(error) || error.storageCode !== 'ENOENT') throw error;
  }
  if (existing?.type === 'directory') throw new StorageError('EISDIR', 'is a directory', { path });
  if (existing !== undefined) {
    context.requirePermission('overwrite', path);
    return existing;
  }
  await requireDirectory(context, parentPath(path));
  return undefined;
}

export interface UploadOptions {
  readonly command: 'STOR' | 'STOU' | 'APPE';
  readonly path: string;
  /** The file the upload replaces or extends, as checked before it started. */
  readonly existing: FileEntry | undefined;
  /** Bytes of the existing file the upload frees once it completes (all of them for a replace, none for APPE). */
  readonly creditBytes: number;
  readonly openingText: string;
  readonly completionText: string;
  /** The storage call that stores the data. */
  write(data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<WriteResult>;
}

/**
 * STOR, STOU, APPE with the user's limits: a new file beyond `maxFiles` is refused before any data moves; the
 * bytes are metered against `maxBytes` as they arrive (552 the moment it would be passed: the storage then drops the
 * upload, leaving nothing behind for a replace); the user's and the server's bandwidth limits pace the data. Once
 * the upload ends, successful or not, the quota usage takes the file's real new size from the storage.
 */
export async function runUpload(context: LoggedInCommandContext, options: UploadOptions): Promise<void> {
  const user = context.state.effectiveUser;
  const quota = user.quota;
  const account = quota === undefined ? undefined : context.limits.quotaAccount(user.user.username);
  if (quota !== undefined && options.existing === undefined) account!.checkNewFile(quota, options.path);
  const limiters = context.limits.limitersFor(user.user.username, 'upload');
  let release = () => {};
  try {
    await receiveFromClient(context, {
      command: options.command,
      path: options.path,
      openingText: options.openingText,
      completionText: options.completionText,
      store: (data, signal) => {
        const metered = account === undefined ? { data, release } : account.meter(data, quota!, options.creditBytes, options.path);
        release = metered.release;
        return options.write(throttle(metered.data, limiters, signal), signal);
      },
    });
  } finally {
    // The stored size is learnt before the in-flight bytes are released, and both change in one turn: between the
    // two, another upload of the same user would see these bytes neither in flight nor counted, and pass the quota.
    const after =
      account === undefined
        ? undefined
        : await fileSize(context.storage(), options.path, context.callOptions()).catch(() => options.existing?.size);
    release();
    account?.settle(options.existing?.size, after);
  }
}
