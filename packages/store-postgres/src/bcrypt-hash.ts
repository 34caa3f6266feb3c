import { InvalidOptionError } from '@ftp/plugin-api';

/** The parts of a `$2a$`, `$2b$` or `$2y$` bcrypt hash (the modular crypt format of OpenBSD and crypt_blowfish). */
export interface BcryptHash {
  readonly algorithm: 'bcrypt';
  /** log2 of the number of key expansion rounds. */
  readonly cost: number;
  /** 16 bytes. */
  readonly salt: Uint8Array;
  /** The 23 bytes the string encodes (bcrypt's 24-byte output without its last byte, as every implementation stores it). */
  readonly hash: Uint8Array;
}

/**
 * bcrypt's own base64 alphabet. `$2b$` (OpenBSD, after the 2014 length bug) and `$2y$` (crypt_blowfish after the
 * 2011 sign-extension bug) compute the same thing for passwords of at most 72 bytes; `$2a$` does too with every
 * current implementation, so all three verify alike. `$2x$` (the buggy crypt_blowfish mode) is refused.
 */
const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const hashPattern = /^\$2[aby]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/**
 * Costs past 16 would let one mistyped row hold a verification thread for seconds per login; real installations use
 * 10 to 14.
 */
export const maxBcryptCost = 16;
const minBcryptCost = 4;

/** The longest password bcrypt reads; it ignores everything after it. */
export const maxBcryptPasswordBytes = 72;

/** True when `hashString` is in a bcrypt format (whether or not its parameters are valid). */
export function isBcryptHash(hashString: string): boolean {
  return /^\$2[abxy]\$/.test(hashString);
}

/** Parses a bcrypt hash; throws `InvalidOptionError` (for `option`) naming the fault. */
export function parseBcryptHash(hashString: string, option: string): BcryptHash {
  const match = hashPattern.exec(hashString);
  if (match === null) throw new InvalidOptionError(option, 'must look like "$2b$12$<22 characters of salt><31 characters of hash>"');
  const [, cost, salt, hash] = match as unknown as [string, string, string, string];
  const rounds = Number(cost);
  if (rounds < minBcryptCost || rounds > maxBcryptCost) {
    throw new InvalidOptionError(option, `the bcrypt cost must be from ${minBcryptCost} to ${maxBcryptCost}, got ${rounds}`);
  }
  return { algorithm: 'bcrypt', cost: rounds, salt: decodeBcryptBase64(salt, 16), hash: decodeBcryptBase64(hash, 23) };
}

/** Decodes `byteLength` bytes of bcrypt's base64 (standard bit order, its own alphabet, no padding). */
function decodeBcryptBase64(text: string, byteLength: number): Uint8Array {
  const bytes = new Uint8Array(byteLength);
  let bits = 0;
  let bitCount = 0;
  let written = 0;
  for (const character of text) {
    bits = (bits << 6) | alphabet.indexOf(character);
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      if (written < byteLength) bytes[written++] = (bits >> bitCount) & 0xff;
    }
  }
  return bytes;
}
