import { parseUserProfile, type UserProfile } from '@ftp/plugin-api';
import type { SqlNames } from './sql-names.ts';

/** The columns of a users row that make up the user's profile, as node-postgres returns them (bigint as text). */
export interface UserProfileColumns {
  readonly home_directory: string | null;
  readonly root_directory: string | null;
  readonly permissions: unknown;
  readonly directory_permissions: unknown;
  readonly quota_max_bytes: string | null;
  readonly quota_max_files: string | null;
  readonly upload_bytes_per_second: string | null;
  readonly download_bytes_per_second: string | null;
  readonly max_sessions: number | null;
  readonly attributes: unknown;
}

/** What the login reads: the profile, the hash, and whether the row may log in now (by the database's clock). */
export interface LoginRow extends UserProfileColumns {
  readonly password_hash: string;
  readonly enabled: boolean;
  readonly expired: boolean;
}

/** The profile's columns, in the order of `UserProfileColumns`. */
export const profileColumns =
  'home_directory, root_directory, permissions, directory_permissions, quota_max_bytes, quota_max_files, ' +
  'upload_bytes_per_second, download_bytes_per_second, max_sessions, attributes';

/**
 * The SQL expression of a users row's revision (`StoredUser.revision`): a hash of what the row stores for the user (the
 * password hash, the enabled flag, the expiry and the profile), so it changes with any change of these and survives a
 * dump and restore (a row's xmin does not). Every value goes in as JSON, whose text is the same in every session
 * (TimeZone and DateStyle do not reach it; the expiry goes in as seconds since the epoch). `updated_at` stays out:
 * putting a row back as it was gives it its revision back, and a change made from that revision loses nothing.
 */
export function revisionExpression(row: string): string {
  const columns = [
    `${row}.password_hash`,
    `${row}.enabled`,
    `extract(epoch FROM ${row}.expires_at)`,
    ...profileColumns.split(', ').map((column) => `${row}.${column}`),
  ];
  return `left(encode(sha256(convert_to(jsonb_build_array(${columns.join(', ')})::text, 'UTF8')), 'hex'), 32)`;
}

/**
 * The one statement of a login: everything about the user in one round trip. Expiry is decided by the database's
 * clock, so instances whose clocks differ still agree.
 */
export function loginStatement(names: SqlNames): string {
  return `SELECT password_hash, ${profileColumns}, enabled, expires_at IS NOT NULL AND expires_at <= now() AS expired
    FROM ${names.users} WHERE username = $1`;
}

/** The statement of a re-validation: is the row still there, enabled, unexpired, with the same password hash. */
export function revalidationStatement(names: SqlNames): string {
  return `SELECT password_hash, enabled AND (expires_at IS NULL OR expires_at > now()) AS active FROM ${names.users} WHERE username = $1`;
}

/**
 * The profile a row describes, checked as any user facts from outside are (`parseUserProfile`); throws
 * `InvalidOptionError` naming the faulty column's key, for example `user "alice".permissions.upload`.
 */
export function profileFromRow(row: UserProfileColumns, username: string): UserProfile {
  const quota = limits({ maxBytes: row.quota_max_bytes, maxFiles: row.quota_max_files });
  const bandwidth = limits({ uploadBytesPerSecond: row.upload_bytes_per_second, downloadBytesPerSecond: row.download_bytes_per_second });
  const facts: Record<string, unknown> = {
    homeDirectory: row.home_directory ?? undefined,
    rootDirectory: row.root_directory ?? undefined,
    permissions: row.permissions ?? undefined,
    directoryPermissions: row.directory_permissions ?? undefined,
    quota,
    bandwidth,
    maxSessions: row.max_sessions ?? undefined,
    attributes: row.attributes ?? undefined,
  };
  return parseUserProfile(facts, `user ${JSON.stringify(username)}`);
}

/** The limits that are set, as numbers (node-postgres returns bigint as text); undefined when none is. */
function limits(columns: Record<string, string | null>): Record<string, number> | undefined {
  const set = Object.entries(columns).filter((entry): entry is [string, string] => entry[1] !== null);
  return set.length === 0 ? undefined : Object.fromEntries(set.map(([key, value]) => [key, Number(value)]));
}
