import { FtpError, type FtpErrorOptions } from './ftp-error.ts';

const brand = Symbol.for('@ftp/shared-state-unavailable-error');

/**
 * The shared state (the store that server instances share: session counts, bans, quota usage, upload locks) could
 * not answer. The server never guesses in its place: a login answers 421 and closes the connection, an upload is
 * refused with 451 before any data moves, a new connection is refused with 421.
 */
export class SharedStateUnavailableError extends FtpError {
  constructor(message: string, options: FtpErrorOptions = {}) {
    super('FTP_ERR_SHARED_STATE_UNAVAILABLE', message, options);
    this.name = 'SharedStateUnavailableError';
    Object.defineProperty(this, brand, { value: true });
  }

  static override isInstance(value: unknown): value is SharedStateUnavailableError {
    return FtpError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[brand] === true;
  }
}
