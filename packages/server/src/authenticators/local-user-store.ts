import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FtpError,
  type NewStoredUser,
  parseUserChanges,
  type StoredUser,
  type UserChanges,
  UserStoreError,
  type UserStoreV1,
} from '@ftp/plugin-api';
import { hashPassword, type PasswordHashOptions } from '@ftp/plugin-api/password';
import { parseUsersFile, type LocalUser } from './local-users.ts';

/** Options of `createLocalUserStore`. */
export interface LocalUserStoreOptions {
  /** The users file, absolute. */
  readonly usersFile: string;
  /** Users written in the server config: listed, never written, and their names cannot be added to the file. */
  readonly inlineUsers?: ReadonlyMap<string, LocalUser>;
  /** Cost of the scrypt hashes of new passwords; the default is `hashPassword`'s. */
  readonly hashOptions?: PasswordHashOptions;
  /** How long a change waits for another writer's lock before giving up. Default 10 s. */
  readonly lockTimeoutMs?: number;
}

type FileEntry = Record<string, unknown>;

interface UsersDocument {
  readonly document: Record<string, unknown>;
  readonly entries: FileEntry[];
  readonly users: Map<string, LocalUser>;
}

/**
 * The `local` authenticator's users file as a `UserStoreV1`.
 *
 * A change takes the lock `<file>.lock` (created exclusively, so one writer at a time across processes), reads the
 * file afresh, writes the whole new content into the lock file itself, fsyncs it and renames it over the users file.
 * The rename is atomic (POSIX rename(2)): a reader sees the old file or the new one, never a part, and the rename
 * also releases the lock. The new file keeps the old one's mode (and owner, when run as root). A running server
 * reads the new file at its next login: the rename gives it a new inode, which the authenticator's reload notices.
 * A profile change (`updateUser`) thus applies at the user's next login; the `local` authenticator does not
 * re-validate sessions, so a session already open keeps the permissions, quota and bandwidth it logged in with.
 *
 * A lock left by a writer that died stays until removed by hand; a change then fails after `lockTimeoutMs` with a
 * message naming the lock file, rather than risk two writers.
 */
export function createLocalUserStore(options: LocalUserStoreOptions): UserStoreV1 {
  const inlineUsers = options.inlineUsers ?? new Map<string, LocalUser>();
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;

  async function read(): Promise<UsersDocument> {
    const file = await target(options.usersFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw unavailable(`cannot read ${file}: ${messageOf(error)}`, error);
    }
    return parseDocument(text, file);
  }

  /** Applies `change` to the file's entries under the lock; `change` throws to refuse, leaving the file as it was. */
  async function update(change: (entries: FileEntry[], users: Map<string, LocalUser>) => FileEntry[]): Promise<void> {
    const file = await target(options.usersFile);
    const lockFile = `${file}.lock`;
    const current = await statOrUnavailable(file);
    const lock = await acquireLock(lockFile, current.mode & 0o7777, lockTimeoutMs);
    let renamed = false;
    try {
      const { document, entries, users } = parseDocument(await readFile(file, 'utf8'), file);
      const text = `${JSON.stringify({ ...document, users: change(entries, users) }, null, 2)}\n`;
      // Never write a file the server would refuse: the new content passes the same checks as at start.
      try {
        parseUsersFile(text, file);
      } catch (error) {
        throw new UserStoreError('invalid-user', messageOf(error), { cause: error });
      }
      await lock.chmod(current.mode & 0o7777);
      if (process.getuid?.() === 0) await lock.chown(current.uid, current.gid);
      await lock.writeFile(text, 'utf8');
      await lock.sync();
      await lock.close();
      await rename(lockFile, file);
      renamed = true;
      await syncDirectory(dirname(file));
    } catch (error) {
      if (FtpError.isInstance(error)) throw error;
      throw unavailable(`cannot write ${file}: ${messageOf(error)}`, error);
    } finally {
      if (!renamed) {
        await lock.close().catch(() => undefined);
        await unlink(lockFile).catch(() => undefined);
      }
    }
  }

  function refuseInline(username: string): void {
    if (inlineUsers.has(username)) {
      throw new UserStoreError(
        'read-only-user',
        `user ${JSON.stringify(username)} is written in the server config (authenticatorConfig.users), not in the users file: change it there`,
      );
    }
  }

  function indexOf(entries: readonly FileEntry[], username: string): number {
    refuseInline(username);
    const index = entries.findIndex((entry) => entry.username === username);
    if (index === -1) throw new UserStoreError('no-such-user', `no user ${JSON.stringify(username)} in ${options.usersFile}`);
    return index;
  }

  return Object.freeze({
    async listUsers(): Promise<StoredUser[]> {
      const { users } = await read();
      const listed = [
        ...[...users.values()].map((user) => storedUser(user, true)),
        ...[...inlineUsers.values()].map((user) => storedUser(user, false)),
      ];
      return listed.sort((left, right) => compareBytes(left.username, right.username));
    },

    async getUser(username: string): Promise<StoredUser | undefined> {
      const inline = inlineUsers.get(username);
      if (inline !== undefined) return storedUser(inline, false);
      const user = (await read()).users.get(username);
      return user === undefined ? undefined : storedUser(user, true);
    },

    async addUser(user: NewStoredUser): Promise<void> {
      const { username, password, enabled, ...profile } = user;
      checkUsername(username);
      if (enabled !== undefined && typeof enabled !== 'boolean') throw new UserStoreError('invalid-user', 'enabled: must be true or false');
      const passwordHash = await hashNewPassword(password, options.hashOptions);
      await update((entries) => {
        if (inlineUsers.has(username) || entries.some((entry) => entry.username === username)) {
          throw new UserStoreError('user-exists', `user ${JSON.stringify(username)} already exists`);
        }
        return [...entries, { username, passwordHash, ...(enabled === false ? { enabled: false } : {}), ...profile }];
      });
    },

    async setPassword(username: string, password: string): Promise<void> {
      refuseInline(username);
      const passwordHash = await hashNewPassword(password, options.hashOptions);
      await update((entries) => {
        const index = indexOf(entries, username);
        return entries.map((entry, at) => (at === index ? { ...entry, passwordHash } : entry));
      });
    },

    async setEnabled(username: string, enabled: boolean): Promise<void> {
      await update((entries) => {
        const index = indexOf(entries, username);
        return entries.map((entry, at) => {
          if (at !== index) return entry;
          // An enabled user is written without the key, as a user written by hand usually is.
          const { enabled: _enabled, ...rest } = entry;
          return enabled ? rest : { ...rest, enabled: false };
        });
      });
    },

    async updateUser(username: string, changes: UserChanges): Promise<void> {
      const checked = parseUserChanges(changes);
      await update((entries) => {
        const index = indexOf(entries, username);
        return entries.map((entry, at) => {
          if (at !== index) return entry;
          const changed: FileEntry = { ...entry };
          for (const [key, value] of Object.entries(checked)) {
            if (value === null) delete changed[key];
            else changed[key] = value;
          }
          return changed;
        });
      });
    },

    async deleteUser(username: string): Promise<void> {
      await update((entries) => {
        const index = indexOf(entries, username);
        return entries.filter((_entry, at) => at !== index);
      });
    },
  });
}

/** The file a change writes: the target of a symbolic link, so the link stays. */
async function target(usersFile: string): Promise<string> {
  try {
    return await realpath(usersFile);
  } catch (error) {
    throw unavailable(`cannot read ${usersFile}: ${messageOf(error)}`, error);
  }
}

async function statOrUnavailable(file: string) {
  try {
    return await stat(file);
  } catch (error) {
    throw unavailable(`cannot read ${file}: ${messageOf(error)}`, error);
  }
}

/** Creates the lock file exclusively, waiting (bounded) while another writer holds it. */
async function acquireLock(lockFile: string, mode: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await open(lockFile, 'wx', mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw unavailable(`cannot create the lock ${lockFile}: ${messageOf(error)}`, error);
      }
      if (Date.now() >= deadline) {
        throw unavailable(
          `${lockFile} exists: another change of the users file is under way; if none is (a writer was killed), delete that file`,
          error,
        );
      }
      // A little randomness, so writers that collided do not keep colliding.
      await sleep(Math.min(5 + attempt * 5, 50) + randomBytes(1)[0]! / 16);
    }
  }
}

/** Makes the rename durable: the directory entry is on disk once its directory is synced (not possible everywhere). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems (and Windows) refuse fsync on a directory; the rename itself is done.
  } finally {
    await handle.close();
  }
}

function parseDocument(text: string, file: string): UsersDocument {
  let users: Map<string, LocalUser>;
  try {
    users = parseUsersFile(text, file);
  } catch (error) {
    throw unavailable(`the users file is not valid, so it is left as it is: ${messageOf(error)}`, error);
  }
  const document = JSON.parse(text) as Record<string, unknown>;
  return { document, entries: document.users as FileEntry[], users };
}

function storedUser(user: LocalUser, writable: boolean): StoredUser {
  return {
    username: user.username,
    enabled: user.enabled,
    ...(user.profile.homeDirectory === undefined ? {} : { homeDirectory: user.profile.homeDirectory }),
    ...(user.profile.rootDirectory === undefined ? {} : { rootDirectory: user.profile.rootDirectory }),
    ...(user.profile.permissions === undefined ? {} : { permissions: user.profile.permissions }),
    ...(user.profile.directoryPermissions === undefined ? {} : { directoryPermissions: user.profile.directoryPermissions }),
    ...(user.profile.quota === undefined ? {} : { quota: user.profile.quota }),
    ...(user.profile.bandwidth === undefined ? {} : { bandwidth: user.profile.bandwidth }),
    ...(writable ? {} : { writable: false }),
  };
}

async function hashNewPassword(password: unknown, hashOptions: PasswordHashOptions | undefined): Promise<string> {
  if (typeof password !== 'string' || password === '') throw new UserStoreError('invalid-user', 'password: must be a non-empty string');
  return hashPassword(password, hashOptions);
}

function checkUsername(username: unknown): asserts username is string {
  if (typeof username !== 'string' || username.length === 0)
    throw new UserStoreError('invalid-user', 'username: must be a non-empty string');
  // An FTP client cannot send these in a USER line (RFC 959 §5.3: the line ends at CRLF; the server refuses NUL).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(username)) throw new UserStoreError('invalid-user', 'username: must not contain control characters');
}

function compareBytes(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

function unavailable(message: string, cause: unknown): UserStoreError {
  return new UserStoreError('unavailable', message, { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
