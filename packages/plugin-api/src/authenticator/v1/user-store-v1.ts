import { FtpError, type FtpErrorOptions } from '../../errors/ftp-error.ts';
import type { UserProfile } from './user-profile.ts';

/** One user as a user store shows it: never a password or its hash. */
export interface StoredUser {
  readonly username: string;
  /** False once `setEnabled(username, false)` was called: the user cannot log in until enabled again. */
  readonly enabled: boolean;
  readonly homeDirectory?: string;
  readonly rootDirectory?: string;
  /**
   * False for a user the store shows but cannot change (the `local` authenticator's users written inline in the
   * server config rather than in its users file). Default true.
   */
  readonly writable?: boolean;
}

/** A user to add: a name, a password in clear (the store keeps only its hash) and the facts of `AuthenticatedUser`. */
export interface NewStoredUser extends UserProfile {
  /** The USER name, compared exactly (case-sensitive); non-empty, without control characters. */
  readonly username: string;
  /** Never stored or logged as given: the store keeps a hash of it. Non-empty. */
  readonly password: string;
  /** Default true. */
  readonly enabled?: boolean;
}

/**
 * The users of an authenticator that keeps its own (a users file, a users table), for the `ftp-server users`
 * command and the admin API. An optional capability: an authenticator that can write its users offers it as
 * `AuthenticatorV1.users`; one that asks another service (HTTP, LDAP) does not.
 *
 * Guarantees every implementation gives:
 * - A change is durable when the returned promise resolves, and every server using the same store (the same users
 *   file, the same database) applies it at that user's next login, without a restart.
 * - Concurrent calls, from this process or another, never lose one another's change.
 * - Passwords are hashed before they are stored, and never logged nor returned.
 *
 * Expected refusals throw `UserStoreError` with its `reason`; a store that cannot be reached or written throws
 * `UserStoreError` with reason "unavailable" (the command exits 1), naming the cause.
 */
export interface UserStoreV1 {
  /** `users list`: every user, sorted by name (byte order). */
  listUsers(): Promise<StoredUser[]>;
  /** One user, or undefined when there is no such user. */
  getUser(username: string): Promise<StoredUser | undefined>;
  /** `users add`: throws reason "user-exists" when the name is taken, "invalid-user" for a bad name or profile. */
  addUser(user: NewStoredUser): Promise<void>;
  /**
   * `users passwd`: replaces the password. Logins with the old one fail from then on; a store whose authenticator
   * re-validates sessions ends the user's open sessions at their next re-validation. Throws "no-such-user",
   * "read-only-user" or "invalid-user" (an empty password).
   */
  setPassword(username: string, password: string): Promise<void>;
  /**
   * `users disable` / `users enable`: a disabled user's logins are refused (530) as if the password were wrong.
   * Setting the state a user already has is not an error. Throws "no-such-user" or "read-only-user".
   */
  setEnabled(username: string, enabled: boolean): Promise<void>;
  /** Removes a user. Throws "no-such-user" or "read-only-user". */
  deleteUser(username: string): Promise<void>;
}

/** Why a user store refused a call; stable, to match on. */
export type UserStoreErrorReason = 'user-exists' | 'no-such-user' | 'read-only-user' | 'invalid-user' | 'unavailable';

const brand = Symbol.for('@ftp/user-store-error');

/** A user store refused a call (`reason`) or could not answer ("unavailable"); the message names the user and why. */
export class UserStoreError extends FtpError {
  readonly reason: UserStoreErrorReason;

  constructor(reason: UserStoreErrorReason, message: string, options: FtpErrorOptions = {}) {
    super('FTP_ERR_USER_STORE', message, { expose: true, ...options });
    this.name = 'UserStoreError';
    this.reason = reason;
    Object.defineProperty(this, brand, { value: true });
  }

  static override isInstance(value: unknown): value is UserStoreError {
    return FtpError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[brand] === true;
  }
}
