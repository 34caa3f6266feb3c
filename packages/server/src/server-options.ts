import type {
  Authenticator,
  PluginLogger,
  SharedStateV1,
  StorageConnector,
  UserBandwidth,
  UserPermissions,
  UserQuota,
} from '@ftp/plugin-api';

// Every option type of `createFtpServer`, in a module that imports nothing of the server: the module that reads an
// option imports its type from here, so the types flow one way and no implementation joins another's declarations.
// option-keys.ts lists the keys of each option type whose value is plain data, and refuses any other: a key added to
// a type here fails to compile until it is listed there.

/** A pino-compatible logger: the plugin logger plus `child`. */
export interface ServerLogger extends PluginLogger {
  child(bindings: Record<string, unknown>): ServerLogger;
}

/** Anonymous FTP (RFC 1635), off unless configured. */
export interface AnonymousOptions {
  /**
   * The storage directory that becomes the anonymous user's "/" (required, so anonymous users never see the whole
   * storage by accident); "/" is allowed when the storage itself is per user (e.g. fs root "/srv/ftp/{user}").
   */
  readonly rootDirectory: string;
  /** Allow uploads and MKD (never overwrite, delete or rename). Default false: read-only. */
  readonly writable?: boolean;
  /** User names that log in anonymously with any password. Default ["anonymous", "ftp"]. */
  readonly usernames?: readonly string[];
}

/** Where passive data connections listen and what address PASV announces. */
export interface PassiveOptions {
  /** Lowest port of the passive range. With `maxPort`, both 0 (default) means any free ephemeral port. */
  readonly minPort?: number;
  /** Highest port of the passive range (inclusive). */
  readonly maxPort?: number;
  /**
   * What PASV announces (RFC 959 §4.1.2 227 reply), e.g. the public address behind NAT: an IPv4 address, a host name
   * (re-resolved on each PASV, cached for `hostnameCacheMs`), or a list of `{ clients: CIDR, address }` rules chosen per
   * session by the client's address (the most specific range wins). Default, and for clients no rule matches: the
   * local address of the control connection (the right one when the server listens on several), or the address the
   * client dialled with `proxyProtocol.passiveFromDestination`. Checked at start (`InvalidOptionError`). EPSV
   * announces only a port (RFC 2428 §3), so it needs no address.
   */
  readonly address?: PassiveAddressOption;
  /** How long a resolved passive host name is reused. Default 2000 ms; 0 resolves on every PASV. */
  readonly hostnameCacheMs?: number;
}

/** FTPS (RFC 4217). With these set, AUTH TLS, PBSZ and PROT are offered; without them they answer 502. */
export interface TlsOptions {
  /** PEM certificate chain. Replace it at run time with `server.setTlsCertificate`. */
  readonly cert: string | Buffer;
  /** PEM private key. */
  readonly key: string | Buffer;
  /** Lowest TLS version accepted. Default "TLSv1.2". */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are Node's defaults). Default: Node's default list. */
  readonly ciphers?: string;
  /** Refuse USER/PASS on a control connection without TLS (530), so no password crosses the network in clear. */
  readonly requireForLogin?: boolean;
  /** Refuse transfers over unprotected data connections (PROT C) with 534 before any data moves. */
  readonly requireForData?: boolean;
  /**
   * A protected data connection must resume the TLS session of its own control connection (as vsftpd's
   * require_ssl_reuse), so a third party that reaches the data port first cannot take the transfer. Default true;
   * turn it off only for clients that cannot resume.
   */
  readonly requireSessionReuse?: boolean;
  /** Port of an implicit-TLS listener (TLS from the first byte, conventionally 990), on `host`; 0 picks a free port. */
  readonly implicitPort?: number;
}

/** Brute-force defence settings; every field has a default, and the defender is on unless `enabled` is false. */
export interface DefenderOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Failed logins from one address within `windowMs` that ban it. Default 10. */
  readonly maxFailuresPerIp?: number;
  /** Failed logins for one user name within `windowMs` after which every further failure for it bans its address. Default 20. */
  readonly maxFailuresPerUser?: number;
  /** Default 10 minutes. */
  readonly windowMs?: number;
  /** How long a ban lasts. Default 15 minutes. */
  readonly banMs?: number;
  /** Addresses or CIDR blocks ("10.0.0.0/8", "::1") that are never banned. */
  readonly allowList?: readonly string[];
  /** Delay before the 530 of every failed PASS, to slow guessing. Default 1000 ms. */
  readonly failedLoginDelayMs?: number;
}

/** Limits for users whose authenticator leaves them out (server option `userDefaults`). */
export interface UserDefaults {
  readonly permissions?: UserPermissions;
  readonly quota?: UserQuota;
  readonly bandwidth?: UserBandwidth;
  readonly maxSessions?: number;
}

/** One entry of a passive-address map: clients in `clients` are told `address`. */
export interface PassiveAddressRule {
  /** An IP address or CIDR range of clients ("10.0.0.0/8", "0.0.0.0/0"). The most specific matching rule wins. */
  readonly clients: string;
  /** The IPv4 address, or a host name resolved to one on each PASV, that these clients are told to connect to. */
  readonly address: string;
}

/**
 * What PASV announces (RFC 959 §4.1.2, the 227 reply): one IPv4 address, a host name re-resolved on each PASV (a
 * dynamic DNS name behind NAT), or a map from client range to address or host name (clients on the LAN get the
 * private address, the rest the public one).
 */
export type PassiveAddressOption = string | readonly PassiveAddressRule[];

/**
 * PROXY protocol on the control listener (HAProxy's proxy-protocol.txt v1 and v2), for servers behind a TCP load
 * balancer: the balancer sends a header naming the real client before the client's first byte.
 */
export interface ProxyProtocolOptions {
  /**
   * The load balancers: IP addresses or CIDR ranges ("10.0.0.0/8", "::1") whose connections must start with a PROXY
   * header. Required; a header from any other source is never believed.
   */
  readonly trustedSources: readonly string[];
  /** The header versions accepted. Default [1, 2]. */
  readonly versions?: readonly (1 | 2)[];
  /**
   * Connections from sources not in `trustedSources`: "refuse" (default) answers 421 and closes, so nobody can reach
   * the server around the balancer; "ignore" serves them as direct clients, with their own address and no header
   * expected (a header they send is then just a bad command).
   */
  readonly untrustedSources?: 'refuse' | 'ignore';
  /** How long a trusted source may take to send its header before the connection is closed. Default 5 s. */
  readonly headerTimeoutMs?: number;
  /**
   * PASV announces the address the client dialled (the header's destination: the balancer's public address) instead
   * of the control connection's local address, unless `passive.address` says otherwise. Default false.
   */
  readonly passiveFromDestination?: boolean;
}

/** What `beforeUpload` is told about an upload about to start. */
export interface BeforeUploadRequest {
  readonly sessionId: string;
  readonly username: string;
  /** The virtual path the upload will write (for STOU, the unique name chosen). */
  readonly path: string;
  /** STOR, STOU or APPE. */
  readonly command: string;
  /** The real client address (after a trusted PROXY header). */
  readonly remoteAddress: string;
  /** Aborted when the session ends. */
  readonly signal: AbortSignal;
}

/** The hook's decision. */
export type BeforeUploadDecision =
  | { readonly allowed: true }
  | { readonly allowed: false /** Sent to the client with 550. */; readonly reason?: string };

/** The `beforeUpload` server option: may refuse an upload before any data moves. */
export type BeforeUploadHook = (request: BeforeUploadRequest) => Promise<BeforeUploadDecision>;

/** Options of `createFtpServer`. Only `authenticator` and `storage` are required. */
export interface FtpServerOptions {
  /** The authenticator asked on every PASS. */
  readonly authenticator: Authenticator;
  /** The storage connector opened for every logged-in user. */
  readonly storage: StorageConnector;
  /** Address to listen on. Default "127.0.0.1". Use "0.0.0.0" or "::" to accept remote clients. */
  readonly host?: string;
  /** Port to listen on. Default 21; 0 picks a free port (read it back from `listen()`). */
  readonly port?: number;
  /** Shown in the 220 greeting. Default "FTP server". */
  readonly serverName?: string;
  readonly passive?: PassiveOptions;
  /** Permissions, quota, bandwidth and session limit for users whose authenticator leaves them out. */
  readonly userDefaults?: UserDefaults;
  /** Bandwidth of the whole server, shared by all transfers (on top of each user's own limit). */
  readonly bandwidth?: UserBandwidth;
  /** Brute-force defence: bans addresses after failed logins. On by default. */
  readonly defender?: DefenderOptions;
  /**
   * Where the server keeps what several instances behind one load balancer must agree on: live sessions per user and
   * per address, failed logins and bans, quota usage, locks on uploads that change a file in place. Default: this
   * process's memory (one instance). Give every instance one store (`@ftp/store-postgres`) to make them act as one
   * server. Closed by `close()`.
   */
  readonly sharedState?: SharedStateV1;
  /** Anonymous FTP; off unless set. */
  readonly anonymous?: AnonymousOptions;
  /** FTPS: explicit (AUTH TLS) always, implicit when `tls.implicitPort` is set. */
  readonly tls?: TlsOptions;
  /**
   * PROXY protocol v1/v2 on the control listener, for a TCP load balancer in front (HAProxy `send-proxy-v2`): the real
   * client address from the header is used for logs, limits, the defender, events and the data-peer check. Off unless set.
   */
  readonly proxyProtocol?: ProxyProtocolOptions;
  /**
   * Called before STOR, STOU and APPE move any data (after the permission and target checks): resolve
   * `{ allowed: false, reason }` to refuse the upload with 550 and the reason. A hook that throws refuses it too (451).
   */
  readonly beforeUpload?: BeforeUploadHook;
  /**
   * Accept a passive data connection only from the control connection's IP address, and connect PORT/EPRT only to
   * it (prevents FTP bounce and data theft, RFC 2577 §3-4). Default true.
   */
  readonly requireDataPeerMatch?: boolean;
  /** Allow PORT and EPRT (active mode). Default true. */
  readonly allowActiveMode?: boolean;
  /** Maximum concurrent sessions of the whole server (421 beyond). Default 1000. */
  readonly maxSessions?: number;
  /** Maximum concurrent sessions from one client IP (421 beyond). Default 50. */
  readonly maxSessionsPerIp?: number;
  /** A session must log in within this time or is closed with 421. Default 60 s. */
  readonly loginTimeoutMs?: number;
  /** A logged-in session with no command and no transfer for this long is closed with 421. Default 900 s. */
  readonly idleTimeoutMs?: number;
  /**
   * How long a PASV/EPSV listener waits for the client to connect, and how long a data connection may stall with no
   * byte moving, before the transfer fails with 425/426. Default 30 s.
   */
  readonly dataTimeoutMs?: number;
  /**
   * How long a TLS handshake on the control connection (implicit FTPS, or after AUTH TLS) may take before the
   * connection is closed and its session slot freed, whatever the login timeout. Default 10 s.
   */
  readonly tlsHandshakeTimeoutMs?: number;
  /**
   * The charset of command lines, replies and listing names for clients that have not sent OPTS UTF8 ON, for legacy
   * clients that speak their system's code page: "gbk", "shift_jis", "latin1", or any other charset iconv-lite knows
   * that keeps ASCII as it is. Names reach the storage as the same Unicode strings either way (UTF-8 on disk), and a
   * session switches to UTF-8 on OPTS UTF8 ON (RFC 2640 §3.1). Default "utf-8".
   */
  readonly encoding?: string;
  /** Longest command line in bytes; a longer line gets 500 and is discarded. Default 4096. */
  readonly maxLineLength?: number;
  /** Unknown or malformed commands tolerated per session before 421 and disconnect. Default 50. */
  readonly maxBadCommands?: number;
  /** Failed PASS attempts per session before 421 and disconnect. Default 3. */
  readonly maxLoginAttempts?: number;
  /** Default deadline for running transfers when `close()` is called without one. Default 30 s. */
  readonly shutdownTimeoutMs?: number;
  /** A pino-compatible logger (a child is bound per session). Default: silent. */
  readonly logger?: ServerLogger;
}
