const ftpErrorBrand = Symbol.for('@ftp/error');

/** Options shared by every error class of the FTP packages. */
export interface FtpErrorOptions {
  /** The underlying error, kept for the log; never sent to the client. */
  readonly cause?: unknown;
  /** An FTP reply code (RFC 959 §4.2) the server should answer with instead of the default for the command. */
  readonly replyCode?: number;
  /** Whether `message` is safe to send to the client. Default false: the client sees the standard text for the code. */
  readonly expose?: boolean;
}

/**
 * The base of every error the FTP packages throw on purpose. `code` is a stable `FTP_ERR_*` string (documented in
 * docs/errors.md); match on it, never on the message.
 *
 * Recognise instances with `FtpError.isInstance(value)`, not `instanceof`: a plugin built against another copy of
 * `@ftp/plugin-api` throws errors from that copy, which carry the same global symbol brand.
 */
export class FtpError extends Error {
  readonly code: string;
  readonly replyCode: number | undefined;
  readonly expose: boolean;

  constructor(code: string, message: string, options: FtpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FtpError';
    this.code = code;
    this.replyCode = options.replyCode;
    this.expose = options.expose ?? false;
    Object.defineProperty(this, ftpErrorBrand, { value: true });
  }

  /** True for any error created by any copy of this package. */
  static isInstance(value: unknown): value is FtpError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ftpErrorBrand] === true;
  }
}
