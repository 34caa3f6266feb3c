import { createHash } from 'node:crypto';

/** The 64 characters of crypt(3)'s base-64 alphabet, in order. It is not RFC 4648 base64. */
const cryptAlphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const magic = '$apr1$';

const md5 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** `count` characters of the crypt alphabet for the low bits of `value`, least significant first. */
function encode24(value: number, count: number): string {
  let text = '';
  for (let index = 0; index < count; index += 1) {
    text += cryptAlphabet[(value >>> (6 * index)) & 0x3f];
  }
  return text;
}

/** The 16 digest bytes in md5-crypt's fixed order: five groups of three bytes, then one byte on its own. */
function encodeDigest(digest: Uint8Array): string {
  const byte = (index: number) => digest[index] ?? 0;
  const groups: ReadonlyArray<readonly [number, number, number]> = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  let text = '';
  for (const [high, middle, low] of groups) text += encode24((byte(high) << 16) | (byte(middle) << 8) | byte(low), 4);
  return text + encode24(byte(11), 2);
}

/**
 * Apache's "$apr1$" variant of Poul-Henning Kamp's md5-crypt: the FreeBSD algorithm with another magic string, as
 * `htpasswd -m` writes it. Returns the full "$apr1$salt$digest" string for `password` and `salt` (at most 8
 * characters are used; the salt ends at the first "$").
 */
export function apr1Hash(password: string, salt: string): string {
  const usedSalt = salt.split('$')[0]?.slice(0, 8) ?? '';
  const secret = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(usedSalt, 'utf8');
  const magicBytes = Buffer.from(magic, 'utf8');

  const alternate = md5(secret, saltBytes, secret);
  const context = createHash('md5').update(secret).update(magicBytes).update(saltBytes);
  for (let remaining = secret.length; remaining > 0; remaining -= 16) context.update(alternate.subarray(0, Math.min(remaining, 16)));
  // For every bit of the password's length: a zero byte for a 1 bit, the password's first byte for a 0 bit (a quirk
  // of the original C code, kept by every implementation since; an empty password has a NUL "first byte").
  for (let length = secret.length; length > 0; length >>>= 1) {
    context.update((length & 1) === 1 ? Buffer.of(0) : Buffer.of(secret[0] ?? 0));
  }
  let digest: Uint8Array = context.digest();

  // 1,000 rounds meant to slow down guessing (cheap today; prefer bcrypt for new entries).
  for (let round = 0; round < 1000; round += 1) {
    const parts: Uint8Array[] = [(round & 1) === 1 ? secret : digest];
    if (round % 3 !== 0) parts.push(saltBytes);
    if (round % 7 !== 0) parts.push(secret);
    parts.push((round & 1) === 1 ? digest : secret);
    digest = md5(...parts);
  }
  return `${magic}${usedSalt}$${encodeDigest(digest)}`;
}

/** The salt of an "$apr1$salt$digest" hash, or undefined when `hash` is not one. */
export function apr1SaltOf(hash: string): string | undefined {
  const match = /^\$apr1\$([^$]{0,8})\$[./0-9A-Za-z]{22}$/.exec(hash);
  return match?.[1];
}
