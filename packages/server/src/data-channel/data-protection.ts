import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { ReplyCode } from '@ftp/protocol';
import { ReplyError, TransferAbortedError } from '../errors/server-errors.ts';

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
 */
export function protectDataSocket(socket: Socket, protection: DataProtection): { socket: TLSSocket; handshake: Promise<void> } {
  const secure = new TLSSocket(socket, { isServer: true, secureContext: protection.secureContext });
  secure.on('error', () => {});
  const handshake = (async () => {
    await Promise.race([
      once(secure, 'secure'),
      once(secure, 'close').then(() => Promise.reject(new TransferAbortedError('TLS handshake on the data connection failed'))),
    ]);
    if (protection.requireSessionReuse && !secure.isSessionReused()) {
      secure.destroy();
      // As vsftpd's require_ssl_reuse: a data connection that does not resume this session may be a third party's.
      throw new ReplyError(ReplyCode.NetworkProtocolNotSupported, 'TLS session of the data connection must resume the control connection session.');
    }
  })();
  handshake.catch(() => {});
  return { socket: secure, handshake };
}
