import { FtpError, type FtpErrorOptions } from './ftp-error.ts';

const brand = Symbol.for('@ftp/authentication-unavailable-error');

/**
 * The authentication backend could not give an answer (timeout, connection refused, 5xx). The server answers
 * 421 and closes the control connection, so an outage never reads as a wrong password (530).
 */
export class AuthenticationUnavailableError extends FtpError {
  constructor(message: string, options: FtpErrorOptions = {}) {
    super('FTP_ERR_AUTH_UNAVAILABLE', message, options);
    this.name = 'AuthenticationUnavailableError';
    Object.defineProperty(this, brand, { value: true });
  }

  static override isInstance(value: unknown): value is AuthenticationUnavailableError {
    return FtpError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[brand] === true;
  }
}
