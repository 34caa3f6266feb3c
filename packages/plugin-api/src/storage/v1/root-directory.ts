/**
 * The directories of an authenticator's `rootDirectory` from the connector's root down, for a connector that declares
 * `appliesRootDirectory`: "/users/alice/" and "users//./alice" give ["users", "alice"], "/" or "" gives []. Returns
 * undefined for a value that cannot name a directory inside the connector's root (a "..", a NUL, not a string): the
 * connector refuses the session then (`StorageError` `EACCES`) rather than guess, so an authenticator's mistake never
 * widens what a user reaches.
 */
export function rootDirectorySegments(rootDirectory: unknown): readonly string[] | undefined {
  if (typeof rootDirectory !== 'string' || rootDirectory.includes('\0')) return undefined;
  const segments = rootDirectory.split('/').filter((segment) => segment !== '' && segment !== '.');
  return segments.includes('..') ? undefined : segments;
}
