import type { SecureContext } from 'node:tls';
import type {
  AuthenticatedUser,
  AuthenticationRequest,
  AuthenticationResult,
  ChecksumAlgorithm,
  PluginContext,
  SessionRevalidation,
  StorageCallOptions,
  StorageSessionV1,
  UserPermissions,
} from '@ftp/plugin-api';
import { formatReply, parseCommand, ReplyCode, resolveVirtualPath, type MlstFact, type SplitterItem } from '@ftp/protocol';
import { PermissionError, ReplyError } from '../errors/server-errors.ts';
import type { FtpServerEvents } from '../server-events.ts';
import type { ServerLogger } from '../server-options.ts';
import type { DataChannels } from '../data-channel/data-channels.ts';
import type { ServerLimits } from '../limits/server-limits.ts';
import type { SessionQuota } from '../limits/session-quota.ts';
import type { TlsPolicy } from '../tls/tls-material.ts';
import { openUserStorage } from '../users/chroot-storage.ts';
import type { EffectiveUser } from '../users/effective-user.ts';
import type { CommandContext, CommandSettings, ConnectionFacts, SessionFacts, TransferHandle } from './command-context.ts';
import type { CommandTable } from './define-command.ts';
import { admit, run, type DispatchTarget, type ReadyCommand } from './dispatch.ts';
import { stillAuthorized } from './revalidation.ts';
import { SessionState, type TransferRange } from './session-state.ts';
import { runTransfer } from './transfer-runner.ts';
import type { SessionEnvironment } from './session-environment.ts';
import { SessionPluginContext } from './session-plugin-context.ts';

/** The session's only way out: the connection module implements it over a socket, tests over an array. */
export interface SessionIo {
  /**
   * Writes one formatted reply: a string in UTF-8, or the bytes of a session in a legacy charset. Replies of one turn
   * of the event loop may leave together; with `leaveNow` this one, and any held before it, leave at once.
   */
  send(text: string | Uint8Array, leaveNow: boolean): void;
  /** Lets the replies written so far leave now rather than at the end of the turn. */
  flush(): void;
  /** Ends the control connection once pending replies are written. */
  close(): void;
  /** Stops reading commands (too many queued); `resumeInput` starts again. */
  pauseInput(): void;
  resumeInput(): void;
  /** After the 234 reply to AUTH TLS: the control connection continues as TLS (RFC 4217 §4). */
  startTls(secureContext: SecureContext): Promise<void>;
  /**
   * The session has handled `line`, one it received: run, or refused by a guard. A connection that stopped reading
   * after that line (AUTH, RFC 4217 §4) reads on, unless `startTls` took the stream over.
   */
  lineDone(line: SplitterItem): void;
}

/** The abort reason of every closed session: one shared object, since building an Error (and its stack) per session shows in churn profiles. */
const connectionClosed = new Error('control connection closed');

/** Lines queued while a command runs before we stop reading from the client. */
const queueHighWater = 32;

/** Where replies leave their code, for the `command` event of the command that sent them (0 before any). */
interface ReplyRecord {
  lastCode: number;
}

/**
 * One FTP session as a sans-I/O engine: lines in through `receive`, replies out through `SessionIo`. Commands run
 * one at a time in arrival order (RFC 959 §4.1.3); only ABOR, STAT and QUIT run beside a transfer. The session is
 * the context of the commands it runs: a handler gets it typed as `CommandContext`, so no object is made per command.
 */
export class Session implements DispatchTarget {
  readonly #state = new SessionState();
  readonly commands: CommandTable;
  readonly #io: SessionIo;
  readonly #environment: SessionEnvironment;
  /** Aborted when the session ends; made on first use (see `lifetimeSignal`). */
  #lifetime: AbortController | undefined;
  #callOptions: StorageCallOptions | undefined;
  #pluginContext: PluginContext | undefined;
  /** handleClose ran: a lifetime signal made from now on starts aborted. */
  #ended = false;
  readonly #queue: SplitterItem[] = [];
  readonly #startedAt = Date.now();
  #busy = false;
  /** The run of queued commands in progress (see `#drain`): a closing session may wait for its upload command. */
  #draining: Promise<void> | undefined;
  #closing = false;
  /** The verb of the queued command that is running, for the operator's view of the session. */
  #runningVerb: string | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  /** Whether `#timer` counts the idle timeout (logged in) rather than the login deadline. */
  #timerCountsIdle = false;
  #loginDeadline = 0;
  /**
   * The replies of the queued commands, which run one at a time. A command beside a transfer keeps its own record
   * (see `#besideTransfer`), so neither it nor the transfer's command reports the other's reply.
   */
  readonly #queuedReplies: ReplyRecord = { lastCode: 0 };

  constructor(io: SessionIo, environment: SessionEnvironment) {
    this.#io = io;
    this.#environment = environment;
    this.commands = environment.commands;
    if (environment.connection.secure) {
      // Implicit FTPS: TLS from the first byte, and data connections always protected.
      this.#state.secure = true;
      this.#state.protectionBufferSizeSet = true;
      this.#state.dataProtection = 'P';
    }
    this.#state.wireCharset = environment.options.encoding;
  }

  /** Sets the context of an implicit-TLS session, created by the listener before the handshake. */
  useTlsContext(secureContext: SecureContext): void {
    this.#state.tlsContext = secureContext;
  }

  get isClosing(): boolean {
    return this.#closing || this.#closed;
  }

  /** When the control connection was accepted (milliseconds since the epoch). */
  get connectedAt(): number {
    return this.#startedAt;
  }

  /** The verb of the queued command that is running (RETR during a download); undefined between commands. */
  get runningCommand(): string | undefined {
    return this.#runningVerb;
  }

  /** True when no command or transfer is running: shutdown may close it at once. */
  get isIdle(): boolean {
    return !this.#busy && this.#state.transfer === undefined;
  }

  get logger(): ServerLogger {
    return this.#environment.logger;
  }

  get settings(): CommandSettings {
    return this.#environment.settings;
  }

  get connection(): ConnectionFacts {
    return this.#environment.connection;
  }

  get dataChannels(): DataChannels {
    return this.#environment.dataChannels;
  }

  get limits(): ServerLimits {
    return this.#environment.limits;
  }

  get tls(): TlsPolicy | undefined {
    return this.#environment.tls?.policy;
  }

  get state(): SessionFacts {
    return this.#state;
  }

  /** Sends the greeting (RFC 959 §5.4: 220 on connect) and starts the login timer. */
  start(): void {
    this.#loginDeadline = Date.now() + this.#environment.options.loginTimeoutMs;
    this.#send(ReplyCode.ServiceReady, `${this.#environment.options.serverName} ready.`);
    this.#armTimer();
  }

  /** Takes one item from the line splitter. */
  receive(item: SplitterItem): void {
    if (this.#closed) return;
    if (this.#state.transfer !== undefined && item.kind === 'line' && this.#runsBesideTransfer(item)) return;
    this.#queue.push(item);
    if (this.#queue.length >= queueHighWater) this.#io.pauseInput();
    if (!this.#busy) this.#draining = this.#drain();
  }

  /** ABOR, STAT and QUIT jump the queue while a transfer runs (RFC 959 §4.1.3). */
  #runsBesideTransfer(item: SplitterItem & { kind: 'line' }): boolean {
    const parsed = parseCommand(item.bytes, this.#state.wireCharset?.decode);
    if (!parsed.ok || this.commands.get(parsed.verb)?.allowedDuringTransfer !== true) return false;
    const command = admit(this, item);
    if (command !== undefined) {
      const replies: ReplyRecord = { lastCode: 0 };
      void this.#execute(command, this.#besideTransfer(replies), replies);
    }
    return true;
  }

  async #drain(): Promise<void> {
    // The timer keeps running while commands run: firing then, it finds the session busy and is armed again after.
    this.#busy = true;
    while (this.#queue.length > 0 && !this.#closed) {
      const item = this.#queue.shift()!;
      if (this.#queue.length === queueHighWater / 2) this.#io.resumeInput();
      const command = admit(this, item);
      if (command !== undefined) {
        this.#runningVerb = command.verb;
        await this.#execute(command, this, this.#queuedReplies);
        this.#runningVerb = undefined;
      }
      this.#io.lineDone(item);
    }
    this.#busy = false;
    if (this.#closing && !this.#closed) this.#close(ReplyCode.ServiceNotAvailable, 'Server shutting down, closing control connection.');
    else this.#armTimer();
  }

  /** Runs one admitted command with `context`, whose replies leave their codes in `replies`. */
  async #execute(command: ReadyCommand, context: CommandContext, replies: ReplyRecord): Promise<void> {
    const argument = command.verb === 'PASS' ? '<redacted>' : command.argument;
    this.logger.debug({ verb: command.verb, argument }, 'command');
    if (command.spec.requiresLogin && this.#state.revalidation !== undefined && !(await stillAuthorized(this, this.#state.revalidation)))
      return;
    const startedAt = Date.now();
    replies.lastCode = 0;
    await run(this, context, command);
    if (this.#environment.listens?.('command') === false) return;
    this.#environment.emit('command', {
      ...this.#eventBase(),
      verb: command.verb,
      argument: command.verb === 'PASS' ? undefined : command.argument,
      replyCode: replies.lastCode,
      durationMs: Date.now() - startedAt,
    });
  }

  /**
   * The context of a command that runs beside a transfer (ABOR, STAT, QUIT): the session, except that its replies
   * leave their codes in its own record, so it and the transfer's command each report their own reply (an aborted
   * RETR reports its 426, the ABOR its 226). Such commands are rare and start no transfer, so a proxy serves rather
   * than a second implementation of the context.
   */
  #besideTransfer(replies: ReplyRecord): CommandContext {
    const reply = (code: number, text: string | readonly string[]) => {
      replies.lastCode = code;
      this.#send(code, text);
    };
    const closeAfter = (code: number, text: string) => {
      replies.lastCode = code;
      this.#close(code, text);
    };
    return new Proxy<CommandContext>(this, {
      get(session, key) {
        if (key === 'reply') return reply;
        if (key === 'closeAfter') return closeAfter;
        const value: unknown = Reflect.get(session, key);
        // Bound to the session: its methods use its private fields, which the proxy does not have.
        return typeof value === 'function' ? value.bind(session) : value;
      },
    });
  }

  /**
   * Login timeout before login, idle timeout after (RFC 959 §4.2: 421 then close). One timer per session, refreshed
   * after each command rather than made anew (a Timeout object and a closure per command showed in churn profiles).
   */
  #armTimer(): void {
    if (this.#closed) {
      this.#clearTimer();
      return;
    }
    const loggedIn = this.#state.user !== undefined;
    if (this.#timer !== undefined && this.#timerCountsIdle === loggedIn) {
      // The idle timeout counts again from now; the login deadline counts from the connection (or REIN), so commands
      // before login never extend it.
      if (loggedIn) this.#timer.refresh();
      return;
    }
    this.#clearTimer();
    const delay = loggedIn ? this.#environment.options.idleTimeoutMs : Math.max(0, this.#loginDeadline - Date.now());
    this.#timerCountsIdle = loggedIn;
    this.#timer = setTimeout(() => {
      if (!this.isIdle) {
        // Busy (a command or transfer is running): armed again, with a full delay, once the session is idle.
        this.#timer = undefined;
        return;
      }
      this.logger.info({ loggedIn }, 'session timed out');
      this.#close(
        ReplyCode.ServiceNotAvailable,
        loggedIn ? 'Idle timeout, closing control connection.' : 'Login timeout, closing control connection.',
      );
    }, delay);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A reply of the queued command that is running (see `CommandContext.reply`). */
  reply(code: number, text: string | readonly string[]): void {
    this.#queuedReplies.lastCode = code;
    this.#send(code, text);
  }

  /** See `CommandContext.flushReplies`. */
  flushReplies(): void {
    if (!this.#closed) this.#io.flush();
  }

  /** The last reply of the queued command that is running, then the end of the control connection. */
  closeAfter(code: number, text: string): void {
    this.#queuedReplies.lastCode = code;
    this.#close(code, text);
  }

  /** A reply that is no command's own: a guard's refusal of a line (see `DispatchTarget`). */
  refuse(code: number, text: string): void {
    this.#send(code, text);
  }

  refuseAndClose(code: number, text: string): void {
    this.#close(code, text);
  }

  /**
   * A final reply (2xx-5xx, RFC 959 §4.2) leaves at once when no command waits behind it: the client can send
   * nothing before it arrives, while the command's code still unwinds. A 1xx reply waits for the turn's end, so a
   * small download's 150 and 226 still share one write, and so do the replies to commands a client sent in one packet.
   */
  #send(code: number, text: string | readonly string[]): void {
    if (this.#closed) return;
    const reply = formatReply(code, text);
    const charset = this.#state.wireCharset;
    this.#io.send(charset === undefined ? reply : charset.encode(reply), code >= 200 && this.#queue.length === 0);
  }

  #close(code: number, text: string): void {
    if (this.#closed) return;
    this.#send(code, text);
    this.#closed = true;
    this.#clearTimer();
    this.#io.close();
  }

  countBadCommand(): boolean {
    this.#state.badCommands++;
    if (this.#state.badCommands <= this.#environment.options.maxBadCommands) return true;
    this.logger.warn({ badCommands: this.#state.badCommands }, 'too many bad commands');
    this.#close(ReplyCode.ServiceNotAvailable, 'Too many bad commands, closing control connection.');
    return false;
  }

  follows(previous: 'RNFR' | 'USER'): boolean {
    return (previous === 'RNFR' ? this.#state.renameFrom : this.#state.pendingUsername) !== undefined;
  }

  commandEnded(verb: string): void {
    if (verb !== 'REST') this.#state.restartOffset = 0;
    if (verb !== 'RNFR') this.#state.renameFrom = undefined;
  }

  /** Server shutdown: idle sessions get 421 now, busy ones when their command or transfer finishes. */
  shutdown(): void {
    this.#closing = true;
    if (this.isIdle) this.#close(ReplyCode.ServiceNotAvailable, 'Server shutting down, closing control connection.');
  }

  /**
   * An operator ended the session: 421 with `text` (RFC 959 §4.2) and the end of the control connection now, then the
   * running transfer is aborted, so an upload keeps no partial file even when its data would end within the grace a
   * closed control connection gives it. The 421 leaves first: a client busy with a transfer reads it before its data
   * connection drops (a client that sees the drop first may close without reading on).
   */
  terminate(text: string): void {
    const transfer = this.#state.transfer;
    this.#close(ReplyCode.ServiceNotAvailable, text);
    transfer?.controller.abort(new Error(text));
  }

  /** Shutdown deadline passed: abort whatever still runs. */
  abortTransfers(reason: string): void {
    this.#state.transfer?.controller.abort(new Error(reason));
  }

  /**
   * The control connection is gone: abort everything, release storage, report. Safe to call more than once. An upload
   * is the exception: RFC 959 §3.4 makes the end of its data connection the end of the file, and a client may close
   * the control connection right after it (with or without QUIT), so the upload decides from its data connection
   * whether to commit (see `receiveFromClient`); its command then finishes (commit, 'upload' event, quota) before the
   * session's signal aborts and its storage closes.
   */
  async handleClose(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#closed = true;
    this.#clearTimer();
    this.#environment.dataChannels.close();
    const transfer = this.#state.transfer;
    // The running transfer listens to its own signal only (see runTransfer).
    transfer?.controlClosed(connectionClosed);
    if (transfer !== undefined && !transfer.controller.signal.aborted) await this.#draining;
    this.#lifetime?.abort(connectionClosed);
    if (transfer !== undefined) await transfer.settled;
    await this.#closeStorage(this.#state.storage);
    if (this.#state.user !== undefined) this.#environment.limits.releaseSession(this.#state.user.username);
    this.#environment.emit('disconnect', { ...this.#eventBase(), durationMs: Date.now() - this.#startedAt });
  }

  async #closeStorage(storage: StorageSessionV1 | undefined): Promise<void> {
    try {
      await storage?.close?.();
    } catch (error) {
      this.logger.warn({ error: String(error) }, 'storage session close failed');
    }
  }

  /** REIN (RFC 959 §4.1.1): back to the state of a new connection. */
  async logout(): Promise<void> {
    const storage = this.#state.storage;
    if (this.#state.user !== undefined) this.#environment.limits.releaseSession(this.#state.user.username);
    this.#state.reset();
    this.#state.wireCharset = this.#environment.options.encoding;
    this.#loginDeadline = Date.now() + this.#environment.options.loginTimeoutMs;
    // A new login deadline: the timer is made anew after this command.
    this.#clearTimer();
    this.#environment.dataChannels.close();
    await this.#closeStorage(storage);
  }

  #eventBase() {
    const { sessionId, remoteAddress } = this.#environment.connection;
    return { sessionId, remoteAddress, username: this.#state.user?.username };
  }

  beginLogin(username: string): void {
    this.#state.pendingUsername = username;
  }

  takeLoginName(): string {
    const username = this.#state.pendingUsername;
    this.#state.pendingUsername = undefined;
    if (username === undefined) throw new ReplyError(ReplyCode.BadSequence, 'Login with USER first.');
    return username;
  }

  recordFailedLogin(): number {
    return ++this.#state.loginAttempts;
  }

  login(
    user: EffectiveUser,
    storage: StorageSessionV1,
    quota: SessionQuota | undefined,
    revalidation: SessionRevalidation | undefined,
  ): void {
    const state = this.#state;
    state.user = user.user;
    state.effectiveUser = user;
    state.storage = storage;
    state.quota = quota;
    state.loginAttempts = 0;
    if (revalidation !== undefined) state.revalidation = { check: revalidation, validatedAt: Date.now() };
  }

  changeDirectory(path: string): void {
    this.#state.currentDirectory = path;
  }

  setTransferType(type: 'A' | 'I'): void {
    this.#state.transferType = type;
  }

  setRestartOffset(offset: number): void {
    this.#state.restartOffset = offset;
    this.#state.transferRange = undefined;
  }

  setTransferRange(range: TransferRange | undefined): void {
    this.#state.transferRange = range;
  }

  takeTransferRange(): TransferRange | undefined {
    const range = this.#state.transferRange;
    this.#state.transferRange = undefined;
    return range;
  }

  beginRename(from: string): void {
    this.#state.renameFrom = from;
  }

  takeRenameSource(): string {
    const from = this.#state.renameFrom;
    this.#state.renameFrom = undefined;
    if (from === undefined) throw new ReplyError(ReplyCode.BadSequence, 'RNFR required first.');
    return from;
  }

  selectMlstFacts(facts: ReadonlySet<MlstFact>): void {
    this.#state.mlstFacts = facts;
  }

  selectHashAlgorithm(algorithm: ChecksumAlgorithm): void {
    this.#state.hashAlgorithm = algorithm;
  }

  useUtf8(on: boolean): void {
    this.#state.wireCharset = on ? undefined : this.#environment.options.encoding;
  }

  limitToEpsv(): void {
    this.#state.extendedPassiveOnly = true;
  }

  acceptProtectionBufferSize(): void {
    this.#state.protectionBufferSizeSet = true;
  }

  setDataProtection(level: 'C' | 'P'): void {
    this.#state.dataProtection = level;
  }

  /** The user's storage; only commands that require login call it. */
  storage(): StorageSessionV1 {
    const storage = this.#state.storage;
    if (storage === undefined) throw new Error('storage used before login');
    return storage;
  }

  /** Options for storage calls outside a transfer: one object per session, aborted when the session ends. */
  callOptions(): StorageCallOptions {
    return (this.#callOptions ??= { signal: this.lifetimeSignal() });
  }

  authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    return this.#environment.options.authenticator.authenticate(request, this.pluginContext());
  }

  /** See `CommandContext.openStorage`; confined to the user's root directory as `openUserStorage` says. */
  openStorage(user: AuthenticatedUser): Promise<StorageSessionV1> {
    return openUserStorage(this.#environment.options.storage, user, this.pluginContext());
  }

  /**
   * The abort signal of the session's lifetime (the plugin context's `signal`), made when first asked for (most short
   * sessions never need one).
   */
  lifetimeSignal(): AbortSignal {
    if (this.#lifetime === undefined) {
      this.#lifetime = new AbortController();
      if (this.#ended) this.#lifetime.abort(connectionClosed);
    }
    return this.#lifetime.signal;
  }

  resolvePath(argument: string): string {
    return resolveVirtualPath(this.#state.currentDirectory, argument);
  }

  /** Transfers run only from queued commands: their failure is answered as the queued command's reply. */
  runTransfer(command: string, path: string, body: (transfer: TransferHandle) => Promise<void>): Promise<void> {
    return runTransfer(this.#state, this.#ended ? connectionClosed : undefined, this, command, path, body);
  }

  emit<E extends keyof FtpServerEvents>(event: E, payload: Omit<FtpServerEvents[E][0], 'sessionId' | 'remoteAddress' | 'username'>): void {
    // With no listener, the event object (a spread of the session's identity and the payload) is not built.
    if (this.#environment.listens?.(event) === false) return;
    this.#environment.emit(event, ...([{ ...this.#eventBase(), ...payload }] as unknown as FtpServerEvents[E]));
  }

  requirePermission(permission: keyof UserPermissions, path: string): void {
    const user = this.#state.effectiveUser;
    if (user !== undefined && !user.allows(permission, path)) throw new PermissionError(permission);
  }

  /** AUTH TLS accepted: this session gets its own TLS context and the control connection switches to TLS. */
  async upgradeToTls(): Promise<void> {
    const material = this.#environment.tls;
    if (material === undefined) throw new Error('TLS is not configured');
    const secureContext = material.createSessionContext();
    this.#state.tlsContext = secureContext;
    // The login timer is off while a command runs: a client that never completes the handshake must not hold the
    // session past the login deadline (AUTH is only accepted before login, RFC 4217 §4).
    const handshakeDeadline = setTimeout(() => this.#io.close(), Math.max(0, this.#loginDeadline - Date.now()));
    handshakeDeadline.unref();
    try {
      await this.#io.startTls(secureContext);
    } catch (error) {
      this.logger.info({ error: String(error) }, 'TLS handshake on the control connection failed');
      this.#closed = true;
      return;
    } finally {
      clearTimeout(handshakeDeadline);
    }
    this.#state.secure = true;
    this.#state.pendingUsername = undefined;
  }

  /** The context handed to plugins for this session; made again only when `secure` changed (AUTH TLS). */
  pluginContext(): PluginContext {
    const secure = this.#state.secure;
    if (this.#pluginContext?.secure !== secure) {
      this.#pluginContext = new SessionPluginContext(this.#environment.connection, secure, this.logger, this);
    }
    return this.#pluginContext;
  }
}
