import {
  FtpError,
  InvalidOptionError,
  type NewStoredUser,
  parseUserChanges,
  parseUserProfile,
  type StoredUser,
  type UserBandwidth,
  type UserChanges,
  type UserPermissions,
  type UserProfile,
  type UserQuota,
  UserStoreError,
  type UserStoreErrorReason,
  type UserStoreV1,
} from '@ftp/plugin-api';
import { hashPassword, type PasswordHashOptions } from '@ftp/plugin-api/password';
import { parseStoredPasswordHash } from './password-verification.ts';
import type { Queryable } from './postgres-pool.ts';
import { sqlNames } from './sql-names.ts';
import { profileColumns, profileFromRow, revisionExpression } from './user-row.ts';

// What a `ftp-server users` command needs, over a pool (or any connection): add, change the password or the profile,
// disable, list.
// Each is one statement; the schema must exist (`migrate`, or an authenticator that started once).

/** An `InvalidOptionError` that also says which user-store refusal it is, for `createPostgresUserStore`. */
class UserRefusal extends InvalidOptionError {
  readonly reason: UserStoreErrorReason;
  constructor(reason: UserStoreErrorReason, option: string, message: string) {
    super(option, message);
    this.reason = reason;
  }
}

/** A user to add: a name, a password or a ready hash, and the same facts an authenticator returns. */
export interface NewUser extends UserProfile {
  /** The USER name, compared exactly (case-sensitive); 1 to 255 characters, no control characters. */
  readonly username: string;
  /** Stored as a scrypt hash (as `ftp-server hash-password` makes), never as given. */
  readonly password?: string;
  /** A hash made elsewhere, to import a user: `$scrypt$`, bcrypt (`$2a$`, `$2b$`, `$2y$`) or `$argon2id$`. */
  readonly passwordHash?: string;
  /** Default true. */
  readonly enabled?: boolean;
  /** From this moment on, logins are refused and open sessions end at their next re-validation. */
  readonly expiresAt?: Date;
}

/** Options of the user functions. */
export interface UserAdminOptions {
  /** The schema of the tables. Default "ftp". */
  readonly schema?: string;
  /** Cost of the scrypt hashes made from passwords; the default is the server's (ln=15, r=8, p=1). */
  readonly hashOptions?: PasswordHashOptions;
}

/** One user as `listUsers` shows it; never the password hash. */
export interface UserSummary {
  readonly username: string;
  readonly enabled: boolean;
  readonly expiresAt: Date | null;
  /** How the password is stored: "scrypt", "bcrypt", "argon2id", or "unknown" for a hash that cannot log in. */
  readonly passwordAlgorithm: 'scrypt' | 'bcrypt' | 'argon2id' | 'unknown';
  readonly homeDirectory: string | null;
  readonly rootDirectory: string | null;
  /** The flags set for the user (empty: the server's defaults apply). */
  readonly permissions: UserPermissions;
  readonly directoryPermissions: Readonly<Record<string, UserPermissions>>;
  readonly quota: UserQuota | null;
  readonly bandwidth: UserBandwidth | null;
  /** The facts for the storage connector (`AuthenticatedUser.attributes`, e.g. the mounts storage's `mounts`). */
  readonly attributes: Readonly<Record<string, unknown>> | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /**
   * A token of the row as stored (`StoredUser.revision`): it changes with any change of the password, the enabled
   * flag, the expiry or the profile; `updateUser`'s `ifRevision` writes only while it is still this one.
   */
  readonly revision: string;
}

/** Options of `updateUser`. */
export interface UpdateUserOptions extends UserAdminOptions {
  /**
   * Write only if the user's `revision` is still this one (checked in the UPDATE's own WHERE clause, so no other
   * change can land between the check and the write); otherwise throw `UserStoreError` "conflict", changing nothing.
   */
  readonly ifRevision?: string;
}

/**
 * Adds a user. Throws `InvalidOptionError` naming the field for an invalid name, profile or hash, for both or neither
 * of `password` and `passwordHash`, and when the name is taken.
 */
export async function addUser(database: Queryable, user: NewUser, options: UserAdminOptions = {}): Promise<void> {
  const names = sqlNames(options.schema);
  const { username, password, passwordHash, enabled, expiresAt, ...facts } = user;
  checkUsername(username);
  if ((password === undefined) === (passwordHash === undefined)) {
    throw new InvalidOptionError('password', 'give either "password" or "passwordHash"');
  }
  if (enabled !== undefined && typeof enabled !== 'boolean') throw new InvalidOptionError('enabled', 'must be true or false');
  if (expiresAt !== undefined && !(expiresAt instanceof Date && Number.isFinite(expiresAt.getTime()))) {
    throw new InvalidOptionError('expiresAt', 'must be a valid Date');
  }
  const profile = parseUserProfile(facts, 'user');
  let hash: string;
  if (passwordHash !== undefined) {
    if (typeof passwordHash !== 'string') throw new InvalidOptionError('passwordHash', 'must be a string');
    parseStoredPasswordHash(passwordHash);
    hash = passwordHash;
  } else {
    hash = await hashNewPassword(password, options);
  }
  try {
    await database.query(
      `INSERT INTO ${names.users} (username, password_hash, home_directory, root_directory, permissions, directory_permissions,
        quota_max_bytes, quota_max_files, upload_bytes_per_second, download_bytes_per_second, max_sessions, attributes, enabled, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        username,
        hash,
        profile.homeDirectory ?? null,
        profile.rootDirectory ?? null,
        JSON.stringify(profile.permissions ?? {}),
        JSON.stringify(profile.directoryPermissions ?? {}),
        profile.quota?.maxBytes ?? null,
        profile.quota?.maxFiles ?? null,
        profile.bandwidth?.uploadBytesPerSecond ?? null,
        profile.bandwidth?.downloadBytesPerSecond ?? null,
        profile.maxSessions ?? null,
        profile.attributes === undefined ? null : JSON.stringify(profile.attributes),
        enabled ?? true,
        expiresAt ?? null,
      ],
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505')
      throw new UserRefusal('user-exists', 'username', `user ${JSON.stringify(username)} already exists`);
    if ((error as { code?: unknown }).code === '23514') {
      throw new InvalidOptionError('user', `the users table refuses the values: ${(error as Error).message}`);
    }
    throw error;
  }
}

/**
 * Sets a new password (stored as a scrypt hash). Open sessions of the user end at their next re-validation. Throws
 * `InvalidOptionError` when there is no such user.
 */
export async function setPassword(database: Queryable, username: string, password: string, options: UserAdminOptions = {}): Promise<void> {
  const names = sqlNames(options.schema);
  const hash = await hashNewPassword(password, options);
  const result = await database.query(`UPDATE ${names.users} SET password_hash = $2, updated_at = now() WHERE username = $1`, [
    username,
    hash,
  ]);
  expectOneRow(result.rowCount, username);
}

/**
 * Disables a user: logins are refused on every instance, and open sessions end at their next re-validation. Throws
 * `InvalidOptionError` when there is no such user.
 */
export async function disableUser(database: Queryable, username: string, options: UserAdminOptions = {}): Promise<void> {
  const names = sqlNames(options.schema);
  const result = await database.query(`UPDATE ${names.users} SET enabled = false, updated_at = now() WHERE username = $1`, [username]);
  expectOneRow(result.rowCount, username);
}

/**
 * Enables a user again after `disableUser`: logins are accepted from then on (an expiry still applies). Throws
 * `InvalidOptionError` when there is no such user.
 */
export async function enableUser(database: Queryable, username: string, options: UserAdminOptions = {}): Promise<void> {
  const names = sqlNames(options.schema);
  const result = await database.query(`UPDATE ${names.users} SET enabled = true, updated_at = now() WHERE username = $1`, [username]);
  expectOneRow(result.rowCount, username);
}

/**
 * Removes a user: logins are refused, and open sessions end at their next re-validation. Throws `InvalidOptionError`
 * when there is no such user.
 */
export async function deleteUser(database: Queryable, username: string, options: UserAdminOptions = {}): Promise<void> {
  const names = sqlNames(options.schema);
  const result = await database.query(`DELETE FROM ${names.users} WHERE username = $1`, [username]);
  expectOneRow(result.rowCount, username);
}

/**
 * Changes a user's profile (`UserChanges`: each key given replaces that fact, null removes it) in one statement. It
 * applies at the user's next login on every instance; open sessions keep the profile they logged in with (their
 * re-validation checks only the password, the enabled flag and the expiry). Throws `UserStoreError` "invalid-user"
 * naming the field, `InvalidOptionError` when there is no such user, and, with `ifRevision`, `UserStoreError`
 * "conflict" when the user's revision is another.
 */
export async function updateUser(
  database: Queryable,
  username: string,
  changes: UserChanges,
  options: UpdateUserOptions = {},
): Promise<void> {
  const names = sqlNames(options.schema);
  const checked = parseUserChanges(changes);
  const { ifRevision } = options;
  if (ifRevision !== undefined && typeof ifRevision !== 'string') throw new UserStoreError('invalid-user', 'ifRevision: must be a string');
  const values: unknown[] = [username];
  const assignments: string[] = [];
  const set = (column: string, value: unknown) => {
    values.push(value);
    assignments.push(`${column} = $${values.length}`);
  };
  if (checked.homeDirectory !== undefined) set('home_directory', checked.homeDirectory);
  if (checked.rootDirectory !== undefined) set('root_directory', checked.rootDirectory);
  // The permission columns are NOT NULL: removing the flags stores an empty object, which sets none.
  if (checked.permissions !== undefined) set('permissions', JSON.stringify(checked.permissions ?? {}));
  if (checked.directoryPermissions !== undefined) set('directory_permissions', JSON.stringify(checked.directoryPermissions ?? {}));
  if (checked.quota !== undefined) {
    set('quota_max_bytes', checked.quota?.maxBytes ?? null);
    set('quota_max_files', checked.quota?.maxFiles ?? null);
  }
  if (checked.bandwidth !== undefined) {
    set('upload_bytes_per_second', checked.bandwidth?.uploadBytesPerSecond ?? null);
    set('download_bytes_per_second', checked.bandwidth?.downloadBytesPerSecond ?? null);
  }
  if (checked.attributes !== undefined) set('attributes', checked.attributes === null ? null : JSON.stringify(checked.attributes));
  const assigned = [...assignments, 'updated_at = now()'].join(', ');
  if (ifRevision === undefined) {
    const result = await database.query(`UPDATE ${names.users} SET ${assigned} WHERE username = $1`, values);
    expectOneRow(result.rowCount, username);
    return;
  }
  values.push(ifRevision);
  // The revision is compared in the UPDATE's WHERE clause: a concurrent UPDATE of the row makes this one wait for it,
  // then re-evaluate the clause on the row it left (READ COMMITTED), so of two writers of one revision one writes.
  // Whether the user exists at all tells "conflict" from "no-such-user", in the same statement.
  const result = await database.query(
    `WITH changed AS (
       UPDATE ${names.users} AS u SET ${assigned} WHERE u.username = $1 AND ${revisionExpression('u')} = $${values.length} RETURNING 1
     )
     SELECT (SELECT count(*) FROM changed)::integer AS changed, EXISTS (SELECT 1 FROM ${names.users} WHERE username = $1) AS present`,
    values,
  );
  const { changed, present } = result.rows[0] as { changed: number; present: boolean };
  if (changed === 1) return;
  if (!present) expectOneRow(0, username);
  throw new UserRefusal(
    'conflict',
    'ifRevision',
    `user ${JSON.stringify(username)} was changed since it was read (revision ${ifRevision}); nothing was written: read it again`,
  );
}

/** Every user, by name; without password hashes. With `username`, that user only (an empty array when none). */
export async function listUsers(
  database: Queryable,
  options: UserAdminOptions & { readonly username?: string } = {},
): Promise<UserSummary[]> {
  const names = sqlNames(options.schema);
  const only = options.username === undefined ? '' : 'WHERE username = $1';
  const result = await database.query(
    `SELECT username, enabled, expires_at, ${profileColumns}, created_at, updated_at, ${revisionExpression('u')} AS revision,
       CASE WHEN password_hash LIKE '$scrypt$%' THEN 'scrypt'
            WHEN password_hash ~ '^\\$2[aby]\\$' THEN 'bcrypt'
            WHEN password_hash LIKE '$argon2id$%' THEN 'argon2id'
            ELSE 'unknown' END AS password_algorithm
     FROM ${names.users} AS u ${only} ORDER BY username COLLATE "C"`,
    options.username === undefined ? [] : [options.username],
  );
  return result.rows.map((row) => {
    const profile = profileFromRow(row, row.username);
    return {
      username: row.username,
      enabled: row.enabled,
      expiresAt: row.expires_at,
      passwordAlgorithm: row.password_algorithm,
      homeDirectory: row.home_directory,
      rootDirectory: row.root_directory,
      permissions: profile.permissions ?? {},
      directoryPermissions: profile.directoryPermissions ?? {},
      quota: profile.quota ?? null,
      bandwidth: profile.bandwidth ?? null,
      attributes: profile.attributes ?? null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      revision: row.revision,
    };
  });
}

async function hashNewPassword(password: unknown, options: UserAdminOptions): Promise<string> {
  if (typeof password !== 'string' || password === '') throw new InvalidOptionError('password', 'must be a non-empty string');
  return hashPassword(password, options.hashOptions);
}

function checkUsername(username: unknown): asserts username is string {
  if (typeof username !== 'string' || username.length === 0 || username.length > 255) {
    throw new InvalidOptionError('username', 'must be 1 to 255 characters');
  }
  // An FTP client cannot send these in a USER line (RFC 959 §5.3: the line ends at CRLF; the server refuses NUL).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(username)) throw new InvalidOptionError('username', 'must not contain control characters');
}

function expectOneRow(rowCount: number | null, username: string): void {
  if (rowCount === 0) throw new UserRefusal('no-such-user', 'username', `no user ${JSON.stringify(username)}`);
}

/**
 * The users table as a `UserStoreV1` (`ftp-server users`, the admin API), over the functions above. A change is one
 * statement, so concurrent changes never lose one another; a read-modify-write passes the revision it read
 * (`ifRevision`), compared by the UPDATE itself; every instance on the database applies it at the user's
 * next login, and sessions end at their next re-validation when the user is disabled, removed or given a new
 * password. Refusals throw `UserStoreError` with their reason; a database that does not answer, reason "unavailable".
 */
export function createPostgresUserStore(database: Queryable, options: UserAdminOptions = {}): UserStoreV1 {
  const summaryToStored = (user: UserSummary): StoredUser => ({
    username: user.username,
    enabled: user.enabled,
    ...(user.homeDirectory === null ? {} : { homeDirectory: user.homeDirectory }),
    ...(user.rootDirectory === null ? {} : { rootDirectory: user.rootDirectory }),
    ...(Object.keys(user.permissions).length === 0 ? {} : { permissions: user.permissions }),
    ...(Object.keys(user.directoryPermissions).length === 0 ? {} : { directoryPermissions: user.directoryPermissions }),
    ...(user.quota === null ? {} : { quota: user.quota }),
    ...(user.bandwidth === null ? {} : { bandwidth: user.bandwidth }),
    ...(user.attributes === null ? {} : { attributes: user.attributes }),
    revision: user.revision,
  });
  return Object.freeze({
    listUsers: () => asStoreCall(async () => (await listUsers(database, options)).map(summaryToStored)),
    getUser: (username: string) =>
      asStoreCall(async () => {
        const [user] = await listUsers(database, { ...options, username });
        return user === undefined ? undefined : summaryToStored(user);
      }),
    addUser: (user: NewStoredUser) => asStoreCall(() => addUser(database, user, options)),
    setPassword: (username: string, password: string) => asStoreCall(() => setPassword(database, username, password, options)),
    setEnabled: (username: string, enabled: boolean) =>
      asStoreCall(() => (enabled ? enableUser : disableUser)(database, username, options)),
    updateUser: (username: string, changes: UserChanges, updateOptions: { readonly ifRevision?: string } = {}) =>
      asStoreCall(() =>
        updateUser(database, username, changes, {
          ...options,
          ...(updateOptions.ifRevision === undefined ? {} : { ifRevision: updateOptions.ifRevision }),
        }),
      ),
    deleteUser: (username: string) => asStoreCall(() => deleteUser(database, username, options)),
  });
}

async function asStoreCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (UserStoreError.isInstance(error)) throw error;
    if (error instanceof UserRefusal) throw new UserStoreError(error.reason, error.message, { cause: error });
    if (FtpError.isInstance(error) && error.code === 'FTP_ERR_INVALID_OPTION') {
      throw new UserStoreError('invalid-user', error.message, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new UserStoreError('unavailable', `the users database did not answer: ${message}`, { cause: error });
  }
}
