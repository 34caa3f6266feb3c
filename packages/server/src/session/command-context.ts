import type {
  AuthenticatedUser,
  AuthenticationRequest,
  AuthenticationResult,
  StorageCallOptions,
  StorageSessionV1,
  UserPermissions,
} from '@ftp/plugin-api';
import type { DataChannels } from '../data-channel/data-channels.ts';
import type { FtpServerEvents } from '../server-events.ts';
import type { AnonymousOptions, BeforeUploadHook, ServerLogger, UserDefaults } from '../server-options.ts';
import type { TlsPolicy } from '../tls/tls-material.ts';
import type { ServerLimits } from '../limits/server-limits.ts';
import type { EffectiveUser } from '../users/effective-user.ts';
import type { ActiveTransfer, SessionState } from './session-state.ts';

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
}

/** Facts about the control connection. */
export interface ConnectionFacts {
  readonly sessionId: string;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly secure: boolean;
}

/**
 * What a command handler may use; `Session` implements it. Handlers never see a socket: replies go through `reply`,
 * data through `dataChannels`.
 */
export interface CommandContext {
  readonly state: SessionState;
  readonly settings: CommandSettings;
  readonly connection: ConnectionFacts;
  readonly logger: ServerLogger;
  readonly dataChannels: DataChannels;
  /** The command table, for FEAT and HELP. */
  readonly commands: OfferedCommands;
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
  /** The logged-in user's storage. Only called from commands that require login. */
  storage(): StorageSessionV1;
  /** Resolves a path argument against the current directory; the result never leaves "/". */
  resolvePath(argument: string): string;
  /** Options for a storage call outside a transfer: aborted when the session ends. */
  callOptions(): StorageCallOptions;
  /** PASS: asks the authenticator, with this session's plugin context. */
  authenticate(request: AuthenticationRequest): Promise<AuthenticationResult>;
  /**
   * Opens the storage session of a user who logged in, confined to the user's `rootDirectory`: by the connector when
   * it applies that itself, by path prefix otherwise.
   */
  openStorage(user: AuthenticatedUser): Promise<StorageSessionV1>;
  /** Throws `PermissionError` (550) unless the user has the permission at `path` (its own or a directory's). */
  requirePermission(permission: keyof UserPermissions, path: string): void;
  /** Per-user limits shared by the server's sessions: session slots, bandwidth, quota usage, the defender. */
  readonly limits: ServerLimits;
  /**
   * Registers a transfer so ABOR and STAT can see it; `run` gets the transfer's abort signal. An error thrown by `run`
   * is answered here (426, 425, 550, …), so the caller's work is done when this resolves.
   */
  runTransfer(command: string, path: string, run: (transfer: TransferHandle) => Promise<void>): Promise<void>;
  /** Emits a server event with this session's facts filled in. */
  emit<E extends keyof FtpServerEvents>(event: E, payload: Omit<FtpServerEvents[E][0], 'sessionId' | 'remoteAddress' | 'username'>): void;
  /** The server's TLS policy; undefined when FTPS is not configured (AUTH, PBSZ, PROT and CCC are then unavailable). */
  readonly tls: TlsPolicy | undefined;
  /** After the 234 reply to AUTH TLS: switches the control connection to TLS (closes it if the handshake fails). */
  upgradeToTls(): Promise<void>;
  /** REIN: logs out and forgets the session state. */
  logout(): Promise<void>;
  /** Sends the reply then closes the control connection. */
  closeAfter(code: number, text: string): void;
  /** The transfer in progress, if any. */
  readonly transfer: ActiveTransfer | undefined;
}

/** The state of a logged-in session: a login sets the user, its effective user and its storage together. */
export type LoggedInState = SessionState & { user: AuthenticatedUser; effectiveUser: EffectiveUser; storage: StorageSessionV1 };

/** The context of a command whose table entry says `requiresLogin`: the dispatcher runs it only after a login. */
export interface LoggedInCommandContext extends CommandContext {
  readonly state: LoggedInState;
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
