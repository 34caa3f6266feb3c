import type { PluginContext, StorageCallOptions, StorageSessionV1, UserPermissions } from '@ftp/plugin-api';
import { resolveVirtualPath } from '@ftp/protocol';
import type { FtpServerEvents } from '../server-events.ts';
import type { CommandContext, OfferedCommands, TransferHandle } from './command-context.ts';
import { replyWithError } from './dispatch.ts';
import type { SessionEnvironment } from './session-environment.ts';
import type { ActiveTransfer, SessionState } from './session-state.ts';

/** What a command's context forwards to its session; `Session` implements it. */
export interface ContextSession {
  readonly state: SessionState;
  readonly commands: OfferedCommands;
  reply(code: number, text: string | readonly string[]): void;
  flushReplies(): void;
  closeAfter(code: number, text: string): void;
  storageSession(): StorageSessionV1;
  callOptions(): StorageCallOptions;
  pluginContext(): PluginContext;
  requirePermission(permission: keyof UserPermissions, path: string): void;
  runTransfer(
    command: string,
    path: string,
    body: (transfer: TransferHandle) => Promise<void>,
    replyWithFailure: (error: unknown) => void,
  ): Promise<void>;
  emitSessionEvent(event: keyof FtpServerEvents, payload: object): void;
  upgradeToTls(): Promise<void>;
  logout(): Promise<void>;
}

/**
 * The context of one command of one session. A class, not an object of closures: every command gets one, and a
 * closure per member would be the largest allocation of a short session. The fields a handler reads are shared with the session; only `verb` and
 * `lastReplyCode` belong to the command, since ABOR or STAT may run beside a transfer's own command.
 */
export class SessionCommandContext implements CommandContext {
  /** The verb being handled (after alias resolution), for the answer to a failed transfer. */
  readonly verb: string;
  lastReplyCode = 0;
  readonly #session: ContextSession;
  readonly #environment: SessionEnvironment;

  constructor(session: ContextSession, environment: SessionEnvironment, verb: string) {
    this.#session = session;
    this.#environment = environment;
    this.verb = verb;
  }

  get state() {
    return this.#session.state;
  }

  get options() {
    return this.#environment.options;
  }

  get connection() {
    return this.#environment.connection;
  }

  get logger() {
    return this.#environment.logger;
  }

  get dataChannels() {
    return this.#environment.dataChannels;
  }

  get commands() {
    return this.#session.commands;
  }

  get limits() {
    return this.#environment.limits;
  }

  get tls() {
    return this.#environment.tls;
  }

  get transfer(): ActiveTransfer | undefined {
    return this.#session.state.transfer;
  }

  reply(code: number, text: string | readonly string[]): void {
    this.lastReplyCode = code;
    this.#session.reply(code, text);
  }

  flushReplies(): void {
    this.#session.flushReplies();
  }

  closeAfter(code: number, text: string): void {
    this.lastReplyCode = code;
    this.#session.closeAfter(code, text);
  }

  storage(): StorageSessionV1 {
    return this.#session.storageSession();
  }

  resolvePath(argument: string): string {
    return resolveVirtualPath(this.#session.state.currentDirectory, argument);
  }

  callOptions(): StorageCallOptions {
    return this.#session.callOptions();
  }

  pluginContext(): PluginContext {
    return this.#session.pluginContext();
  }

  requirePermission(permission: keyof UserPermissions, path: string): void {
    this.#session.requirePermission(permission, path);
  }

  runTransfer(command: string, path: string, body: (transfer: TransferHandle) => Promise<void>): Promise<void> {
    return this.#session.runTransfer(command, path, body, (error) => replyWithError(this, this.verb, error));
  }

  emit<E extends keyof FtpServerEvents>(event: E, payload: Omit<FtpServerEvents[E][0], 'sessionId' | 'remoteAddress' | 'username'>): void {
    this.#session.emitSessionEvent(event, payload);
  }

  upgradeToTls(): Promise<void> {
    return this.#session.upgradeToTls();
  }

  logout(): Promise<void> {
    return this.#session.logout();
  }
}
