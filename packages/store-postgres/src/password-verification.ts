import { timingSafeEqual } from 'node:crypto';
import { InvalidOptionError } from '@ftp/plugin-api';
import { createDummyPasswordHash, type ParsedPasswordHash, parsePasswordHash, verifyParsedPassword } from '@ftp/plugin-api/password';
import { type Argon2idHash, isArgon2idHash, parseArgon2idHash } from './argon2-hash.ts';
import { type BcryptHash, isBcryptHash, maxBcryptPasswordBytes, parseBcryptHash } from './bcrypt-hash.ts';
import type { HashThreads } from './hash-threads.ts';

/** The server's own `$scrypt$` format (`@ftp/plugin-api/password`), tagged to stand beside bcrypt and argon2id. */
export interface ScryptHash extends ParsedPasswordHash {
  readonly algorithm: 'scrypt';
}

/** A stored password hash of one of the formats the users table accepts. */
export type StoredPasswordHash = ScryptHash | BcryptHash | Argon2idHash;

/**
 * Parses a stored hash: `$scrypt$` (the server's own format), `$2a$`/`$2b$`/`$2y$` (bcrypt) or `$argon2id$`.
 * Throws `InvalidOptionError` (for `option`) naming the fault, for other formats as well.
 */
export function parseStoredPasswordHash(hashString: string, option = 'passwordHash'): StoredPasswordHash {
  if (hashString.startsWith('$scrypt$')) return { algorithm: 'scrypt', ...parsePasswordHash(hashString, option) };
  if (isBcryptHash(hashString)) return parseBcryptHash(hashString, option);
  if (isArgon2idHash(hashString)) return parseArgon2idHash(hashString, option);
  throw new InvalidOptionError(
    option,
    'is not a supported password hash ($scrypt$ as made by hash-password, $2a$/$2b$/$2y$ bcrypt, or $argon2id$)',
  );
}

/** A scrypt hash of the default cost that no password matches, to spend the same time on a user name that has no row. */
export function createDummyHash(): StoredPasswordHash {
  return parseStoredPasswordHash(createDummyPasswordHash());
}

/**
 * True when `password` matches `stored`. Every comparison is constant-time (`crypto.timingSafeEqual` on the derived
 * bytes). A password with a NUL never matches (no FTP line carries one, and bcrypt would stop reading at it); against
 * bcrypt and argon2id, neither does an empty one, nor one longer than 72 bytes against bcrypt: bcrypt ignores what
 * follows the 72nd byte, so it would accept any extension of the password.
 */
export async function verifyStoredPassword(password: string, stored: StoredPasswordHash, threads: HashThreads): Promise<boolean> {
  if (stored.algorithm === 'scrypt') return verifyParsedPassword(password, stored);
  const bytes = Buffer.from(password, 'utf8');
  if (password.includes('\0') || bytes.length === 0) return false;
  if (stored.algorithm === 'bcrypt') {
    if (bytes.length > maxBcryptPasswordBytes) return false;
    const digest = await threads.digest({ algorithm: 'bcrypt', password: bytes, salt: stored.salt, cost: stored.cost });
    return sameBytes(digest.subarray(0, stored.hash.length), stored.hash);
  }
  const digest = await threads.digest({
    algorithm: 'argon2id',
    password: bytes,
    salt: stored.salt,
    memorySize: stored.memorySize,
    iterations: stored.iterations,
    parallelism: stored.parallelism,
    hashLength: stored.hash.length,
  });
  return sameBytes(digest, stored.hash);
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && timingSafeEqual(left, right);
}
