import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { chown, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
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
 * A change takes the lock `<file>.lock` (one writer at a time across processes, see `acquireUsersFileLock`), reads
 * the file afresh, writes the whole new content next to it, fsyncs it and renames it over the users file, then
 * releases the lock. The rename is atomic (POSIX rename(2)): a reader sees the old file or the new one, never a part.
 * The new file keeps the old one's mode (and owner, when run as root). A running server reads the new file at its
 * next login: the rename gives it a new inode, which the authenticator's reload notices. A profile change
 * (`updateUser`) thus applies at the user's next login; the `local` authenticator does not re-validate sessions, so a
 * session already open keeps the permissions, quota and bandwidth it logged in with.
 *
 * A user's `revision` is a hash of that user's entry as the file holds it, so it changes with any change of the entry
 * (by this store or by hand) and with nothing else. `updateUser`'s `ifRevision` is compared under the lock, with the
 * entry just read afresh, before the new file is written: no other change can land between the check and the write.
 *
 * The lock records its holder. A lock left by a writer that died on this host (SIGKILL, power loss) is broken by the
 * next change; any other (a live writer, a writer on another host, a lock of an older version) makes a change fail
 * after `lockTimeoutMs` with a message naming the holder and how to remove the lock, rather than risk two writers.
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
    const current = await statOrUnavailable(file);
    const lock = await acquireUsersFileLock(file, lockTimeoutMs, current);
    try {
      const { document, entries, users } = parseDocument(await readFile(file, 'utf8'), file);
      const text = `${JSON.stringify({ ...document, users: change(entries, users) }, null, 2)}\n`;
      // Never write a file the server would refuse: the new content passes the same checks as at start.
      try {
        parseUsersFile(text, file);
      } catch (error) {
        throw new UserStoreError('invalid-user', messageOf(error), { cause: error });
      }
      await lock.replaceFile(text, current);
    } catch (error) {
      if (FtpError.isInstance(error)) throw error;
      throw unavailable(`cannot write ${file}: ${messageOf(error)}`, error);
    } finally {
      await lock.release();
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
      const { entries, users } = await read();
      // One pass over the entries, not a search of them for each user (the parser refused duplicate names).
      const revisions = new Map(entries.map((entry) => [entry.username, entryRevision(entry)]));
      const listed = [
        ...[...users.values()].map((user) => storedUser(user, true, revisions.get(user.username))),
        ...[...inlineUsers.values()].map((user) => storedUser(user, false)),
      ];
      return listed.sort((left, right) => compareBytes(left.username, right.username));
    },

    async getUser(username: string): Promise<StoredUser | undefined> {
      const inline = inlineUsers.get(username);
      if (inline !== undefined) return storedUser(inline, false);
      const { entries, users } = await read();
      const user = users.get(username);
      return user === undefined ? undefined : storedUser(user, true, revisionIn(entries, username));
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

    async updateUser(username: string, changes: UserChanges, updateOptions: { readonly ifRevision?: string } = {}): Promise<void> {
      const checked = parseUserChanges(changes);
      const { ifRevision } = updateOptions;
      if (ifRevision !== undefined && typeof ifRevision !== 'string')
        throw new UserStoreError('invalid-user', 'ifRevision: must be a string');
      await update((entries) => {
        const index = indexOf(entries, username);
        if (ifRevision !== undefined && entryRevision(entries[index]!) !== ifRevision) {
          throw new UserStoreError(
            'conflict',
            `user ${JSON.stringify(username)} was changed since it was read (revision ${ifRevision}); nothing was written: read it again`,
          );
        }
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

/**
 * Who holds a users-file lock, as its record says. `pidNamespace` (Linux: the process's pid namespace) and `bootId`
 * (Linux: this boot of the kernel) tell whether `pid` means the same process here: a pid is only checked where both
 * agree, so a server in a container and a command on the host never judge each other's pids.
 */
export interface UsersFileLockHolder {
  readonly pid: number;
  readonly host: string;
  readonly pidNamespace?: string;
  readonly bootId?: string;
  readonly token: string;
  /** When the lock was taken, ISO 8601. */
  readonly since: string;
}

/** The users file's mode and owner, which the new file keeps. */
export interface FileOwner {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A held lock: replaces the users file at most once, and must be released (also after a failure). */
export interface UsersFileLock {
  readonly holder: UsersFileLockHolder;
  /** Writes `text` next to the file (keeping `owner`'s mode, and owner when run as root) and renames it over the file. */
  replaceFile(text: string, owner: FileOwner): Promise<void>;
  release(): Promise<void>;
}

/** What is found at the lock's name. */
type LockState =
  | { readonly kind: 'free' }
  | { readonly kind: 'held'; readonly holder: UsersFileLockHolder }
  | { readonly kind: 'unknown'; readonly why: string };

const holderFilePattern = /^holder-([0-9a-f]{32})\.json$/;
const holderFileName = (token: string) => `holder-${token}.json`;
const newContentFileName = (token: string) => `users-${token}.json`;

/**
 * Takes `<file>.lock`, waiting (bounded) while another writer holds it and breaking it when its holder is dead.
 *
 * The lock is a directory holding one record, `holder-<token>.json` (pid, host, token, time). A writer prepares
 * such a directory under a name of its own, complete and synced, then renames it onto `<file>.lock`: rename(2) onto
 * an existing directory succeeds only when that directory is empty, so the rename is the exclusive step, and whoever
 * finds the lock sees its whole record or none. A lock file of an older version (a plain file) makes the rename fail
 * too (ENOTDIR), and an older writer's exclusive create fails on the directory: the two never hold it together.
 *
 * Releasing or breaking a lock removes only names that carry its token (the new content, then the record), then the
 * directory if it is empty. A breaker that judged an old lock stale but came late can therefore never remove a newer
 * lock: the newer lock's record has another name, and rmdir(2) fails on its non-empty directory. Two breakers of one
 * stale lock both remove the same names; whichever writer's rename lands on the emptied directory next holds the
 * lock, and every other rename fails on it. A lock is stale only when its holder is on this host (same boot, same pid
 * namespace) and its pid no longer exists, or this host was restarted since: a pid alive now may be a new process
 * that reused it, which only makes the change wait (and fail naming the holder), never breaks a live lock.
 */
export async function acquireUsersFileLock(file: string, timeoutMs: number, owner?: FileOwner): Promise<UsersFileLock> {
  const lockPath = `${file}.lock`;
  const token = randomBytes(16).toString('hex');
  const holder: UsersFileLockHolder = {
    pid: process.pid,
    host: hostname(),
    ...thisMachine(),
    token,
    since: new Date().toISOString(),
  };
  const prepared = `${lockPath}.${token}`;
  try {
    await mkdir(prepared);
    const record = join(prepared, holderFileName(token));
    await writeSynced(record, `${JSON.stringify(holder)}\n`, 0o644);
    // Owned like the users file (when run as root), so that the server's own user can break it if this process dies.
    if (owner !== undefined && process.getuid?.() === 0) {
      await chown(record, owner.uid, owner.gid);
      await chown(prepared, owner.uid, owner.gid);
    }
    await syncDirectory(prepared);
  } catch (error) {
    await removeLockDirectory(prepared, token).catch(() => undefined);
    throw unavailable(`cannot create the lock ${lockPath}: ${messageOf(error)}`, error);
  }

  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await rename(prepared, lockPath);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') {
        await removeLockDirectory(prepared, token).catch(() => undefined);
        throw unavailable(`cannot create the lock ${lockPath}: ${messageOf(error)}`, error);
      }
    }
    let state: LockState;
    try {
      state = await readLockState(lockPath);
    } catch (error) {
      await removeLockDirectory(prepared, token).catch(() => undefined);
      throw unavailable(`cannot read the lock ${lockPath}: ${messageOf(error)}`, error);
    }
    if (state.kind === 'held' && isStale(state.holder)) {
      try {
        await removeLockDirectory(lockPath, state.holder.token);
      } catch (error) {
        await removeLockDirectory(prepared, token).catch(() => undefined);
        const { pid, host, since } = state.holder;
        throw unavailable(
          `cannot remove the lock ${lockPath} left by process ${pid} on ${host} (gone) since ${since}: ${messageOf(error)}`,
          error,
        );
      }
      continue;
    }
    if (Date.now() >= deadline) {
      await removeLockDirectory(prepared, token).catch(() => undefined);
      throw unavailable(lockedMessage(lockPath, state), undefined);
    }
    // A little randomness, so writers that collided do not keep colliding.
    await sleep(Math.min(5 + attempt * 5, 50) + randomBytes(1)[0]! / 16);
  }

  await removeAbandonedPreparations(lockPath);
  const newContent = join(lockPath, newContentFileName(token));
  let replaced = false;
  return {
    holder,
    async replaceFile(text, owner) {
      if (replaced) throw new Error('the users file lock replaces the file once');
      replaced = true;
      const handle = await open(newContent, 'wx', owner.mode & 0o7777);
      try {
        await handle.chmod(owner.mode & 0o7777);
        if (process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid);
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Atomic (POSIX rename(2)): a reader sees the old file or the new one, never a part.
      await rename(newContent, file);
      await syncDirectory(dirname(file));
    },
    async release() {
      await removeLockDirectory(lockPath, token).catch(() => undefined);
    },
  };
}

/** What is at `lockPath`: nothing (or an emptied directory), a holder's record, or something naming no holder. */
export async function readLockState(lockPath: string): Promise<LockState> {
  let names: string[];
  try {
    names = await readdir(lockPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'free' };
    if (code === 'ENOTDIR') return { kind: 'unknown', why: 'a lock file of an older version, or one made by hand' };
    throw error;
  }
  const recordName = names.find((name) => holderFilePattern.test(name));
  if (recordName === undefined) {
    return names.length === 0 ? { kind: 'free' } : { kind: 'unknown', why: 'a directory without a holder record' };
  }
  let text: string;
  try {
    text = await readFile(join(lockPath, recordName), 'utf8');
  } catch (error) {
    // Released or broken between the listing and the read.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw error;
  }
  const holder = parseHolder(text, holderFilePattern.exec(recordName)![1]!);
  return holder === undefined ? { kind: 'unknown', why: `an unreadable holder record ${recordName}` } : { kind: 'held', holder };
}

/**
 * Removes the lock (or prepared lock) directory `directory` of `token`: the new content and the record carrying that
 * token, then the directory if that left it empty. Never removes anything of another lock (see acquireUsersFileLock).
 */
export async function removeLockDirectory(directory: string, token: string): Promise<void> {
  for (const name of [newContentFileName(token), holderFileName(token)]) {
    try {
      await unlink(join(directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  try {
    await rmdir(directory);
  } catch (error) {
    // Gone already, or another writer's lock took the name (non-empty, or an older version's file).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
  }
}

/** Whether `holder` is certainly gone, so its lock may be broken. Anything uncertain counts as alive. */
function isStale(holder: UsersFileLockHolder): boolean {
  // A pid means nothing on another host; the lock stays until the operator removes it.
  if (holder.host !== hostname()) return false;
  const here = thisMachine();
  // This host was restarted since the lock was taken: every process of that boot is gone.
  if (holder.bootId !== undefined && here.bootId !== undefined && holder.bootId !== here.bootId) return true;
  // Another pid namespace (a container sharing the host's name): its pids are not ours to check.
  if (holder.pidNamespace !== here.pidNamespace) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Prepared lock directories of writers killed while waiting, next to `lockPath`: removed when their writer is gone.
 * One without a complete record is a writer killed while preparing it (which takes milliseconds): removed once it is
 * a minute old. Removing a live writer's preparation only makes its rename onto the lock fail (the change then fails),
 * never lets two writers in, so an age is safe here, unlike for the lock itself.
 */
async function removeAbandonedPreparations(lockPath: string): Promise<void> {
  const prefix = `${basename(lockPath)}.`;
  const names = await readdir(dirname(lockPath)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{32}$/.test(name.slice(prefix.length))) continue;
    const directory = join(dirname(lockPath), name);
    const state = await readLockState(directory).catch(() => undefined);
    if (state?.kind === 'held') {
      if (isStale(state.holder)) await removeLockDirectory(directory, state.holder.token).catch(() => undefined);
      continue;
    }
    const modified = await stat(directory).then(
      (entry) => entry.mtimeMs,
      () => undefined,
    );
    if (modified !== undefined && Date.now() - modified > abandonedPreparationMs) {
      await rm(directory, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** How old a prepared lock directory without a complete record is before it counts as abandoned. */
const abandonedPreparationMs = 60_000;

function lockedMessage(lockPath: string, state: LockState): string {
  if (state.kind === 'free') return `${lockPath} kept changing hands: other changes of the users file are under way; try again`;
  if (state.kind === 'unknown') {
    return `${lockPath} exists and names no holder (${state.why}): if no change of the users file is under way, delete it (rm -r ${lockPath})`;
  }
  const { pid, host, since } = state.holder;
  const held = `${lockPath} is held by process ${pid} on ${host} since ${since}`;
  if (host !== hostname()) {
    return `${held}: a lock from another host is never broken automatically; if that process is gone, delete it (rm -r ${lockPath})`;
  }
  if (state.holder.pidNamespace !== thisMachine().pidNamespace) {
    return `${held}, in another pid namespace (container): it is never broken automatically; if that process is gone, delete it (rm -r ${lockPath})`;
  }
  return `${held}, which is still running: another change of the users file is under way (if that pid now belongs to another program, delete ${lockPath})`;
}

function parseHolder(text: string, token: string): UsersFileLockHolder | undefined {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const { pid, host, pidNamespace, bootId, since } = record as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0 || typeof host !== 'string' || typeof since !== 'string') return undefined;
  if ((record as Record<string, unknown>).token !== token) return undefined;
  if (pidNamespace !== undefined && typeof pidNamespace !== 'string') return undefined;
  if (bootId !== undefined && typeof bootId !== 'string') return undefined;
  return {
    pid: pid as number,
    host,
    ...(pidNamespace === undefined ? {} : { pidNamespace }),
    ...(bootId === undefined ? {} : { bootId }),
    token,
    since,
  };
}

let machine: { readonly pidNamespace?: string; readonly bootId?: string } | undefined;

/** This process's pid namespace and this boot's id, where the system tells them (Linux); read once. */
function thisMachine(): { readonly pidNamespace?: string; readonly bootId?: string } {
  if (machine === undefined) {
    let pidNamespace: string | undefined;
    let bootId: string | undefined;
    try {
      pidNamespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      // Not Linux, or /proc not mounted: pids are compared without a namespace.
    }
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // Not Linux: a restart is not recognised, and a lock of a writer from before it waits for the operator.
    }
    machine = { ...(pidNamespace === undefined ? {} : { pidNamespace }), ...(bootId === undefined ? {} : { bootId }) };
  }
  return machine;
}

async function writeSynced(path: string, text: string, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
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

/** The revision of `username`'s entry among `entries` (the first entry of that name, as the file's parser keeps). */
function revisionIn(entries: readonly FileEntry[], username: string): string | undefined {
  const entry = entries.find((candidate) => candidate.username === username);
  return entry === undefined ? undefined : entryRevision(entry);
}

/**
 * A hash of the entry as stored (its JSON, keys in the file's order): a change of the file that leaves the entry as it
 * was keeps its revision. SHA-256, shortened to 128 bits: a token to compare, not a secret (the password hash it
 * covers is salted and never shown).
 */
function entryRevision(entry: FileEntry): string {
  return createHash('sha256').update(JSON.stringify(entry)).digest('hex').slice(0, 32);
}

function storedUser(user: LocalUser, writable: boolean, revision?: string): StoredUser {
  return {
    username: user.username,
    enabled: user.enabled,
    ...(user.profile.homeDirectory === undefined ? {} : { homeDirectory: user.profile.homeDirectory }),
    ...(user.profile.rootDirectory === undefined ? {} : { rootDirectory: user.profile.rootDirectory }),
    ...(user.profile.permissions === undefined ? {} : { permissions: user.profile.permissions }),
    ...(user.profile.directoryPermissions === undefined ? {} : { directoryPermissions: user.profile.directoryPermissions }),
    ...(user.profile.quota === undefined ? {} : { quota: user.profile.quota }),
    ...(user.profile.bandwidth === undefined ? {} : { bandwidth: user.profile.bandwidth }),
    ...(user.profile.attributes === undefined ? {} : { attributes: user.profile.attributes }),
    ...(writable ? {} : { writable: false }),
    ...(revision === undefined ? {} : { revision }),
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
