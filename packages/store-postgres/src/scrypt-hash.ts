import {
  createDummyPasswordHash,
  parsePasswordHash,
  verifyParsedPassword,
  type ParsedPasswordHash,
  type PasswordHashOptions,
} from '@ftp/plugin-api/password';

// The `$scrypt$` format every authenticator of the project shares (`@ftp/plugin-api/password`), tagged so that a
// stored hash names its algorithm beside bcrypt and argon2id.

export { hashPassword } from '@ftp/plugin-api/password';
export type ScryptHashOptions = PasswordHashOptions;

/** The parts of a `$scrypt$` hash string. */
export interface ScryptHash extends ParsedPasswordHash {
  readonly algorithm: 'scrypt';
}

/** True when `hashString` is in the scrypt format (whether or not its parameters are valid). */
export function isScryptHash(hashString: string): boolean {
  return hashString.startsWith('$scrypt$');
}

/** Parses and range-checks a `$scrypt$` hash; throws `InvalidOptionError` (for `option`) naming the fault. */
export function parseScryptHash(hashString: string, option: string): ScryptHash {
  return { algorithm: 'scrypt', ...parsePasswordHash(hashString, option) };
}

/** True when `password` matches: constant-time, and a password with NUL never matches (see `verifyParsedPassword`). */
export function verifyScrypt(password: string, parsed: ScryptHash): Promise<boolean> {
  return verifyParsedPassword(password, parsed);
}

/** A hash of the default cost that no password matches, to spend the same time on a user name that has no row. */
export function createDummyScryptHash(): ScryptHash {
  return parseScryptHash(createDummyPasswordHash(), 'dummy');
}
