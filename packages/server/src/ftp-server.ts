import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import {
  InvalidOptionError,
  type AuthenticatedUser,
  type QuotaFolder,
  type QuotaUsage,
  type SessionAdmission,
  type StorageSessionV1,
} from '@ftp/plugin-api';
import { formatReply, normalizeAddress, ReplyCode } from '@ftp/protocol';
import { createCommandRegistry, type CommandRegistry } from './commands/registry.ts';
import { ControlConnection } from './connection.ts';
import { PortPool } from './data-channel/port-pool.ts';
import { resolveOptions, type ResolvedServerOptions } from './resolve-options.ts';
import type { FtpServerEvents } from './server-events.ts';
import type { FtpServerOptions } from './server-options.ts';
import { createSession } from './session/create-session.ts';
import type { Session } from './session/session.ts';
import type { SessionEnvironment } from './session/session-environment.ts';
import { readProxyHeader, socketAddresses, type PeerAddresses } from './proxy/proxy-header.ts';
import { TlsMaterial } from './tls/tls-material.ts';
import { ServerLimits } from './limits/server-limits.ts';
import { quotaFoldersProblem, SessionQuota } from './limits/session-quota.ts';
import { openUserStorage } from './users/chroot-storage.ts';
import {
  describeSession,
  type DefenderAccess,
  type ListenerInfo,
  type ServerCounters,
  type ServerStatus,
  type SessionInfo,
} from './admin-view.ts';

/** The address `listen()` bound. */
export interface ListeningAddress {
  readonly address: string;
  readonly port: number;
  /** The implicit-TLS port, when `tls.implicitPort` is set. */
  readonly implicitTlsPort?: number;
}

export interface CloseOptions {
  /** How long running transfers may go on before they are aborted. Default: the `shutdownTimeoutMs` option. */
  readonly timeoutMs?: number;
}

/** What `FtpServer.quotaReport` answers: a user's usage and the quota folders of the user's tree with theirs. */
export interface QuotaReport {
  /** The user's own account (`quotaUsage`): the files no quota folder counts; undefined when never counted. */
  readonly usage: QuotaUsage | undefined;
  /**
   * The quota folders of the user's tree as the storage names them (`quotaFolders()`), by path; empty when it names
   * none. Undefined when the storage could not be opened for the user: `foldersError` says why.
   */
  readonly folders: readonly QuotaFolderReport[] | undefined;
  readonly foldersError?: string;
}

/** One quota folder of a user's tree with its account's usage (shared by every user whose tree has the folder). */
export interface QuotaFolderReport extends QuotaFolder {
  /** Undefined when never counted, or when the shared state does not count quota folders. */
  readonly usage: QuotaUsage | undefined;
}

/** A running FTP server. Create it with `createFtpServer`. */
export interface FtpServer {
  /** Starts listening; resolves with the bound address (read the port back when you asked for port 0). */
  listen(): Promise<ListeningAddress>;
  /**
   * Graceful shutdown: stops accepting, answers 421 to idle sessions at once and to busy ones when their transfer ends,
   * aborts what still runs at the deadline, then closes the plugins. Resolves when every session is gone.
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Replaces the TLS certificate and key without a restart: sessions that start (or send AUTH TLS) from now on use
   * the new pair. Throws `InvalidOptionError`, keeping the old pair, when the new one does not load.
   */
  setTlsCertificate(certificate: { readonly cert: string | Buffer; readonly key: string | Buffer }): void;
  /** Sessions currently connected. */
  readonly sessionCount: number;
  /** Passive ports currently held by listeners (for leak checks and metrics). */
  readonly passivePortsInUse: number;
  /** The connected sessions, as an operator sees them: who, from where, and the transfer running with its progress. */
  sessions(): SessionInfo[];
  /** One connected session; undefined when none has that id (any more). */
  session(id: string): SessionInfo | undefined;
  /**
   * Ends the session `id` for an operator: the client gets 421 with `reason` and the control connection closes, and a
   * running transfer is aborted (an upload leaves no partial file). Resolves true once the session is gone, false
   * when no session has that id.
   */
  endSession(id: string, reason?: string): Promise<boolean>;
  /** Ends every session logged in as `username` (see `endSession`); resolves with their number once they are gone. */
  endSessionsOf(username: string, reason?: string): Promise<number>;
  /** Listeners, sessions, passive ports and counters. */
  status(): ServerStatus;
  /**
   * What `username`'s files take as the shared state counts them (every instance's uploads included); undefined when
   * they were never counted (no login of the user with a quota yet, no rescan). Rejects with
   * `SharedStateUnavailableError`.
   */
  quotaUsage(username: string): Promise<QuotaUsage | undefined>;
  /**
   * Recounts `user`'s files from the storage, as SITE QUOTA RESCAN does (the files of quota folders apart, each folder
   * of the user's tree recounted too), and sets the usage to that count. `user` is the user as the authenticator
   * knows them (the name, root and home directory and the attributes, from which a storage may build the user's tree,
   * such as the mounts storage's `attributes.mounts`): the storage is opened for them outside any session. Rejects
   * with `SharedStateUnavailableError` or the storage's error.
   */
  rescanQuota(user: AuthenticatedUser): Promise<QuotaUsage>;
  /**
   * `user`'s usage and the quota folders of the user's tree, each with its limits and its account's usage: the storage
   * is opened for `user` (as `rescanQuota` does) to learn which folders the tree has. A storage that cannot be opened
   * leaves the folders unknown (`folders` undefined, `foldersError` naming the cause) rather than failing the report.
   * Rejects with `SharedStateUnavailableError`.
   */
  quotaReport(user: AuthenticatedUser): Promise<QuotaReport>;
  /** The defender, for other front doors (an admin API) whose failed logins must count too. */
  readonly defender: DefenderAccess;
  on<E extends keyof FtpServerEvents>(event: E, listener: (...payload: FtpServerEvents[E]) => void): this;
  once<E extends keyof FtpServerEvents>(event: E, listener: (...payload: FtpServerEvents[E]) => void): this;
  off<E extends keyof FtpServerEvents>(event: E, listener: (...payload: FtpServerEvents[E]) => void): this;
}

class FtpServerImplementation extends EventEmitter implements FtpServer {
  readonly #options: ResolvedServerOptions;
  readonly #commands: CommandRegistry = createCommandRegistry();
  readonly #portPool: PortPool;
  readonly #server: Server;
  /** The implicit-TLS listener (RFC 4217 §2 "implicit" mode, port 990 by convention), when configured. */
  readonly #implicitServer: Server | undefined;
  readonly #tls: TlsMaterial | undefined;
  readonly #limits: ServerLimits;
  readonly #sessions = new Set<Session>();
  /** Connections waiting for the shared state's answer: they count against `maxSessions` already. */
  #admitting = 0;
  /** Sockets from a trusted load balancer whose PROXY header has not arrived yet. */
  readonly #awaitingProxyHeader = new Set<Socket>();
  #closing: Promise<void> | undefined;
  readonly #startedAt = Date.now();
  #listeners: ListenerInfo[] = [];
  readonly #counters: { -readonly [K in keyof ServerCounters]: ServerCounters[K] } = {
    connections: 0,
    logins: 0,
    failedLogins: 0,
    uploads: 0,
    downloads: 0,
    bytesUploaded: 0,
    bytesDownloaded: 0,
  };
  /** Callers of `endSession` waiting for a session to be gone. */
  readonly #endWaiters = new Map<Session, Array<() => void>>();
  readonly defender: DefenderAccess;

  constructor(options: FtpServerOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#portPool = new PortPool(this.#options.passive.minPort, this.#options.passive.maxPort);
    this.#tls = this.#options.tls === undefined ? undefined : new TlsMaterial(this.#options.tls);
    this.#limits = new ServerLimits({
      defender: this.#options.defender,
      bandwidth: this.#options.bandwidth,
      logger: this.#options.logger,
      sharedState: this.#options.sharedState,
    });
    this.#server = createServer({ noDelay: true }, (socket) => this.#accept(socket, false));
    this.#server.on('error', (error) => this.#options.logger.error({ error: String(error) }, 'listener error'));
    if (this.#options.tls?.implicitPort !== undefined) {
      this.#implicitServer = createServer({ noDelay: true }, (socket) => this.#accept(socket, true));
      this.#implicitServer.on('error', (error) => this.#options.logger.error({ error: String(error) }, 'implicit TLS listener error'));
    }
    this.defender = defenderAccess(this.#limits);
  }

  setTlsCertificate(certificate: { readonly cert: string | Buffer; readonly key: string | Buffer }): void {
    if (this.#tls === undefined) throw new Error('TLS is not configured on this server');
    this.#tls.setCertificate(certificate.cert, certificate.key);
    this.#options.logger.info({}, 'TLS certificate replaced');
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get passivePortsInUse(): number {
    return this.#portPool.portsInUse;
  }

  sessions(): SessionInfo[] {
    const now = Date.now();
    return [...this.#sessions].map((session) => describeSession(session, now));
  }

  session(id: string): SessionInfo | undefined {
    const session = this.#findSession(id);
    return session === undefined ? undefined : describeSession(session, Date.now());
  }

  #findSession(id: string): Session | undefined {
    for (const session of this.#sessions) if (session.connection.sessionId === id) return session;
    return undefined;
  }

  async endSession(id: string, reason = 'Session ended by the administrator.'): Promise<boolean> {
    const session = this.#findSession(id);
    if (session === undefined) return false;
    await this.#end(session, reason);
    return true;
  }

  async endSessionsOf(username: string, reason = 'Session ended by the administrator.'): Promise<number> {
    const sessions = [...this.#sessions].filter((session) => session.state.user?.username === username);
    await Promise.all(sessions.map((session) => this.#end(session, reason)));
    return sessions.length;
  }

  #end(session: Session, reason: string): Promise<void> {
    const gone = new Promise<void>((resolve) => {
      const waiters = this.#endWaiters.get(session);
      if (waiters === undefined) this.#endWaiters.set(session, [resolve]);
      else waiters.push(resolve);
    });
    this.#options.logger.info({ sessionId: session.connection.sessionId, reason }, 'session ended by an operator');
    session.terminate(reason);
    return gone;
  }

  status(): ServerStatus {
    return {
      startedAt: this.#startedAt,
      listeners: this.#listeners,
      sessions: this.#sessions.size,
      passivePortsInUse: this.#portPool.portsInUse,
      counters: { ...this.#counters },
    };
  }

  quotaUsage(username: string): Promise<QuotaUsage | undefined> {
    return this.#limits.sharedState.quotaUsage(username);
  }

  rescanQuota(user: AuthenticatedUser): Promise<QuotaUsage> {
    return this.#withUserStorage(user, 'quota rescan', async (storage, signal) => {
      const folders = storage.quotaFolders?.() ?? [];
      const problem = quotaFoldersProblem(folders, this.#limits.sharedState);
      if (problem !== undefined) throw new Error(problem.reason);
      // The user's account counts what no quota folder does; the folders of the user's tree are recounted with it.
      await new SessionQuota(user.username, {}, folders, this.#limits).scan(storage, { signal }, true);
      return await this.#limits.userAccount(user.username).usage();
    });
  }

  async quotaReport(user: AuthenticatedUser): Promise<QuotaReport> {
    const state = this.#limits.sharedState;
    const usage = await state.quotaUsage(user.username);
    let folders: readonly QuotaFolder[];
    try {
      folders = await this.#withUserStorage(user, 'quota report', async (storage) => [...(storage.quotaFolders?.() ?? [])]);
    } catch (error) {
      this.#options.logger.warn({ username: user.username, error: String(error) }, 'quota report: the quota folders are unknown');
      const cause = error instanceof Error ? error.message : String(error);
      return { usage, folders: undefined, foldersError: `the storage could not be opened for the user: ${cause}` };
    }
    // A state that does not count folders would answer the user's own account for one: no usage is shown instead.
    const counted = state.countsQuotaFolders === true;
    const reports = await Promise.all(
      folders.map(async ({ name, path, maxBytes, maxFiles }) => ({
        name,
        path,
        ...(maxBytes === undefined ? {} : { maxBytes }),
        ...(maxFiles === undefined ? {} : { maxFiles }),
        usage: counted ? await state.quotaUsage(user.username, name) : undefined,
      })),
    );
    return { usage, folders: reports.sort((first, second) => (first.path < second.path ? -1 : first.path > second.path ? 1 : 0)) };
  }

  /** Runs `work` on `user`'s storage, opened outside any session for an operator's `operation`, then closes it. */
  async #withUserStorage<T>(
    user: AuthenticatedUser,
    operation: string,
    work: (storage: StorageSessionV1, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const lifetime = new AbortController();
    const logger = this.#options.logger.child({ operation, username: user.username });
    const context = {
      sessionId: `${operation.replaceAll(' ', '-')}-${randomUUID()}`,
      remoteAddress: '',
      localAddress: '',
      secure: false,
      signal: lifetime.signal,
      logger,
    };
    let storage: StorageSessionV1 | undefined;
    try {
      storage = await openUserStorage(this.#options.storage, user, context);
      return await work(storage, lifetime.signal);
    } finally {
      lifetime.abort(new Error(`${operation} ended`));
      await storage?.close?.().catch((error: unknown) => logger.warn({ error: String(error) }, 'storage session close failed'));
    }
  }

  async listen(): Promise<ListeningAddress> {
    const { host, port } = this.#options;
    const address = await listenOn(this.#server, host, port);
    let implicitTlsPort: number | undefined;
    if (this.#implicitServer !== undefined) {
      implicitTlsPort = (await listenOn(this.#implicitServer, host, this.#options.tls?.implicitPort ?? 990)).port;
    }
    this.#listeners = [{ kind: 'control', ...address }];
    if (implicitTlsPort !== undefined) this.#listeners.push({ kind: 'implicit-tls', address: address.address, port: implicitTlsPort });
    this.#options.logger.debug({ address: address.address, port: address.port, implicitTlsPort }, 'listening');
    return implicitTlsPort === undefined ? address : { ...address, implicitTlsPort };
  }

  /** With `proxyProtocol`, the session starts once a trusted source's header named the real client. */
  #accept(plainSocket: Socket, implicitTls: boolean): void {
    const proxyProtocol = this.#options.proxyProtocol;
    if (proxyProtocol === undefined) {
      this.#startSession(plainSocket, implicitTls, socketAddresses(plainSocket));
      return;
    }
    this.#awaitingProxyHeader.add(plainSocket);
    void readProxyHeader(plainSocket, proxyProtocol).then((outcome) => {
      this.#awaitingProxyHeader.delete(plainSocket);
      if (outcome.kind === 'accepted') {
        const peer = proxyProtocol.passiveFromDestination ? outcome.peer : { ...outcome.peer, dialledAddress: undefined };
        this.#startSession(plainSocket, implicitTls, peer);
        return;
      }
      this.#options.logger.warn(
        { source: normalizeAddress(plainSocket.remoteAddress ?? ''), reason: outcome.reason },
        'connection refused: PROXY protocol',
      );
      // A direct client gets a reply it can show; a balancer that sent a bad header just loses the connection.
      // Whatever it sent is discarded (resume), so its FIN is seen and the socket closes without the grace period; on
      // the implicit-TLS port it is the TLS handshake, which the refusal reads.
      if (outcome.untrusted)
        this.#refuse(implicitTls ? plainSocket : plainSocket.resume(), implicitTls, 'Connect through the load balancer.');
      else plainSocket.destroy();
    });
  }

  #startSession(plainSocket: Socket, implicitTls: boolean, peer: PeerAddresses): void {
    const { remoteAddress } = peer;
    const logger = this.#options.logger;
    if (this.#closing !== undefined || remoteAddress === '') {
      this.#refuse(plainSocket, implicitTls, 'Server shutting down.');
      return;
    }
    if (this.#sessions.size + this.#admitting >= this.#options.maxSessions) {
      logger.warn({ remoteAddress, sessions: this.#sessions.size }, 'connection refused: session limit');
      this.#refuse(plainSocket, implicitTls, 'Too many connections, try again later.');
      return;
    }
    // The ban and the per-address count are the shared state's (every instance of the store counts them together):
    // the in-memory default answers at once, a store by a promise.
    const admission = this.#limits.admitConnection(remoteAddress, this.#options.maxSessionsPerIp);
    if (typeof admission === 'string') {
      this.#admit(admission, plainSocket, implicitTls, peer);
      return;
    }
    // A socket that fails while the answer is on its way must not raise an unhandled 'error'.
    this.#admitting++;
    plainSocket.on('error', ignoreSocketError);
    admission.then(
      (answer) => {
        this.#admitting--;
        plainSocket.off('error', ignoreSocketError);
        if (answer === 'acquired' && (this.#closing !== undefined || plainSocket.destroyed)) {
          this.#limits.releaseConnection(remoteAddress);
          if (!plainSocket.destroyed) this.#refuse(plainSocket, implicitTls, 'Server shutting down.');
          return;
        }
        this.#admit(answer, plainSocket, implicitTls, peer);
      },
      (error: unknown) => {
        this.#admitting--;
        plainSocket.off('error', ignoreSocketError);
        // Fail closed: without the shared state's answer nobody knows whether the address is banned.
        logger.warn({ remoteAddress, error: String(error) }, 'connection refused: the shared state did not answer');
        if (!plainSocket.destroyed) this.#refuse(plainSocket, implicitTls, 'Service not available, try again later.');
      },
    );
  }

  #admit(admission: SessionAdmission, plainSocket: Socket, implicitTls: boolean, peer: PeerAddresses): void {
    if (admission === 'acquired') {
      this.#createSession(plainSocket, implicitTls, peer);
      return;
    }
    const { remoteAddress } = peer;
    if (admission === 'banned') {
      this.#options.logger.info({ remoteAddress }, 'connection refused: address banned by the defender');
      this.#refuse(plainSocket, implicitTls, 'Too many failed logins from your address; try again later.');
    } else {
      this.#options.logger.warn({ remoteAddress, sessions: this.#sessions.size }, 'connection refused: session limit');
      this.#refuse(plainSocket, implicitTls, 'Too many connections, try again later.');
    }
  }

  #createSession(plainSocket: Socket, implicitTls: boolean, peer: PeerAddresses): void {
    const { remoteAddress, localAddress } = peer;
    const logger = this.#options.logger;
    const sessionId = randomUUID();
    const sessionLogger = logger.child({ sessionId, remoteAddress });
    // Implicit FTPS: TLS from the first byte; the session's own context serves its data connections too.
    const secureContext = implicitTls ? this.#tls!.createSessionContext() : undefined;
    const { maxLineLength, tlsHandshakeTimeoutMs: handshakeTimeoutMs } = this.#options;
    const connection =
      secureContext === undefined
        ? new ControlConnection(plainSocket, maxLineLength, handshakeTimeoutMs)
        : ControlConnection.overImplicitTls(plainSocket, secureContext, { maxLineLength, handshakeTimeoutMs }, (reason) =>
            // A client's doing (a health check, a scanner, a wrong client setting), not the server's: no stack.
            sessionLogger.info({ reason }, 'implicit TLS connection closed before its handshake completed'),
          );
    const session = createSession({
      io: connection,
      connection: { sessionId, remoteAddress, localAddress, secure: implicitTls },
      secureContext,
      dialledAddress: peer.dialledAddress,
      portPool: this.#portPool,
      tls: this.#tls,
      limits: this.#limits,
      options: this.#options,
      commands: this.#commands,
      logger: sessionLogger,
      emit: this.#emitForSession,
      listens: this.#listensForSession,
    });
    this.#sessions.add(session);
    this.#counters.connections++;
    if (this.listenerCount('connect') > 0) this.#emitSafely('connect', [{ sessionId, remoteAddress, username: undefined }]);
    connection.attach(session, () => {
      this.#sessions.delete(session);
      this.#limits.releaseConnection(remoteAddress);
      const waiters = this.#endWaiters.get(session);
      if (waiters !== undefined) {
        this.#endWaiters.delete(session);
        for (const resolve of waiters) resolve();
      }
      if (this.#sessions.size === 0) this.emit('drained');
    });
  }

  /** A connection refused before any session exists: 421 in clear, or on the implicit-TLS port after the handshake. */
  #refuse(plainSocket: Socket, implicitTls: boolean, reason: string): void {
    const reply = formatReply(ReplyCode.ServiceNotAvailable, reason);
    if (implicitTls) ControlConnection.refuseOverTls(plainSocket, this.#tls!.refusalContext(), reply, this.#options.tlsHandshakeTimeoutMs);
    else ControlConnection.refuse(plainSocket, reply);
  }

  /** The event hooks every session gets: made once per server, not per session (two closures per idle session). */
  readonly #emitForSession: SessionEnvironment['emit'] = (event, ...payload) => this.#emitSafely(event, payload);
  readonly #listensForSession: NonNullable<SessionEnvironment['listens']> = (event) =>
    countedEvents.has(event) || this.listenerCount(event) > 0;

  /** A listener that throws must not take a session (or the process) down with it. */
  #emitSafely(event: string, payload: unknown[]): void {
    if (countedEvents.has(event)) this.#count(event, payload[0] as { bytes?: number });
    try {
      this.emit(event, ...payload);
    } catch (error) {
      this.#options.logger.error({ event, error: String(error) }, 'event listener threw');
    }
  }

  #count(event: string, payload: { bytes?: number }): void {
    const counters = this.#counters;
    if (event === 'login') counters.logins++;
    else if (event === 'login-failed') counters.failedLogins++;
    else if (event === 'upload') {
      counters.uploads++;
      counters.bytesUploaded += payload.bytes ?? 0;
    } else if (event === 'download') {
      counters.downloads++;
      counters.bytesDownloaded += payload.bytes ?? 0;
    }
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.timeoutMs ?? this.#options.shutdownTimeoutMs);
    return this.#closing;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    const logger = this.#options.logger;
    logger.debug({ sessions: this.#sessions.size, timeoutMs }, 'shutting down');
    const stopped = Promise.all(
      [this.#server, this.#implicitServer].map(
        (server) => new Promise<void>((resolve) => (server?.listening === true ? server.close(() => resolve()) : resolve())),
      ),
    );
    for (const socket of this.#awaitingProxyHeader) socket.destroy();
    for (const session of this.#sessions) session.shutdown();
    if (this.#sessions.size > 0) {
      const drained = once(this, 'drained');
      const deadline = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      if ((await Promise.race([drained.then(() => 'drained'), deadline])) !== 'drained') {
        logger.warn({ sessions: this.#sessions.size }, 'shutdown deadline passed; aborting transfers');
        for (const session of this.#sessions) session.abortTransfers('server shutdown');
        await drained;
      }
    }
    await stopped;
    this.#listeners = [];
    await Promise.allSettled([this.#options.authenticator.close?.(), this.#options.storage.close?.(), this.#limits.sharedState.close?.()]);
    logger.debug({}, 'stopped');
  }
}

/** The events the server counts for `status()`: always built, whoever listens. */
const countedEvents: ReadonlySet<string> = new Set(['login', 'login-failed', 'upload', 'download']);

function defenderAccess(limits: ServerLimits): DefenderAccess {
  const defender = limits.defender;
  const state = limits.sharedState;
  return {
    enabled: defender !== undefined,
    isBanned: async (address) => defender !== undefined && (await state.isBanned(normalizeAddress(address))),
    recordFailedLogin: async (address, username) =>
      defender !== undefined && (await defender.recordFailure(normalizeAddress(address), username)),
    state: async () => (defender === undefined ? undefined : state.listDefenderState?.(defender.windowMs)),
    liftBan: async (address) => {
      if (state.liftBan === undefined) return 'unsupported';
      return (await state.liftBan(normalizeAddress(address))) ? 'lifted' : 'not-banned';
    },
    get allowList() {
      return defender?.allowList ?? [];
    },
    allow: (entry) => {
      if (defender === undefined) throw new InvalidOptionError('defender', 'the defender is off: there is no allow list');
      defender.allow(entry);
    },
  };
}

function ignoreSocketError(): void {
  // The socket is destroyed by the error; the admission's answer then finds it so and goes no further.
}

async function listenOn(server: Server, host: string, port: number): Promise<ListeningAddress> {
  server.listen({ host, port });
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  const address = server.address() as { address: string; port: number };
  return { address: address.address, port: address.port };
}

/** Creates an FTP server. Options are validated here; an invalid one throws `InvalidOptionError` naming it. */
export function createFtpServer(options: FtpServerOptions): FtpServer {
  return new FtpServerImplementation(options);
}
