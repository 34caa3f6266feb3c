import type { DataChannels } from '../data-channel/data-channels.ts';
import type { ServerLimits } from '../limits/server-limits.ts';
import type { ResolvedServerOptions } from '../resolve-options.ts';
import type { FtpServerEvents } from '../server-events.ts';
import type { ServerLogger } from '../server-options.ts';
import type { TlsMaterial } from '../tls/tls-material.ts';
import type { CommandSettings, ConnectionFacts } from './command-context.ts';
import type { CommandTable } from './define-command.ts';

/** What a session is given by whoever assembles it: its connection's facts and the server's shared parts. */
export interface SessionEnvironment {
  readonly connection: ConnectionFacts;
  readonly options: ResolvedServerOptions;
  /** The part of `options` the handlers read. */
  readonly settings: CommandSettings;
  readonly commands: CommandTable;
  readonly dataChannels: DataChannels;
  readonly logger: ServerLogger;
  /** The server's TLS material; undefined when FTPS is not configured. */
  readonly tls: TlsMaterial | undefined;
  /** Per-user limits shared by the server's sessions. */
  readonly limits: ServerLimits;
  emit<E extends keyof FtpServerEvents>(event: E, ...payload: FtpServerEvents[E]): void;
  /** Whether anyone listens to `event`; when nobody does, the per-command event is not even built. */
  readonly listens?: ((event: keyof FtpServerEvents) => boolean) | undefined;
}
