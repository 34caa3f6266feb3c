import type { AuthenticatedUser, ChecksumAlgorithm, SessionRevalidation, StorageSessionV1 } from '@ftp/plugin-api';
import type { SecureContext } from 'node:tls';
import { defaultMlstFacts, type MlstFact } from '@ftp/protocol';
import type { WireCharset } from '../encoding/wire-charset.ts';
import type { EffectiveUser } from '../users/effective-user.ts';
import type { SessionQuota } from '../limits/session-quota.ts';

/** A transfer in progress (RETR, STOR, STOU, APPE, LIST, NLST, MLSD). */
export interface ActiveTransfer {
  readonly command: string;
  readonly path: string;
  readonly startedAt: number;
  readonly controller: AbortController;
  /** Bytes moved so far. */
  bytes(): number;
  /** Settles when the transfer has sent its final reply. */
  readonly settled: Promise<void>;
  /**
   * The control connection closed: aborts the transfer with `reason`, unless the transfer chose otherwise (an upload
   * lets its data connection tell whether the file is complete; see `TransferHandle.onControlClose`).
   */
  controlClosed(reason: Error): void;
}

/**
 * RANG (draft-bryan-ftp-range): the bytes `first` to `last` of a file, both included, as the draft counts them (RANG 0 9
 * is the first ten bytes).
 */
export interface TransferRange {
  readonly first: number;
  readonly last: number;
}

/** HASH's algorithm until OPTS HASH selects another (draft-bryan-ftpext-hash-02 §3): SHA-1 is no longer a safe default. */
const defaultHashAlgorithm: ChecksumAlgorithm = 'SHA-256';

/** The authenticator's re-check of a login, and when it last succeeded. */
export interface Revalidation {
  readonly check: SessionRevalidation;
  validatedAt: number;
}

/**
 * Everything a session remembers between commands. Reset by REIN (RFC 959 §4.1.1) except the connection facts. Only
 * `Session` writes it: handlers read it as `SessionFacts` and change it through the context's named methods.
 */
export class SessionState {
  /** USER given, PASS not yet. */
  pendingUsername: string | undefined;
  user: AuthenticatedUser | undefined;
  /** The user with the server's defaults applied: permissions by path, quota, bandwidth. */
  effectiveUser: EffectiveUser | undefined;
  storage: StorageSessionV1 | undefined;
  /** The quota accounts of the user's tree; undefined when nothing in it is counted. */
  quota: SessionQuota | undefined;
  revalidation: Revalidation | undefined;
  currentDirectory = '/';
  /** TYPE: 'A' converts line endings (RFC 959 §3.1.1.1), 'I' sends bytes as stored. */
  transferType: 'A' | 'I' = 'A';
  /** REST offset for the next RETR/STOR (RFC 3659 §5). */
  restartOffset = 0;
  /**
   * RANG range for the next RETR, STOR or HASH, which takes it (draft-bryan-ftp-range); unlike REST it outlasts other
   * commands in between. REST after it replaces it, as it replaces REST.
   */
  transferRange: TransferRange | undefined;
  /** RNFR path awaiting RNTO. */
  renameFrom: string | undefined;
  /** EPSV ALL was sent: PORT, EPRT and PASV are refused from now on (RFC 2428 §4). */
  extendedPassiveOnly = false;
  mlstFacts: ReadonlySet<MlstFact> = defaultMlstFacts;
  /** OPTS HASH: the algorithm HASH uses (draft-bryan-ftpext-hash-02 §3.2). */
  hashAlgorithm: ChecksumAlgorithm = defaultHashAlgorithm;
  /**
   * The charset of command lines, replies and listing names now: the server's legacy charset (the `encoding` option)
   * until OPTS UTF8 ON, then undefined (UTF-8, RFC 2640 §3.1). The session sets it at start and at REIN.
   */
  wireCharset: WireCharset | undefined;
  /** The control connection is protected by TLS (implicit, or after AUTH TLS). Kept across REIN. */
  secure = false;
  /** This session's TLS context (its own ticket key): control and protected data connections use it. */
  tlsContext: SecureContext | undefined;
  /** PBSZ was accepted (RFC 4217 §8: it must precede PROT). */
  protectionBufferSizeSet = false;
  /** PROT: 'P' protects data connections with TLS, 'C' leaves them clear (RFC 4217 §9). */
  dataProtection: 'C' | 'P' = 'C';
  loginAttempts = 0;
  badCommands = 0;
  transfer: ActiveTransfer | undefined;

  /** Logs out and forgets everything but the counters that protect the server. */
  reset(): void {
    this.pendingUsername = undefined;
    this.user = undefined;
    this.effectiveUser = undefined;
    this.storage = undefined;
    this.quota = undefined;
    this.revalidation = undefined;
    this.currentDirectory = '/';
    this.transferType = 'A';
    this.restartOffset = 0;
    this.transferRange = undefined;
    this.renameFrom = undefined;
    this.extendedPassiveOnly = false;
    this.mlstFacts = defaultMlstFacts;
    this.hashAlgorithm = defaultHashAlgorithm;
  }
}
