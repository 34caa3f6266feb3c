import { StorageError, type FileEntry, type WriteResult } from '@ftp/plugin-api';
import { parentPath, ReplyCode } from '@ftp/protocol';
import { ReplyError } from '../errors/server-errors.ts';
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
  /**
   * The upload changes the existing file in place (APPE, STOR after REST): two at once would interleave their data,
   * so it holds the path's upload lock, on every server instance of the shared state, while it runs (450 when busy).
   */
  readonly inPlace: boolean;
  readonly openingText: string;
  readonly completionText: string;
  /** The storage call that stores the data. */
  write(data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<WriteResult>;
}

/**
 * STOR, STOU, APPE with the limits of the account that counts the path (the user's quota, or the quota folder the path
 * is in): a new file beyond `maxFiles` is refused before any data moves; the bytes are metered against `maxBytes` as
 * they arrive (552 the moment it would be passed: the storage then drops the upload, leaving nothing behind for a
 * replace); the user's and the server's bandwidth limits pace the data. Once the upload ends, successful or not, the
 * quota usage takes the file's real new size from the storage.
 */
export async function runUpload(context: LoggedInCommandContext, options: UploadOptions): Promise<void> {
  const user = context.state.effectiveUser;
  const username = user.user.username;
  const { limits } = context;
  if (options.inPlace && !(await limits.acquireUploadLock(username, options.path))) {
    throw new ReplyError(ReplyCode.FileActionNotTakenBusy, 'File busy: another upload is changing it; try again later.');
  }
  let settled: Promise<void> | undefined;
  try {
    const scope = context.state.quota?.scopeOf(options.path);
    const upload =
      scope === undefined ? undefined : await scope.account.beginUpload(scope.limits, options.path, options.existing === undefined);
    const limiters = limits.limitersFor(username, 'upload');
    try {
      await receiveFromClient(context, {
        command: options.command,
        path: options.path,
        openingText: options.openingText,
        completionText: options.completionText,
        store: (data, signal) => {
          const metered = upload === undefined ? data : upload.meter(data, options.creditBytes, options.path);
          return options.write(throttle(metered, limiters, signal), signal);
        },
      });
    } finally {
      if (upload !== undefined) {
        // The stored size is learnt before the reservation ends, and both change in one call: between the two, another
        // upload of the same user would see these bytes neither reserved nor counted, and pass the quota. The commit
        // is not waited for (it never fails, and until it lands the reservation still counts, so later uploads see
        // more used, never less); the account's own readers (SITE QUOTA) wait for it.
        const after = await fileSize(context.storage(), options.path, context.callOptions()).catch(() => options.existing?.size);
        settled = upload.settle(options.existing?.size, after);
      }
    }
  } finally {
    // The lock is held until the upload's change is counted, so the next in-place upload of the path sees it.
    if (options.inPlace) {
      if (settled === undefined) limits.releaseUploadLock(username, options.path);
      else {
        const release = () => limits.releaseUploadLock(username, options.path);
        settled.then(release, release);
      }
    }
  }
}
