import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StorageError } from '@ftp/plugin-api';

/**
 * The readiness probe of `createFsStorage` (`checkHealth`): the directory that holds the users' roots can be read
 * (listed and entered). For a root with `{user}`, that is the directory above the placeholder; with `createRoot` a
 * missing directory is fine when its nearest existing ancestor is writable (the root is created at login). A root
 * given as a function cannot be probed without a user, so it always passes.
 */
export async function checkFsHealth(root: string | ((...args: never[]) => string), createRoot: boolean): Promise<void> {
  if (typeof root === 'function') return;
  const placeholderAt = root.indexOf('{user}');
  let directory = placeholderAt === -1 ? root : dirname(`${root.slice(0, placeholderAt)}x`);
  try {
    await access(directory, constants.R_OK | constants.X_OK);
    return;
  } catch (error) {
    if (!createRoot || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw unavailable(directory, error);
  }
  while (directory !== dirname(directory)) {
    directory = dirname(directory);
    try {
      await access(directory, constants.W_OK | constants.X_OK);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unavailable(directory, error);
    }
  }
  throw unavailable(directory, undefined);
}

function unavailable(directory: string, cause: unknown): StorageError {
  return new StorageError('EUNAVAILABLE', `storage-fs root ${directory} is not usable`, cause === undefined ? {} : { cause });
}
