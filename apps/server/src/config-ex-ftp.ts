// ex_ftp (an Elixir FTP server) is where this app's settings come from: an operator moving over writes the keys and
// module names of its `config.exs`. They are read as the native spelling, each with a warning that names it.

/** ex_ftp's top-level keys and the native key each is read as. `authenticator` is spelt the same in both. */
export const exFtpTopLevelKeys: Readonly<Record<string, string>> = {
  ftp_addr: 'ftpAddr',
  ftp_port: 'ftpPort',
  min_passive_port: 'minPassivePort',
  max_passive_port: 'maxPassivePort',
  authenticator_config: 'authenticatorConfig',
  storage_connector: 'storageConnector',
  storage_config: 'storageConfig',
};

/** ex_ftp's `authenticator_config` keys of its HTTP authenticators, by the native authenticator that takes them. */
const httpOptionKeys = {
  login_url: 'loginUrl',
  login_method: 'loginMethod',
  authenticated_url: 'authenticatedUrl',
  authenticated_method: 'authenticatedMethod',
  authenticated_ttl_ms: 'authenticatedTtlMs',
};
export const exFtpAuthenticatorOptionKeys: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'http-basic': httpOptionKeys,
  'http-digest': httpOptionKeys,
  'http-bearer': httpOptionKeys,
  webhook: { ...httpOptionKeys, password_hash_type: 'passwordHashType' },
};

/** ex_ftp's authenticator modules and the built-in authenticator each is. */
export const exFtpAuthenticators: Readonly<Record<string, string>> = {
  'ExFTP.Auth.NoAuth': 'no-auth',
  'ExFTP.Auth.PassthroughAuth': 'passthrough',
  'ExFTP.Auth.BasicAuth': 'http-basic',
  'ExFTP.Auth.DigestAuth': 'http-digest',
  'ExFTP.Auth.BearerAuth': 'http-bearer',
  'ExFTP.Auth.WebhookAuth': 'webhook',
};

/** ex_ftp's storage connector modules and the built-in storage connector each is. */
export const exFtpStorageConnectors: Readonly<Record<string, string>> = {
  'ExFTP.Storage.FileConnector': 'fs',
  'ExFTP.Storage.S3Connector': 's3',
};

/** A key of ex_ftp's spelling read as a native one. */
export interface RenamedKey {
  readonly exFtpKey: string;
  readonly nativeKey: string;
}

/** `object` with its ex_ftp keys renamed; a key set in both spellings is left as it is and reported as a clash. */
export function renameExFtpKeys(
  object: Readonly<Record<string, unknown>>,
  aliases: Readonly<Record<string, string>>,
): { readonly object: Record<string, unknown>; readonly renamed: readonly RenamedKey[]; readonly clashes: readonly RenamedKey[] } {
  const result: Record<string, unknown> = {};
  const renamed: RenamedKey[] = [];
  const clashes: RenamedKey[] = [];
  for (const [key, value] of Object.entries(object)) {
    const nativeKey = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    if (nativeKey === undefined) {
      result[key] = value;
    } else if (Object.hasOwn(object, nativeKey)) {
      clashes.push({ exFtpKey: key, nativeKey });
    } else {
      result[nativeKey] = value;
      renamed.push({ exFtpKey: key, nativeKey });
    }
  }
  return { object: result, renamed, clashes };
}

/** The native name of an ex_ftp module name (also as Elixir's full atom, "Elixir.ExFTP.Auth.NoAuth"), if it is one. */
export function nativeNameOf(value: unknown, modules: Readonly<Record<string, string>>): string | undefined {
  if (typeof value !== 'string') return undefined;
  const moduleName = value.startsWith('Elixir.') ? value.slice('Elixir.'.length) : value;
  return Object.hasOwn(modules, moduleName) ? modules[moduleName] : undefined;
}

/** The warning for a value or key read in ex_ftp's spelling. */
export function exFtpWarning(exFtpSpelling: string, nativeSpelling: string, what: 'key' | 'module name'): string {
  return what === 'key'
    ? `ex_ftp's key, read as "${nativeSpelling}"; write "${nativeSpelling}" (the native spelling)`
    : `"${exFtpSpelling}" is ex_ftp's module name, read as "${nativeSpelling}"; write "${nativeSpelling}" (the native spelling)`;
}
