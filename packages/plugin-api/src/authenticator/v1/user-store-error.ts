import { FtpError, type FtpErrorOptions } from '../../errors/ftp-error.ts';

/**
 * Why a user store refused a call; stable, to match on. "conflict": a conditional change (`updateUser`'s
 * `ifRevision`) found the user changed since that revision was read; nothing was written.
 */
export type UserStoreErrorReason = 'user-exists' | 'no-such-user' | 'read-only-user' | 'invalid-user' | 'conflict' | 'unavailable';

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
