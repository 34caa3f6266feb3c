import type {
  AuthenticatedUser,
  AuthenticationRequest,
  AuthenticationResult,
  ChecksumAlgorithm,
  SessionRevalidation,
  StorageCallOptions,
  StorageSessionV1,
  UserPermissions,
} from '@ftp/plugin-api';
import type { MlstFact } from '@ftp/protocol';
import type { DataChannels } from '../data-channel/data-channels.ts';
import type { FtpServerEvents } from '../server-events.ts';
import type { AnonymousOptions, BeforeUploadHook, ServerLogger, UserDefaults } from '../server-options.ts';
import type { WireCharset } from '../encoding/wire-charset.ts';
import type { TlsPolicy } from '../tls/tls-material.ts';
import type { ServerLimits } from '../limits/server-limits.ts';
import type { SessionQuota } from '../limits/session-quota.ts';
import type { EffectiveUser } from '../users/effective-user.ts';
import type { SessionState, TransferRange } from './session-state.ts';

/**
 * The server options handlers read: plain values and the `beforeUpload` hook, never the plugins themselves (the
 * session calls those: `authenticate`, `openStorage`).
 */
export interface CommandSettings {
  /** Named in the reply to STAT. */
  readonly serverName: string;
  /** PORT and EPRT are refused (502) when false. */
  readonly allowActiveMode: boolean;
  /** Failed logins after which the session ends (421). */
  readonly maxLoginAttempts: number;
  readonly dataTimeoutMs: number;
  /** RFC 1635 anonymous FTP, when the operator enabled it. */
  readonly anonymous: AnonymousOptions | undefined;
  /** Applied to each logged-in user (`resolveEffectiveUser`). */
  readonly userDefaults: UserDefaults;
  readonly beforeUpload: BeforeUploadHook | undefined;
  /** The storage connector's name, for logs. */
  readonly storageName: string;
  /** The `encoding` option: the legacy charset of a session until OPTS UTF8 ON; undefined for UTF-8. */
  readonly encoding: WireCharset | undefined;
}

/** Facts about the control connection. */
export interface ConnectionFacts {
  readonly sessionId: string;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly secure: boolean;
}

/**
 * What a handler reads of the session: the session's state, read-only. A handler changes it only through the
 * context's methods, each named after what it does (`changeDirectory`, `setRestartOffset`, `login`, …).
 */
export type SessionFacts = Readonly<
  Pick<
    SessionState,
    | 'secure'
    | 'user'
    | 'effectiveUser'
    | 'storage'
    | 'quota'
    | 'currentDirectory'
    | 'transferType'
    | 'restartOffset'
    | 'transferRange'
    | 'extendedPassiveOnly'
    | 'mlstFacts'
    | 'hashAlgorithm'
    | 'wireCharset'
    | 'protectionBufferSizeSet'
    | 'dataProtection'
    | 'tlsContext'
    | 'transfer'
  >
>;

/**
 * What a command handler may use; `Session` implements it. Handlers never see a socket: replies go through `reply`,
 * data through `dataChannels`.
 */
export interface CommandContext {
  readonly state: SessionFacts;
  readonly settings: CommandSettings;
  readonly connection: ConnectionFacts;
  /** The server's TLS policy; undefined when FTPS is not configured (AUTH, PBSZ, PROT and CCC are then unavailable). */
  readonly tls: TlsPolicy | undefined;
  readonly logger: ServerLogger;
  readonly dataChannels: DataChannels;
  /** The command table, for FEAT and HELP. */
  readonly commands: OfferedCommands;
  /** Per-user limits shared by the server's sessions: session slots, bandwidth, quota usage, the defender. */
  readonly limits: ServerLimits;

  /**
   * Sends one reply (RFC 959 §4.2) of this command: the `command` event reports the code of its last. A string with
   * line breaks or an array becomes a multi-line reply.
   */
  reply(code: number, text: string | readonly string[]): void;
  /**
   * Sends the replies of this turn now instead of once the turn's promise callbacks have run: for a reply the client
   * waits on before it acts, such as the 150 before an upload's data, when more work follows before the next await.
   */
  flushReplies(): void;
  /** Sends the reply then closes the control connection. */
  closeAfter(code: number, text: string): void;
  /** Emits a server event with this session's facts filled in. */
  emit<E extends keyof FtpServerEvents>(event: E, payload: Omit<FtpServerEvents[E][0], 'sessionId' | 'remoteAddress' | 'username'>): void;

  /** The logged-in user's storage. Only called from commands that require login. */
  storage(): StorageSessionV1;
  /** Resolves a path argument against the current directory; the result never leaves "/". */
  resolvePath(argument: string): string;
  /** Options for a storage call outside a transfer: aborted when the session ends. */
  callOptions(): StorageCallOptions;
  /** Throws `PermissionError` (550) unless the user has the permission at `path` (its own or a directory's). */
  requirePermission(permission: keyof UserPermissions, path: string): void;
  /**
   * Registers a transfer so ABOR and STAT can see it; `run` gets the transfer's abort signal. An error thrown by `run`
   * is answered here (426, 425, 550, …), so the caller's work is done when this resolves.
   */
  runTransfer(command: string, path: string, run: (transfer: TransferHandle) => Promise<void>): Promise<void>;

  /** USER: the name the next command, PASS, logs in. */
  beginLogin(username: string): void;
  /** PASS: the name USER gave, forgotten as it is taken (503 without one, which the table's `mustFollow` rules out). */
  takeLoginName(): string;
  /** Counts a failed login; returns how many this session has had since its last login. */
  recordFailedLogin(): number;
  /** PASS: asks the authenticator, with this session's plugin context. */
  authenticate(request: AuthenticationRequest): Promise<AuthenticationResult>;
  /**
   * Opens the storage session of a user who logged in, confined to the user's `rootDirectory`: by the connector when
   * it applies that itself, by path prefix otherwise.
   */
  openStorage(user: AuthenticatedUser): Promise<StorageSessionV1>;
  /**
   * A login completed: the user (with the server's defaults applied), its storage and the authenticator's re-check
   * are set together, and the count of failed logins starts again.
   */
  login(
    user: EffectiveUser,
    storage: StorageSessionV1,
    quota: SessionQuota | undefined,
    revalidation: SessionRevalidation | undefined,
  ): void;
  /** REIN: logs out and forgets the session state. */
  logout(): Promise<void>;
  /** CWD, CDUP, and the home directory at login. */
  changeDirectory(path: string): void;
  /** TYPE (RFC 959 §3.1.1). */
  setTransferType(type: 'A' | 'I'): void;
  /**
   * REST: the offset of the next RETR or STOR (RFC 3659 §5); the command after that one starts from 0 again. Forgets a
   * RANG range: of REST and RANG, the later one counts.
   */
  setRestartOffset(offset: number): void;
  /** RANG: the byte range of the next RETR, STOR or HASH (draft-bryan-ftp-range); undefined (RANG 1 0) forgets it. */
  setTransferRange(range: TransferRange | undefined): void;
  /** RETR, STOR, HASH (and APPE, STOU, which refuse one): the RANG range, forgotten as it is taken. */
  takeTransferRange(): TransferRange | undefined;
  /** RNFR: the path the next command, RNTO, renames. */
  beginRename(from: string): void;
  /** RNTO: the path RNFR gave (503 without one, which the table's `mustFollow` rules out). */
  takeRenameSource(): string;
  /** OPTS MLST: the facts MLSD and MLST write (RFC 3659 §7.9). */
  selectMlstFacts(facts: ReadonlySet<MlstFact>): void;
  /** OPTS HASH: the algorithm HASH uses (draft-bryan-ftpext-hash-02 §3.2). */
  selectHashAlgorithm(algorithm: ChecksumAlgorithm): void;
  /** OPTS UTF8 ON: command lines, replies and listings in UTF-8 from now on; OFF: in the server's legacy charset again. */
  useUtf8(on: boolean): void;
  /** EPSV ALL: from now on PORT, EPRT and PASV are refused (RFC 2428 §4). */
  limitToEpsv(): void;
  /** After the 234 reply to AUTH TLS: switches the control connection to TLS (closes it if the handshake fails). */
  upgradeToTls(): Promise<void>;
  /** PBSZ (RFC 4217 §8): PROT may follow. */
  acceptProtectionBufferSize(): void;
  /** PROT (RFC 4217 §9): 'P' protects the data connections with TLS, 'C' leaves them clear. */
  setDataProtection(level: 'C' | 'P'): void;
}

/** The facts of a logged-in session: a login sets the user, its effective user and its storage together. */
export type LoggedInFacts = SessionFacts & {
  readonly user: AuthenticatedUser;
  readonly effectiveUser: EffectiveUser;
  readonly storage: StorageSessionV1;
  readonly quota: SessionQuota | undefined;
};

/** The context of a command whose table entry says `requiresLogin`: the dispatcher runs it only after a login. */
export interface LoggedInCommandContext extends CommandContext {
  readonly state: LoggedInFacts;
}

/** What FEAT and HELP read of the command table. */
export interface OfferedCommands {
  /** Implemented verbs and aliases this session's server offers, sorted, for HELP. */
  verbs(context: CommandContext): string[];
  /** The FEAT lines this session can honour. */
  features(context: CommandContext): string[];
  /** A known verb's HELP text (its `syntax`), whether or not this server offers it. */
  get(verb: string): { readonly syntax: string } | undefined;
}

/** What a running transfer can do to report its progress. */
export interface TransferHandle {
  readonly signal: AbortSignal;
  /** Registers the function that tells how many bytes have moved. */
  trackBytes(counter: () => number): void;
  /**
   * Replaces what a closed control connection does to this transfer, which by default is to abort it at once. The
   * handler must still end the transfer, only later or differently.
   */
  onControlClose(handler: () => void): void;
}
