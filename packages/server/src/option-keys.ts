import { InvalidOptionError, type UserBandwidth, type UserPermissions, type UserQuota } from '@ftp/plugin-api';
import { closestMatch } from 'leven';
import type {
  AnonymousOptions,
  DefenderOptions,
  FtpServerOptions,
  PassiveAddressRule,
  PassiveOptions,
  ProxyProtocolOptions,
  TlsOptions,
  UserDefaults,
} from './server-options.ts';

// The keys of every level of `FtpServerOptions` that is plain data, so that a misspelt key is refused instead of
// silently ignored (a typo in `userDefaults.permissions` would otherwise leave the default permissions in force). Each
// list `satisfies` a record over the keys of its type: a key added to the type but not here, or listed here but not
// in the type, fails to compile.

/**
 * What is checked under a key: `true` takes its value as it is (a number, a string, a list of strings, or a value that
 * is not plain data: a plugin, a function, a logger, a Buffer); a nested list of keys checks the keys of an object
 * value, and of every object in an array value.
 */
type KeyRule = true | OptionKeys;

interface OptionKeys {
  readonly [key: string]: KeyRule;
}

const userPermissionsKeys = {
  list: true,
  download: true,
  upload: true,
  overwrite: true,
  delete: true,
  rename: true,
  makeDirectory: true,
  setModifiedTime: true,
  chmod: true,
} as const satisfies Record<keyof UserPermissions, KeyRule>;

const userQuotaKeys = { maxBytes: true, maxFiles: true } as const satisfies Record<keyof UserQuota, KeyRule>;

const userBandwidthKeys = { uploadBytesPerSecond: true, downloadBytesPerSecond: true } as const satisfies Record<
  keyof UserBandwidth,
  KeyRule
>;

const userDefaultsKeys = {
  permissions: userPermissionsKeys,
  quota: userQuotaKeys,
  bandwidth: userBandwidthKeys,
  maxSessions: true,
} as const satisfies Record<keyof UserDefaults, KeyRule>;

const passiveAddressRuleKeys = { clients: true, address: true } as const satisfies Record<keyof PassiveAddressRule, KeyRule>;

const passiveKeys = {
  minPort: true,
  maxPort: true,
  // A string, or a list of rules whose keys are checked.
  address: passiveAddressRuleKeys,
  hostnameCacheMs: true,
} as const satisfies Record<keyof PassiveOptions, KeyRule>;

const tlsKeys = {
  cert: true,
  key: true,
  minVersion: true,
  ciphers: true,
  requireForLogin: true,
  requireForData: true,
  requireSessionReuse: true,
  implicitPort: true,
} as const satisfies Record<keyof TlsOptions, KeyRule>;

const defenderKeys = {
  enabled: true,
  maxFailuresPerIp: true,
  maxFailuresPerUser: true,
  windowMs: true,
  banMs: true,
  allowList: true,
  failedLoginDelayMs: true,
} as const satisfies Record<keyof DefenderOptions, KeyRule>;

const anonymousKeys = { rootDirectory: true, writable: true, usernames: true } as const satisfies Record<keyof AnonymousOptions, KeyRule>;

const proxyProtocolKeys = {
  trustedSources: true,
  versions: true,
  untrustedSources: true,
  headerTimeoutMs: true,
  passiveFromDestination: true,
} as const satisfies Record<keyof ProxyProtocolOptions, KeyRule>;

const serverOptionKeys = {
  authenticator: true,
  storage: true,
  host: true,
  port: true,
  serverName: true,
  passive: passiveKeys,
  userDefaults: userDefaultsKeys,
  bandwidth: userBandwidthKeys,
  defender: defenderKeys,
  sharedState: true,
  anonymous: anonymousKeys,
  tls: tlsKeys,
  proxyProtocol: proxyProtocolKeys,
  beforeUpload: true,
  requireDataPeerMatch: true,
  allowActiveMode: true,
  maxSessions: true,
  maxSessionsPerIp: true,
  loginTimeoutMs: true,
  idleTimeoutMs: true,
  dataTimeoutMs: true,
  tlsHandshakeTimeoutMs: true,
  encoding: true,
  maxLineLength: true,
  maxBadCommands: true,
  maxLoginAttempts: true,
  shutdownTimeoutMs: true,
  logger: true,
} as const satisfies Record<keyof FtpServerOptions, KeyRule>;

/**
 * Refuses a key that `FtpServerOptions` does not have, at any depth of plain data, with an `InvalidOptionError` that
 * names its full path (`userDefaults.permisions`) and the key probably meant.
 */
export function refuseUnknownOptionKeys(options: FtpServerOptions): void {
  checkKeys(options, serverOptionKeys, '');
}

function checkKeys(value: unknown, keys: OptionKeys, path: string): void {
  if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) checkKeys(element, keys, `${path}[${index}]`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    const rule = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (rule === undefined) throw new InvalidOptionError(at, unknownKeyReason(key, Object.keys(keys)));
    if (rule !== true) checkKeys(inner, rule, at);
  }
}

function unknownKeyReason(key: string, known: readonly string[]): string {
  // A third of the key's length (at least 2) tells a typo from a different word, as the app's config check does.
  const meant = closestMatch(key, known, { maxDistance: Math.max(2, Math.floor(key.length / 3)) });
  return meant === undefined ? `unknown key (known: ${known.join(', ')})` : `unknown key; did you mean "${meant}"?`;
}
