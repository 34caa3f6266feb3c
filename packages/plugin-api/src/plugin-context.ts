/**
 * The logger handed to plugins: the subset of pino's API that plugins need. The server passes a child logger that is
 * already bound to the session id and client address. Never log passwords or tokens.
 */
export interface PluginLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

/** Facts about the FTP session that a plugin call is made for. */
export interface PluginContext {
  /** Unique per control connection; appears in every log line of the session. */
  readonly sessionId: string;
  /** The client's IP address as the server sees it (after a trusted proxy header, where configured). */
  readonly remoteAddress: string;
  /** The server address the client connected to. */
  readonly localAddress: string;
  /** True when the control connection is protected by TLS. */
  readonly secure: boolean;
  /**
   * Aborted when the session ends (QUIT, disconnect, shutdown). Long plugin calls should stop when it fires. The
   * server makes it when first read (a getter), so pass the context on as it is; a spread copy may lack it.
   */
  readonly signal: AbortSignal;
  readonly logger: PluginLogger;
}

/** A logger that drops everything; for tests and for plugins used outside a server. */
export const silentLogger: PluginLogger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
