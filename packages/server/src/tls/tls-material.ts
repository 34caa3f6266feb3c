import { constants, randomBytes } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { InvalidOptionError } from '@ftp/plugin-api';
import type { TlsOptions } from '../server-options.ts';

/** What a session needs to know about the server's TLS policy. */
export interface TlsPolicy {
  readonly requireForLogin: boolean;
  readonly requireForData: boolean;
  readonly requireSessionReuse: boolean;
}

/**
 * The server's certificate and TLS settings, replaceable at run time (new sessions use the new pair).
 *
 * Each FTP session gets a secure context of its own with its own random session-ticket key. A TLS session can then
 * only be resumed on a connection of the FTP session whose control connection issued the ticket: a protected data
 * connection that resumes is proven to come from the same client (RFC 4217 §10 data connection security). Every
 * context refuses TLS renegotiation (see `createSessionContext`).
 */
export class TlsMaterial {
  readonly policy: TlsPolicy;
  readonly #options: TlsOptions;
  #cert: string | Buffer;
  #key: string | Buffer;
  /** See `refusalContext`; made on first use, dropped when the certificate changes. */
  #refusalContext: SecureContext | undefined;

  constructor(options: TlsOptions) {
    this.#options = options;
    this.#cert = options.cert;
    this.#key = options.key;
    this.policy = {
      requireForLogin: options.requireForLogin ?? false,
      requireForData: options.requireForData ?? false,
      requireSessionReuse: options.requireSessionReuse ?? true,
    };
    // Fail at start, with the option named, rather than at the first AUTH TLS.
    this.createSessionContext();
  }

  /** Replaces the certificate and key; throws `InvalidOptionError` and keeps the old pair if they do not load. */
  setCertificate(cert: string | Buffer, key: string | Buffer): void {
    const previous = [this.#cert, this.#key] as const;
    [this.#cert, this.#key] = [cert, key];
    try {
      this.createSessionContext();
    } catch (error) {
      [this.#cert, this.#key] = previous;
      throw error;
    }
    this.#refusalContext = undefined;
  }

  /**
   * The context of implicit-TLS connections that are refused (limits, shutdown): they get one reply and are closed,
   * never resume a session, so they share one context instead of each loading the key anew, which a flood of refused
   * connections would otherwise pay for.
   */
  refusalContext(): SecureContext {
    return (this.#refusalContext ??= this.createSessionContext());
  }

  /** A fresh secure context for one FTP session (control and data connections share it). */
  createSessionContext(): SecureContext {
    try {
      return createSecureContext({
        cert: this.#cert,
        key: this.#key,
        minVersion: this.#options.minVersion ?? 'TLSv1.2',
        ...(this.#options.ciphers === undefined ? {} : { ciphers: this.#options.ciphers }),
        ticketKeys: randomBytes(48),
        // Client-initiated renegotiation (TLS 1.2 and earlier) costs the server a full handshake per request. Node.js
        // limits it only on sockets a tls.Server makes; ours (control and data) are built from this context, so
        // OpenSSL refuses it here: the client gets a no_renegotiation alert, the server does no handshake work.
        secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
      });
    } catch (error) {
      throw new InvalidOptionError('tls', `certificate or key cannot be used: ${(error as Error).message}`);
    }
  }
}
