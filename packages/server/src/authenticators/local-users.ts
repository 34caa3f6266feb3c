import { InvalidOptionError, parseUserProfile, type AuthenticatedUser, type UserPermissions } from '@ftp/plugin-api';
import { parsePasswordHash, type ParsedPasswordHash } from '@ftp/plugin-api/password';

/** One user of the `local` authenticator, as written in its config or users file. */
export interface LocalUserConfig {
  /** The USER name, compared exactly (case-sensitive). */
  readonly username: string;
  /** A hash made by `hashPassword` (or `ftp-server hash-password`); never a plain password. */
  readonly passwordHash: string;
  /** False to refuse the user's logins (`ftp-server users disable`) without removing the user. Default true. */
  readonly enabled?: boolean;
  /** Virtual directory the session starts in, absolute ("/incoming"). Default "/". */
  readonly homeDirectory?: string;
  /** Permission flags; every flag left out is allowed (or set by the server's `userDefaults`). */
  readonly permissions?: UserPermissions;
  /** Storage directory that becomes the user's "/" (a chroot). */
  readonly rootDirectory?: string;
  /** Permission overrides per directory ("/incoming": { "upload": true }); the longest matching path wins. */
  readonly directoryPermissions?: Readonly<Record<string, UserPermissions>>;
  /** Storage limits: `maxBytes`, `maxFiles`. */
  readonly quota?: AuthenticatedUser['quota'];
  /** Speed limits: `uploadBytesPerSecond`, `downloadBytesPerSecond`. */
  readonly bandwidth?: AuthenticatedUser['bandwidth'];
  /** Most concurrent sessions of the user. */
  readonly maxSessions?: number;
  /** Opaque facts for the storage connector (for example a bucket prefix). */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** A validated user with its hash already parsed. */
export interface LocalUser {
  readonly username: string;
  readonly passwordHash: string;
  readonly parsedHash: ParsedPasswordHash;
  /** False when the entry says `"enabled": false`: logins are refused. */
  readonly enabled: boolean;
  /** Everything the accepted login carries besides the name. */
  readonly profile: Omit<AuthenticatedUser, 'username'>;
}

/**
 * Validates a users list (from options or a users file) and returns it as a map by user name. `option` is the
 * name used in error messages ("users" or "usersFile"). Throws `InvalidOptionError` naming the faulty key, for
 * example `users[1].passwordHash`.
 */
export function parseLocalUsers(value: unknown, option: string): Map<string, LocalUser> {
  if (!Array.isArray(value)) throw new InvalidOptionError(option, 'must be an array of users');
  const users = new Map<string, LocalUser>();
  value.forEach((entry: unknown, index) => {
    const user = parseLocalUser(entry, `${option}[${index}]`);
    if (users.has(user.username)) {
      throw new InvalidOptionError(`${option}[${index}].username`, `duplicate user name "${user.username}"`);
    }
    users.set(user.username, user);
  });
  return users;
}

/** Parses the JSON text of a users file: `{ "users": [ ... ] }`. */
export function parseUsersFile(text: string, filePath: string): Map<string, LocalUser> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InvalidOptionError('usersFile', `${filePath} is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(document) || !('users' in document)) {
    throw new InvalidOptionError('usersFile', `${filePath} must contain an object with a "users" array`);
  }
  const extra = Object.keys(document).filter((key) => key !== 'users' && key !== '$comment');
  if (extra.length > 0) throw new InvalidOptionError('usersFile', `${filePath}: unknown key "${extra[0]}"`);
  return parseLocalUsers(document.users, `usersFile ${filePath}: users`);
}

function parseLocalUser(entry: unknown, path: string): LocalUser {
  if (!isRecord(entry)) throw new InvalidOptionError(path, 'must be an object');
  // A plain password is the one mistake worth a hint; every other unknown key is refused by parseUserProfile below.
  if ('password' in entry) {
    throw new InvalidOptionError(`${path}.password`, 'unknown key (store a hash in "passwordHash": run `ftp-server hash-password`)');
  }
  const { username, passwordHash } = entry;
  if (typeof username !== 'string' || username.length === 0) {
    throw new InvalidOptionError(`${path}.username`, 'must be a non-empty string');
  }
  if (typeof passwordHash !== 'string') {
    throw new InvalidOptionError(`${path}.passwordHash`, 'must be a string made by `ftp-server hash-password`');
  }
  if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') {
    throw new InvalidOptionError(`${path}.enabled`, 'must be true or false');
  }
  const { username: _username, passwordHash: _passwordHash, enabled, ...profile } = entry;
  return {
    username,
    passwordHash,
    parsedHash: parsePasswordHash(passwordHash, `${path}.passwordHash`),
    enabled: enabled !== false,
    profile: parseUserProfile(profile, path),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
