/** How a config value is checked (and, for environment variables, converted from text). */
export type ValueKind =
  | { readonly type: 'string' }
  | { readonly type: 'host' }
  | { readonly type: 'ipv4' }
  | { readonly type: 'ipv4-or-hostname' }
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'object' }
  | { readonly type: 'choice'; readonly choices: readonly string[] };

/** One key of the config file. */
export interface ConfigKeyDefinition {
  readonly kind: ValueKind;
  /** The environment variable that overrides the file value. */
  readonly env: string;
  readonly description: string;
}

/** Pino's levels, plus "silent". */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** A pino log level accepted by `logLevel`. */
export type LogLevel = (typeof logLevels)[number];

const port = { type: 'integer', min: 0, max: 65_535 } as const;
const passivePort = { type: 'integer', min: 1, max: 65_535 } as const;
const count = { type: 'integer', min: 1, max: 1_000_000 } as const;
const milliseconds = { type: 'integer', min: 1, max: 2_147_483_647 } as const;

/**
 * Every key the config file accepts, with its environment variable. The names follow ex_ftp's settings
 * (`ftpAddr`, `ftpPort`, `minPassivePort`, ...), in camelCase. README.md documents the same table.
 */
export const configKeys = {
  ftpAddr: { kind: { type: 'host' }, env: 'FTP_ADDR', description: 'address to listen on' },
  ftpPort: { kind: port, env: 'FTP_PORT', description: 'control port; 0 picks a free one' },
  minPassivePort: { kind: passivePort, env: 'MIN_PASSIVE_PORT', description: 'lowest passive data port' },
  maxPassivePort: { kind: passivePort, env: 'MAX_PASSIVE_PORT', description: 'highest passive data port' },
  pasvAddress: {
    kind: { type: 'ipv4-or-hostname' },
    env: 'PASV_ADDRESS',
    description: 'IPv4 address, or host name re-resolved on each PASV, announced by PASV',
  },
  pasvAddressMap: {
    kind: { type: 'object' },
    env: 'PASV_ADDRESS_MAP',
    description: 'client CIDR → IPv4 address or host name announced by PASV (JSON)',
  },
  proxyProtocol: {
    kind: { type: 'object' },
    env: 'PROXY_PROTOCOL',
    description: 'PROXY protocol v1/v2: trustedSources, versions, untrustedSources, … (JSON)',
  },
  metricsPort: { kind: port, env: 'METRICS_PORT', description: 'HTTP port of /metrics, /healthz, /readyz; off when unset' },
  metricsAddr: { kind: { type: 'host' }, env: 'METRICS_ADDR', description: 'address of the metrics listener (default 127.0.0.1)' },
  webhooks: { kind: { type: 'object' }, env: 'WEBHOOKS', description: 'event webhooks: url, events, secret, retries, queue size (JSON)' },
  preUploadHook: {
    kind: { type: 'object' },
    env: 'PRE_UPLOAD_HOOK',
    description: 'HTTP check before each upload: url, timeoutMs, failOpen (JSON)',
  },
  serverName: { kind: { type: 'string' }, env: 'SERVER_NAME', description: 'name in the 220 greeting' },
  authenticator: { kind: { type: 'string' }, env: 'AUTHENTICATOR', description: 'no-auth, passthrough, local or a package' },
  authenticatorConfig: { kind: { type: 'object' }, env: 'AUTHENTICATOR_CONFIG', description: 'options of the authenticator (JSON)' },
  storageConnector: { kind: { type: 'string' }, env: 'STORAGE_CONNECTOR', description: 'fs or a package' },
  storageConfig: { kind: { type: 'object' }, env: 'STORAGE_CONFIG', description: 'options of the storage connector (JSON)' },
  maxSessions: { kind: count, env: 'MAX_SESSIONS', description: 'concurrent sessions of the server' },
  maxSessionsPerIp: { kind: count, env: 'MAX_SESSIONS_PER_IP', description: 'concurrent sessions per client IP' },
  maxBadCommands: { kind: count, env: 'MAX_BAD_COMMANDS', description: 'bad commands before disconnect' },
  maxLoginAttempts: { kind: count, env: 'MAX_LOGIN_ATTEMPTS', description: 'failed PASS before disconnect' },
  loginTimeoutMs: { kind: milliseconds, env: 'LOGIN_TIMEOUT_MS', description: 'time allowed to log in' },
  idleTimeoutMs: { kind: milliseconds, env: 'IDLE_TIMEOUT_MS', description: 'idle time before 421' },
  dataTimeoutMs: { kind: milliseconds, env: 'DATA_TIMEOUT_MS', description: 'data connection wait/stall limit' },
  tlsHandshakeTimeoutMs: {
    kind: milliseconds,
    env: 'TLS_HANDSHAKE_TIMEOUT_MS',
    description: 'time allowed for a control connection TLS handshake',
  },
  maxLineLength: {
    kind: { type: 'integer', min: 64, max: 1_048_576 },
    env: 'MAX_LINE_LENGTH',
    description: 'longest command line in bytes',
  },
  shutdownTimeoutMs: { kind: milliseconds, env: 'SHUTDOWN_TIMEOUT_MS', description: 'deadline for transfers at shutdown' },
  requireDataPeerMatch: { kind: { type: 'boolean' }, env: 'REQUIRE_DATA_PEER_MATCH', description: 'data peer must be the control peer' },
  allowActiveMode: { kind: { type: 'boolean' }, env: 'ALLOW_ACTIVE_MODE', description: 'allow PORT and EPRT' },
  userDefaults: {
    kind: { type: 'object' },
    env: 'USER_DEFAULTS',
    description: 'permissions, quota, bandwidth, maxSessions for users without their own (JSON)',
  },
  bandwidth: {
    kind: { type: 'object' },
    env: 'BANDWIDTH',
    description: 'server-wide uploadBytesPerSecond / downloadBytesPerSecond (JSON)',
  },
  defender: { kind: { type: 'object' }, env: 'DEFENDER', description: 'brute-force defence: maxFailuresPerIp, banMs, allowList, … (JSON)' },
  anonymous: {
    kind: { type: 'object' },
    env: 'ANONYMOUS',
    description: 'anonymous FTP: rootDirectory, writable, usernames (JSON); off when unset',
  },
  tls: { kind: { type: 'object' }, env: 'TLS_CONFIG', description: 'FTPS: certFile, keyFile, minVersion, requireForLogin, … (JSON)' },
  implicitFtpsPort: { kind: port, env: 'IMPLICIT_FTPS_PORT', description: 'implicit-TLS port (990 by convention); needs tls' },
  logLevel: { kind: { type: 'choice', choices: logLevels }, env: 'LOG_LEVEL', description: 'log level' },
} as const satisfies Record<string, ConfigKeyDefinition>;

/** A key of the config file. */
export type ConfigKey = keyof typeof configKeys;

/** Keys ignored anywhere in the file, so a config can carry a comment. */
export const commentKeys: readonly string[] = ['$comment', '$schema'];
