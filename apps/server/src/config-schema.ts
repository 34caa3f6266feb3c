import { z } from 'zod';
import {
  anyObject,
  choice,
  configDocs,
  documented,
  flag,
  host,
  httpUrl,
  integer,
  ipv4OrHostname,
  mapOf,
  matching,
  milliseconds,
  nonEmptyList,
  nonEmptyText,
  port,
  positiveNumber,
  virtualPath,
} from './config-fields.ts';

// The schema of the config file (ftp.json): every key the app, the engine (`@ftp/server`) and the built-in plugins
// accept, at every depth. Unknown keys are refused everywhere (z.strictObject), so a misspelt key can never be
// ignored silently: `userDefaults.permisions: { upload: false }` would otherwise leave uploads open. The options of
// the built-in authenticators and storage connectors are in config-plugin-schemas.ts. The README tables and the
// JSON Schema file are generated from these schemas (config-docs.ts).

/** Pino's levels, plus "silent". */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A pino log level accepted by `logLevel`. */
export type LogLevel = (typeof logLevels)[number];

/** The events a webhook can be sent for: the operations of `@ftp/server`'s events, after they completed. */
export const webhookEventNames = ['upload', 'download', 'delete', 'rename', 'mkdir', 'rmdir', 'login', 'login-failed'] as const;

const optionalFlag = (description: string, defaultValue?: boolean) => documented(flag().exactOptional(), { description, defaultValue });

/** What a user may do (`UserPermissions` of `@ftp/plugin-api`); a flag left out is allowed, but `chmod`, which is denied. */
export const permissionsSchema = z.strictObject({
  list: optionalFlag('LIST, NLST, MLSD, MLST, STAT <path>', true),
  download: optionalFlag('RETR', true),
  upload: optionalFlag('STOR, STOU, APPE to a new file', true),
  overwrite: optionalFlag('STOR, APPE over an existing file, and RNTO onto one', true),
  delete: optionalFlag('DELE and RMD', true),
  rename: optionalFlag('RNFR/RNTO, at both paths', true),
  makeDirectory: optionalFlag('MKD', true),
  setModifiedTime: optionalFlag('MFMT', true),
  chmod: optionalFlag('SITE CHMOD; denied unless granted', false),
});

/** A user's storage limits (`UserQuota`). */
export const quotaSchema = z.strictObject({
  maxBytes: documented(integer(0, Number.MAX_SAFE_INTEGER).exactOptional(), {
    description: "most bytes of all the user's files; an upload that would pass it fails with 552",
  }),
  maxFiles: documented(integer(0, Number.MAX_SAFE_INTEGER).exactOptional(), {
    description: 'most files the user may have; a new file beyond it is refused with 552',
  }),
});

/** Transfer rates (`UserBandwidth`), shared fairly by the transfers they cover. */
export const bandwidthSchema = z.strictObject({
  uploadBytesPerSecond: documented(positiveNumber().exactOptional(), { description: 'upload rate limit', defaultText: 'unlimited' }),
  downloadBytesPerSecond: documented(positiveNumber().exactOptional(), { description: 'download rate limit', defaultText: 'unlimited' }),
});

/** `userDefaults`: limits for users whose authenticator sets none. */
export const userDefaultsSchema = z.strictObject({
  permissions: documented(permissionsSchema.exactOptional(), {
    description: 'flags `list`, `download`, `upload`, `overwrite`, `delete`, `rename`, `makeDirectory`, `setModifiedTime`, `chmod`',
    defaultText: 'all `true` but `chmod`',
  }),
  quota: documented(quotaSchema.exactOptional(), { description: '`maxBytes`, `maxFiles`', defaultText: 'none' }),
  bandwidth: documented(bandwidthSchema.exactOptional(), {
    description: '`uploadBytesPerSecond`, `downloadBytesPerSecond` per user',
    defaultText: 'unlimited',
  }),
  maxSessions: documented(integer(0, 1_000_000).exactOptional(), {
    description: 'concurrent sessions of one user (421 beyond)',
    defaultText: 'unlimited',
  }),
});

/** `workers`: a count of processes, or `auto` (one per core); digits in a string come from the environment variable. */
const workerCountMessage = { error: 'must be an integer from 1 to 1024, or "auto"' };
const workerCountSchema = z.union(
  [
    z.int(workerCountMessage).min(1, workerCountMessage).max(1024, workerCountMessage),
    z.literal('auto', workerCountMessage),
    z.string(workerCountMessage).regex(/^\s*(?:[1-9]\d{0,2}|10[01]\d|102[0-4])\s*$/, workerCountMessage),
  ],
  workerCountMessage,
);

/** `sharedStateConfig`: the options of the postgres shared state (`PostgresSharedStateOptions` of `@ftp/store-postgres`). */
export const sharedStateConfigSchema = z.strictObject({
  connectionString: documented(
    matching(/^postgres(ql)?:\/\/./, 'must be a URL that starts with postgres:// or postgresql://').exactOptional(),
    {
      description: '`postgres://user@host:5432/database`; a password left out is read from PGPASSWORD',
      defaultText: "the `@ftp/store-postgres` authenticator's",
    },
  ),
  schema: documented(
    matching(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier (letters, digits, underscores)').exactOptional(),
    {
      description: 'the schema of the tables, created when missing',
      defaultText: "the authenticator's, else `ftp`",
    },
  ),
  maxConnections: documented(integer(1, 1_000).exactOptional(), { description: 'most connections of its pool', defaultValue: 10 }),
  connectTimeoutMs: documented(milliseconds().exactOptional(), {
    description: 'deadline for a connection: a login waits at most this long before it is answered 421 while the database is down',
    defaultValue: 2_000,
  }),
  queryTimeoutMs: documented(milliseconds().exactOptional(), { description: 'deadline of one query', defaultValue: 2_000 }),
  leaseMs: documented(integer(30, 3_600_000).exactOptional(), {
    description:
      "an instance's sessions, quota reservations and upload locks outlive its last heartbeat (sent every third of it) by this: a crashed instance's are dropped after it",
    defaultValue: 30_000,
  }),
  quotaGrantBytes: documented(integer(0, 2 ** 40).exactOptional(), {
    description: 'bytes an upload reserves at once (then doubling as it grows): fewer round trips, more held back from parallel uploads',
    defaultValue: 1_048_576,
  }),
  migrate: optionalFlag('create and migrate the tables at start', true),
});

/** `defender`: bans addresses after failed logins (`DefenderOptions`). */
export const defenderSchema = z.strictObject({
  enabled: optionalFlag('`false` turns the defender off', true),
  maxFailuresPerIp: documented(integer(1, 1_000_000).exactOptional(), {
    description: 'failed logins from one address within `windowMs` that ban it',
    defaultValue: 10,
  }),
  maxFailuresPerUser: documented(integer(1, 1_000_000).exactOptional(), {
    description: 'failed logins for one user name within `windowMs` after which each further failure bans its address',
    defaultValue: 20,
  }),
  windowMs: documented(milliseconds().exactOptional(), { description: 'the window failures are counted in', defaultValue: 600_000 }),
  banMs: documented(milliseconds().exactOptional(), { description: 'how long a ban lasts', defaultValue: 900_000 }),
  allowList: documented(z.array(nonEmptyText('must be an IP address or CIDR block')).exactOptional(), {
    description: 'addresses or CIDR blocks ("10.0.0.0/8", "::1") never banned',
    defaultValue: [],
  }),
  failedLoginDelayMs: documented(integer(0, 60_000).exactOptional(), {
    description: 'delay before the 530 of every failed PASS',
    defaultValue: 1000,
  }),
});

/** `anonymous`: anonymous FTP (RFC 1635), off unless set. */
export const anonymousSchema = z.strictObject({
  rootDirectory: documented(virtualPath(), {
    description: "the storage directory that becomes the anonymous user's `/`; `/` with a per-user storage",
    whenMissing: 'is required to enable anonymous FTP (use "/" for a per-user storage)',
  }),
  writable: optionalFlag('allow uploads and MKD (never overwrite, delete or rename)', false),
  usernames: documented(nonEmptyList(nonEmptyText()).exactOptional(), {
    description: 'user names that log in anonymously with any password',
    defaultValue: ['anonymous', 'ftp'],
  }),
});

/** `tls`: FTPS (RFC 4217). Paths are relative to the config file. */
export const tlsSchema = z.strictObject({
  certFile: documented(nonEmptyText(), {
    description: 'PEM certificate chain (relative to the config file)',
    typeText: 'path',
    whenMissing: 'is required to enable FTPS: a PEM file path',
  }),
  keyFile: documented(nonEmptyText(), {
    description: 'PEM private key',
    typeText: 'path',
    whenMissing: 'is required to enable FTPS: a PEM file path',
  }),
  minVersion: documented(choice(['TLSv1.2', 'TLSv1.3']).exactOptional(), {
    description: 'lowest TLS version accepted',
    defaultValue: 'TLSv1.2',
  }),
  ciphers: documented(nonEmptyText().exactOptional(), { description: 'OpenSSL cipher list for TLS 1.2', defaultText: "Node's default" }),
  requireForLogin: optionalFlag('refuse USER on a plain control connection (530)', false),
  requireForData: optionalFlag('refuse PROT C and plain transfers (534)', false),
  requireSessionReuse: optionalFlag(
    "a protected data connection must resume its control connection's TLS session (522 otherwise), as vsftpd's `require_ssl_reuse`",
    true,
  ),
});

/** `proxyProtocol`: PROXY protocol v1/v2 from a TCP load balancer (`ProxyProtocolOptions`). */
export const proxyProtocolSchema = z.strictObject({
  trustedSources: documented(nonEmptyList(nonEmptyText('must be an IP address or CIDR range')), {
    description: 'the load balancers: addresses or CIDR ranges whose connections must start with a PROXY header',
    typeText: 'list of addresses or CIDR ranges',
    whenMissing: 'is required: the load balancer addresses or CIDR ranges',
  }),
  versions: documented(nonEmptyList(z.union([z.literal(1), z.literal(2)], { error: 'must be 1 or 2' })).exactOptional(), {
    description: 'header versions accepted',
    defaultValue: [1, 2],
  }),
  untrustedSources: documented(choice(['refuse', 'ignore']).exactOptional(), {
    description: 'connections from other sources: `refuse` (421) or `ignore` (served as direct clients)',
    defaultValue: 'refuse',
  }),
  headerTimeoutMs: documented(integer(1, 600_000).exactOptional(), {
    description: 'time a trusted source has to send its header',
    defaultValue: 5000,
  }),
  passiveFromDestination: optionalFlag("PASV announces the address the client dialled (the header's destination)", false),
});

/** `webhooks`: event notifications POSTed after each operation. */
export const webhooksSchema = z
  .strictObject({
    url: documented(httpUrl(), { description: 'http(s) URL every event is POSTed to as JSON' }),
    events: documented(nonEmptyList(choice(webhookEventNames)).default([...webhookEventNames]), {
      description: 'events to send',
      defaultText: 'all',
    }),
    secret: documented(nonEmptyText().exactOptional(), {
      description: 'sign each request: `X-Ftp-Signature: sha256=<HMAC of the body>`',
      defaultText: 'unsigned',
    }),
    timeoutMs: documented(integer(1, 600_000).default(5000), { description: 'deadline of one delivery attempt' }),
    maxAttempts: documented(integer(1, 100).default(5), { description: 'attempts per event, the first included' }),
    initialBackoffMs: documented(integer(1, 3_600_000).default(500), {
      description: 'wait before the first retry; doubled on each further one',
    }),
    maxBackoffMs: documented(integer(1, 86_400_000).exactOptional(), {
      description: 'longest wait between retries; not below `initialBackoffMs`',
      defaultText: '`30000` (or `initialBackoffMs` when larger)',
    }),
    queueSize: documented(integer(1, 1_000_000).default(1000), {
      description: 'events waiting beyond which new ones are dropped (logged and counted), never blocking a transfer',
    }),
    concurrency: documented(integer(1, 256).default(4), { description: 'deliveries in flight at once' }),
  })
  .superRefine((webhooks, context) => {
    if (webhooks.maxBackoffMs !== undefined && webhooks.maxBackoffMs < webhooks.initialBackoffMs) {
      context.addIssue({
        code: 'custom',
        path: ['maxBackoffMs'],
        message: `must not be below initialBackoffMs (${webhooks.initialBackoffMs})`,
      });
    }
  });

/** `preUploadHook`: an HTTP check before each upload. */
export const preUploadHookSchema = z.strictObject({
  url: documented(httpUrl(), {
    description: 'http(s) URL POSTed `{sessionId, username, path, command, remoteAddress}` before each upload',
  }),
  timeoutMs: documented(integer(1, 600_000).default(5000), { description: 'deadline of the call' }),
  failOpen: documented(flag().default(false), {
    description: 'allow the upload when the hook cannot answer; `false` refuses it with 451',
  }),
});

const count = () => integer(1, 1_000_000);

/** The whole config file. Keys left out take the `@ftp/server` defaults shown. */
/** `admin`: the admin REST API and web page of `@ftp/admin`, on a listener of their own. */
export const adminSchema = z.strictObject({
  port: documented(port(), { description: 'port of the admin listener (API and web page); `0` picks a free one' }),
  address: documented(host().exactOptional(), {
    description: 'address of that listener',
    typeText: 'IP address or host name',
    defaultValue: '127.0.0.1',
  }),
  accounts: documented(
    nonEmptyList(
      z.strictObject({
        username: documented(nonEmptyText(), { description: 'admin name (not an FTP user)' }),
        passwordHash: documented(nonEmptyText(), { description: '`$scrypt$…` from `ftp-server hash-password`' }),
      }),
    ),
    { description: 'who may log in to the admin API: `[{"username": "…", "passwordHash": "$scrypt$…"}]`' },
  ),
  tokenTtlMs: documented(milliseconds().exactOptional(), {
    description: "how long a login's token stays valid",
    defaultValue: 900_000,
  }),
});

export const configSchema = z.strictObject({
  $schema: documented(z.string().exactOptional(), { description: 'the JSON Schema of this file, for editors (ignored)' }),
  $comment: documented(z.string().exactOptional(), { description: 'a comment (ignored)' }),
  ftpAddr: documented(host().default('127.0.0.1'), {
    description: 'address to listen on; `0.0.0.0` or `::` for remote clients',
    env: 'FTP_ADDR',
    typeText: 'IP address or host name',
  }),
  ftpPort: documented(port().default(2121), {
    description: 'control port; `0` picks a free one (logged in the `listening` line)',
    env: 'FTP_PORT',
  }),
  minPassivePort: documented(integer(1, 65_535).exactOptional(), {
    description: 'lowest passive data port; set together with `maxPassivePort`',
    env: 'MIN_PASSIVE_PORT',
    defaultText: 'any free port',
  }),
  maxPassivePort: documented(integer(1, 65_535).exactOptional(), {
    description: 'highest passive data port (inclusive), not below `minPassivePort`',
    env: 'MAX_PASSIVE_PORT',
    defaultText: 'any free port',
  }),
  pasvAddress: documented(ipv4OrHostname().exactOptional(), {
    description: 'address announced in PASV replies (behind NAT); a host name is re-resolved on each PASV (cached 2 s)',
    env: 'PASV_ADDRESS',
    typeText: 'IPv4 address or host name',
    defaultText: "control connection's local address",
  }),
  pasvAddressMap: documented(mapOf(z.string(), ipv4OrHostname()).exactOptional(), {
    description:
      'per-client PASV address, e.g. `{"10.0.0.0/8": "10.0.0.5", "0.0.0.0/0": "ftp.example.com"}`; the most specific range wins, `pasvAddress` (or the default) serves the rest',
    env: 'PASV_ADDRESS_MAP',
    typeText: 'object: client CIDR → IPv4 address or host name',
  }),
  proxyProtocol: documented(proxyProtocolSchema.exactOptional(), {
    description:
      'PROXY protocol v1/v2 from a load balancer, see [PROXY protocol](#proxy-protocol) and [docs/deployment.md](../../docs/deployment.md)',
    env: 'PROXY_PROTOCOL',
    defaultText: 'off',
  }),
  metricsPort: documented(port().exactOptional(), {
    description: 'HTTP listener for `/metrics` (Prometheus), `/healthz`, `/readyz`',
    env: 'METRICS_PORT',
    defaultText: 'off',
  }),
  metricsAddr: documented(host().exactOptional(), {
    description: 'address of that listener; needs `metricsPort`',
    env: 'METRICS_ADDR',
    typeText: 'IP address or host name',
    defaultValue: '127.0.0.1',
  }),
  admin: documented(adminSchema.exactOptional(), {
    description:
      'admin REST API and web page (sessions, transfers, counters, live events), over HTTPS with the `tls` certificate when set, see [Admin API](#admin-api)',
    env: 'ADMIN',
    defaultText: 'off',
  }),
  webhooks: documented(webhooksSchema.exactOptional(), {
    description: 'POST each event to a URL after it completed, see [Webhooks](#webhooks)',
    env: 'WEBHOOKS',
    defaultText: 'off',
  }),
  preUploadHook: documented(preUploadHookSchema.exactOptional(), {
    description:
      'ask a URL before each upload; `{"allowed": false, "reason": "…"}` (or 403) refuses with 550, see [Pre-upload hook](#pre-upload-hook)',
    env: 'PRE_UPLOAD_HOOK',
    defaultText: 'off',
  }),
  serverName: documented(nonEmptyText().exactOptional(), {
    description: 'shown in the 220 greeting',
    env: 'SERVER_NAME',
    defaultValue: 'FTP server',
  }),
  encoding: documented(nonEmptyText().exactOptional(), {
    description:
      'charset of command lines, replies and listing names for clients that never send `OPTS UTF8 ON` (`gbk`, `shift_jis`, `latin1`, or another charset iconv-lite knows that keeps ASCII); names on storage stay UTF-8',
    env: 'FTP_ENCODING',
    defaultValue: 'utf-8',
  }),
  authenticator: documented(nonEmptyText(), {
    description: '`no-auth`, `passthrough`, `local`, `http-basic`, `http-digest`, `http-bearer`, `webhook`, or a package name / path',
    env: 'AUTHENTICATOR',
    typeText: 'string',
    defaultText: '**required**',
    whenMissing: 'is required: no-auth, passthrough, local, http-basic, http-digest, http-bearer, webhook, or a package name',
  }),
  authenticatorConfig: documented(anyObject().default({}), {
    description: 'options of the authenticator, see [Built-in authenticators](#built-in-authenticators)',
    env: 'AUTHENTICATOR_CONFIG',
  }),
  storageConnector: documented(nonEmptyText().default('fs'), {
    description: '`fs`, `s3`, or a package name / path',
    env: 'STORAGE_CONNECTOR',
  }),
  storageConfig: documented(anyObject().default({}), {
    description: 'options of the storage connector, see [Built-in storage](#built-in-storage-fs)',
    env: 'STORAGE_CONFIG',
  }),
  workers: documented(workerCountSchema.exactOptional(), {
    description:
      'processes serving FTP: `auto` starts one per core; above 1 a primary process owns the listeners and hands each connection to a worker, see [Worker processes](#worker-processes)',
    env: 'FTP_WORKERS',
    typeText: 'integer or `auto`',
    defaultValue: 1,
  }),
  maxSessions: documented(count().exactOptional(), {
    description: 'concurrent sessions of the server',
    env: 'MAX_SESSIONS',
    defaultValue: 1000,
  }),
  maxSessionsPerIp: documented(count().exactOptional(), {
    description: 'concurrent sessions per client IP',
    env: 'MAX_SESSIONS_PER_IP',
    defaultValue: 50,
  }),
  maxBadCommands: documented(count().exactOptional(), {
    description: 'unknown/malformed commands per session before 421',
    env: 'MAX_BAD_COMMANDS',
    defaultValue: 50,
  }),
  maxLoginAttempts: documented(integer(1, 1000).exactOptional(), {
    description: 'failed PASS per session before 421',
    env: 'MAX_LOGIN_ATTEMPTS',
    defaultValue: 3,
  }),
  loginTimeoutMs: documented(milliseconds().exactOptional(), {
    description: 'time a client has to log in',
    env: 'LOGIN_TIMEOUT_MS',
    defaultValue: 60_000,
  }),
  idleTimeoutMs: documented(milliseconds().exactOptional(), {
    description: 'a logged-in session idle this long is closed',
    env: 'IDLE_TIMEOUT_MS',
    defaultValue: 900_000,
  }),
  dataTimeoutMs: documented(milliseconds().exactOptional(), {
    description: 'wait for a data connection / longest stall of a transfer',
    env: 'DATA_TIMEOUT_MS',
    defaultValue: 30_000,
  }),
  tlsHandshakeTimeoutMs: documented(milliseconds().exactOptional(), {
    description:
      "a control connection's TLS handshake (implicit port, or after AUTH TLS) must finish within this, or the connection is closed and frees its session slot",
    env: 'TLS_HANDSHAKE_TIMEOUT_MS',
    defaultValue: 10_000,
  }),
  maxLineLength: documented(integer(64, 1_048_576).exactOptional(), {
    description: 'longest command line in bytes',
    env: 'MAX_LINE_LENGTH',
    defaultValue: 4096,
  }),
  shutdownTimeoutMs: documented(milliseconds().exactOptional(), {
    description: 'how long running transfers may finish at shutdown',
    env: 'SHUTDOWN_TIMEOUT_MS',
    defaultValue: 30_000,
  }),
  requireDataPeerMatch: documented(flag().exactOptional(), {
    description: "data connections only to/from the control connection's IP (RFC 2577)",
    env: 'REQUIRE_DATA_PEER_MATCH',
    defaultValue: true,
  }),
  allowActiveMode: documented(flag().exactOptional(), { description: 'allow PORT and EPRT', env: 'ALLOW_ACTIVE_MODE', defaultValue: true }),
  userDefaults: documented(userDefaultsSchema.exactOptional(), {
    description: 'limits for users whose authenticator sets none, see [Users and limits](#users-and-limits)',
    env: 'USER_DEFAULTS',
    defaultText: 'none',
  }),
  bandwidth: documented(bandwidthSchema.exactOptional(), {
    description: "server-wide `uploadBytesPerSecond` / `downloadBytesPerSecond`, on top of each user's own limit",
    env: 'BANDWIDTH',
    defaultText: 'unlimited',
  }),
  sharedState: documented(choice(['memory', 'postgres']).default('memory'), {
    description:
      'where instances keep what they must agree on (sessions per user and address, bans, quota usage, upload locks): `memory` (this process) or `postgres` (`@ftp/store-postgres`, every instance on one database), see [Shared state](#shared-state)',
    env: 'SHARED_STATE',
  }),
  sharedStateConfig: documented(sharedStateConfigSchema.exactOptional(), {
    description: 'options of the `postgres` shared state, see [Shared state](#shared-state)',
    env: 'SHARED_STATE_CONFIG',
    defaultText: "the `@ftp/store-postgres` authenticator's database",
  }),
  defender: documented(defenderSchema.exactOptional(), {
    description: 'brute-force defence, see [Users and limits](#users-and-limits)',
    env: 'DEFENDER',
    defaultText: 'on',
  }),
  anonymous: documented(anonymousSchema.exactOptional(), {
    description: 'anonymous FTP, see [Users and limits](#users-and-limits)',
    env: 'ANONYMOUS',
    defaultText: 'off',
  }),
  tls: documented(tlsSchema.exactOptional(), { description: 'FTPS, see [TLS](#tls-ftps)', env: 'TLS_CONFIG', defaultText: 'off' }),
  implicitFtpsPort: documented(port().exactOptional(), {
    description: 'implicit-TLS listener (990 by convention); needs `tls`',
    env: 'IMPLICIT_FTPS_PORT',
    defaultText: 'off',
  }),
  logLevel: documented(choice(logLevels).default('info'), { description: 'pino log level', env: 'LOG_LEVEL' }),
});

/** A key of the config file. */
export type ConfigKey = keyof typeof configSchema.shape;

/** The config file after validation, with the app's defaults filled in. */
export type ConfigDocument = z.output<typeof configSchema>;

/** The environment variable of each top-level key that has one, in the order of the schema. */
export function environmentVariables(): readonly { readonly key: ConfigKey; readonly variable: string }[] {
  return Object.entries(configSchema.shape).flatMap(([key, schema]) => {
    const variable = configDocs.get(schema)?.env;
    return variable === undefined ? [] : [{ key: key as ConfigKey, variable }];
  });
}
