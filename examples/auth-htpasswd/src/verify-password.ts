import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { apr1Hash, apr1SaltOf } from './apr1-md5.ts';

/** The htpasswd hash formats this plugin checks. */
export type HashFormat = 'bcrypt' | 'apr1' | 'sha1';

/** bcrypt's own syntax: "$2a$", "$2b$" or "$2y$" (what htpasswd -B writes), a two-digit cost, 53 characters. */
const bcryptPattern = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const sha1Pattern = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;

/**
 * The format of an htpasswd hash, or undefined for formats this plugin refuses: DES crypt(3) and the "$5$"/"$6$"
 * SHA-crypt variants (Node has no crypt(3)), and plain text, which Apache itself accepts only on Windows and NetWare.
 */
export function formatOf(hash: string): HashFormat | undefined {
  if (bcryptPattern.test(hash)) return 'bcrypt';
  if (apr1SaltOf(hash) !== undefined) return 'apr1';
  if (sha1Pattern.test(hash)) return 'sha1';
  return undefined;
}

/** Compares two strings in time that depends only on their lengths, so a guess cannot be refined by timing. */
function sameText(expected: string, actual: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const actualBytes = Buffer.from(actual, 'utf8');
  return expectedBytes.length === actualBytes.length && timingSafeEqual(expectedBytes, actualBytes);
}

/**
 * True when `password` matches `hash`. Passwords are compared as their UTF-8 bytes, as htpasswd hashes them.
 * `{SHA}` is an unsalted SHA-1 (`htpasswd -s`): accepted for old files, never recommended.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  switch (formatOf(hash)) {
    case 'bcrypt':
      // bcryptjs reads "$2y$" as "$2b$"; both mean the fixed algorithm, so htpasswd -B output verifies as is.
      return bcrypt.compare(password, hash);
    case 'apr1':
      return sameText(hash, apr1Hash(password, apr1SaltOf(hash) ?? ''));
    case 'sha1':
      return sameText(hash, `{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`);
    default:
      return false;
  }
}
