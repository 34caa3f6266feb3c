import type { PluginContext } from '@ftp/plugin-api';
import type { ServerLogger } from '../server-options.ts';
import type { ConnectionFacts } from './command-context.ts';

/**
 * The plugin context as a class: `signal` is a getter on the prototype (an AbortController is dear to make, and most
 * plugins never look at it). An object literal with a getter is kept by V8 in dictionary mode, which costs every
 * session memory.
 */
export class SessionPluginContext implements PluginContext {
  readonly sessionId: string;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly secure: boolean;
  readonly logger: ServerLogger;
  readonly #session: { lifetimeSignal(): AbortSignal };

  constructor(connection: ConnectionFacts, secure: boolean, logger: ServerLogger, session: { lifetimeSignal(): AbortSignal }) {
    this.sessionId = connection.sessionId;
    this.remoteAddress = connection.remoteAddress;
    this.localAddress = connection.localAddress;
    this.secure = secure;
    this.logger = logger;
    this.#session = session;
  }

  get signal(): AbortSignal {
    return this.#session.lifetimeSignal();
  }
}
