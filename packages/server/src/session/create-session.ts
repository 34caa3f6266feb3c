import type { SecureContext } from 'node:tls';
import { DataChannels } from '../data-channel/data-channels.ts';
import type { PortPool } from '../data-channel/port-pool.ts';
import type { ResolvedServerOptions } from '../resolve-options.ts';
import type { ServerLogger } from '../server-options.ts';
import type { CommandSettings } from './command-context.ts';
import { Session, type SessionIo } from './session.ts';
import type { SessionEnvironment } from './session-environment.ts';

/** One new session's connection and the server's shared parts it uses; the factory makes the rest. */
export interface CreateSessionOptions extends Omit<SessionEnvironment, 'dataChannels' | 'logger' | 'settings'> {
  /** The control connection: a socket (`ControlConnection`) or, in tests, an array. */
  readonly io: SessionIo;
  /** The session's logger: the server binds the session id and client address to it. */
  readonly logger: ServerLogger;
  /** The server's passive ports, shared by its sessions. */
  readonly portPool: PortPool;
  /** The address the client dialled, from a PROXY header, when PASV should announce it. */
  readonly dialledAddress?: string | undefined;
  /** Implicit FTPS: the session's own TLS context, made before the handshake (see `Session.useTlsContext`). */
  readonly secureContext?: SecureContext | undefined;
}

/**
 * Assembles a `Session` with its data channels. The server and `createSessionHarness` both build sessions here, so a
 * session in a test is wired exactly as one behind a socket.
 */
export function createSession(options: CreateSessionOptions): Session {
  const { connection, options: serverOptions, logger } = options;
  const dataChannels = new DataChannels({
    portPool: options.portPool,
    localAddress: connection.localAddress,
    controlPeer: connection.remoteAddress,
    requireDataPeerMatch: serverOptions.requireDataPeerMatch,
    timeoutMs: serverOptions.dataTimeoutMs,
    logger,
    passiveAddresses: serverOptions.passive.addresses,
    dialledAddress: options.dialledAddress,
  });
  // Written out rather than copied from `options` by rest and spread: V8 made new hidden classes (maps) for that copy
  // in every session, where an object literal's are made once.
  const session = new Session(options.io, {
    connection,
    options: serverOptions,
    settings: settingsOf(serverOptions),
    commands: options.commands,
    dataChannels,
    logger,
    tls: options.tls,
    limits: options.limits,
    emit: options.emit,
    listens: options.listens,
  });
  if (options.secureContext !== undefined) session.useTlsContext(options.secureContext);
  return session;
}

/** The settings of each server's options, made once and shared by the server's sessions. */
const settingsByOptions = new WeakMap<ResolvedServerOptions, CommandSettings>();

function settingsOf(options: ResolvedServerOptions): CommandSettings {
  let settings = settingsByOptions.get(options);
  if (settings === undefined) {
    settings = Object.freeze({
      serverName: options.serverName,
      allowActiveMode: options.allowActiveMode,
      maxLoginAttempts: options.maxLoginAttempts,
      dataTimeoutMs: options.dataTimeoutMs,
      anonymous: options.anonymous,
      userDefaults: options.userDefaults,
      beforeUpload: options.beforeUpload,
      storageName: options.storage.name,
      encoding: options.encoding,
    });
    settingsByOptions.set(options, settings);
  }
  return settings;
}
