import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { FtpError } from '@ftp/plugin-api';
import { ReplyCode } from '@ftp/protocol';
import { DataConnectionError, ReplyError, TransferAbortedError } from '../errors/server-errors.ts';

/** PROT P (RFC 4217 §9): how to protect a data connection. */
export interface DataProtection {
  /** The session's own TLS context: a ticket it issued is the only one a data connection can resume with. */
  readonly secureContext: SecureContext;
  /** Refuse a data connection that does not resume the control connection's TLS session. */
  readonly requireSessionReuse: boolean;
}

/**
 * Starts server-side TLS on an accepted or connected data socket at once, without waiting: curl and basic-ftp start
 * the handshake as soon as they connect, lftp and ftplib only after the 150 reply, and both orders must work. The
 * returned `handshake` settles when TLS is up; the transfer waits for it after sending 150.
 *
 * It rejects with `DataConnectionError` (425) when the client's bytes are no TLS handshake we can complete (plain
 * text, noise, no shared protocol): the client's mistake, so the reply names it and no stack is logged; with
 * `TransferAbortedError` (426) when the connection ended first (closed, reset, stalled).
 */
export function protectDataSocket(socket: Socket, protection: DataProtection): { socket: TLSSocket; handshake: Promise<void> } {
  const secure = new TLSSocket(socket, { isServer: true, secureContext: protection.secureContext });
  secure.on('error', () => {});
  const handshake = (async () => {
    try {
      await Promise.race([
        once(secure, 'secure'),
        once(secure, 'close').then(() =>
          Promise.reject(new TransferAbortedError('data connection closed before its TLS handshake completed')),
        ),
      ]);
    } catch (error) {
      secure.destroy();
      throw handshakeFailure(error);
    }
    if (protection.requireSessionReuse && !secure.isSessionReused()) {
      secure.destroy();
      // As vsftpd's require_ssl_reuse: a data connection that does not resume this session may be a third party's.
      throw new ReplyError(
        ReplyCode.NetworkProtocolNotSupported,
        'TLS session of the data connection must resume the control connection session.',
      );
    }
  })();
  handshake.catch(() => {});
  return { socket: secure, handshake };
}

/**
 * What a failed data-connection handshake is answered with. OpenSSL refusing the client's bytes (`ERR_SSL_*`) means
 * the data connection never became the protected one PROT P asked for (425, RFC 959 §4.2; the text names TLS); our
 * own errors (a stall) keep their meaning; anything else on the socket (a reset) ended the transfer (426).
 */
function handshakeFailure(error: unknown): FtpError {
  if (FtpError.isInstance(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_SSL_')) {
    return new DataConnectionError("Can't open data connection: TLS negotiation failed.", { cause: error, expose: true });
  }
  return new TransferAbortedError('data connection failed during its TLS handshake', { cause: error });
}
