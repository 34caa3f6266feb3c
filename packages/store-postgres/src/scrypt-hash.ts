import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InvalidOptionError } from '@ftp/plugin-api';

// The `$scrypt$ln=..,r=..,p=..$salt$hash` format of @ftp/server's `hashPassword` (and `ftp-server hash-password`),
// written again here over node:crypto because a plugin may not import the server: a hash moves between a users file
// and the users table unchanged, and both sides verify it the same way (NFC-normalised password, NUL never matches).

/** Cost parameters of a scrypt password hash. */
export interface ScryptHashOptions {
  /** log2 of the CPU/memory cost N. Default 15 (N = 32768, about 32 MiB per hash). */
  readonly logCost?: number;
  /** Block size r. Default 8. */
  readonly blockSize?: number;
  /** Parallelisation p. Default 1. */
  readonly parallelization?: number;
}

/** The parts of a `$scrypt$` hash string. */
export interface ScryptHash {
  readonly algorithm: 'scrypt';
  readonly logCost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const defaultLogCost = 15;
const defaultBlockSize = 8;
const defaultParallelization = 1;
const saltBytes = 16;
const hashBytes = 32;

// The server's bounds: a mistyped or hostile row must not ask for gigabytes of memory per login.
const limits = {
  logCost: { min: 1, max: 20 },
  blockSize: { min: 1, max: 32 },
  parallelization: { min: 1, max: 16 },
} as const;

const hashPattern = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/**
 * Hashes a password with scrypt and a random 16-byte salt, in the format of `ftp-server hash-password`. Throws
 * `InvalidOptionError` for cost parameters out of range and for a password that contains NUL (it could never log in).
 */
export async function hashPassword(password: string, options: ScryptHashOptions = {}): Promise<string> {
  if (password.includes('\0')) throw new InvalidOptionError('password', 'must not contain a NUL character (U+0000)');
  const parameters = {
    logCost: checkParameter('logCost', options.logCost ?? defaultLogCost, 'logCost'),
    blockSize: checkParameter('blockSize', options.blockSize ?? defaultBlockSize, 'blockSize'),
    parallelization: checkParameter('parallelization', options.parallelization ?? defaultParallelization, 'parallelization'),
    salt: randomBytes(saltBytes),
  };
  const hash = await deriveKey(password, parameters, hashBytes);
  return formatScryptHash({ algorithm: 'scrypt', ...parameters, hash });
}

/** True when `hashString` is in the scrypt format (whether or not its parameters are valid). */
export function isScryptHash(hashString: string): boolean {
  return hashString.startsWith('$scrypt$');
}

/** Parses and range-checks a `$scrypt$` hash; throws `InvalidOptionError` (for `option`) naming the fault. */
export function parseScryptHash(hashString: string, option: string): ScryptHash {
  const match = hashPattern.exec(hashString);
  if (match === null) throw new InvalidOptionError(option, 'must look like "$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>"');
  const [, logCost, blockSize, parallelization, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const parsed: ScryptHash = {
    algorithm: 'scrypt',
    logCost: checkParameter('logCost', Number(logCost), option),
    blockSize: checkParameter('blockSize', Number(blockSize), option),
    parallelization: checkParameter('parallelization', Number(parallelization), option),
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(hash, 'base64'),
  };
  if (parsed.salt.length < 8) throw new InvalidOptionError(option, 'the scrypt salt must be at least 8 bytes');
  if (parsed.hash.length < 16 || parsed.hash.length > 64) throw new InvalidOptionError(option, 'the scrypt hash must be 16 to 64 bytes');
  return parsed;
}

/**
 * True when `password` matches. Constant-time comparison; a password with NUL never matches, because scrypt keys
 * HMAC-SHA-256 with the password, which pads a short key with zero bytes ("secret" and "secret\0" derive the same
 * hash). It is still derived first, to take the same time.
 */
export async function verifyScrypt(password: string, parsed: ScryptHash): Promise<boolean> {
  const derived = await deriveKey(password, parsed, parsed.hash.length);
  return timingSafeEqual(derived, parsed.hash) && !password.includes('\0');
}

/** A hash of the default cost that no password matches, to spend the same time on a user name that has no row. */
export function createDummyScryptHash(): ScryptHash {
  return {
    algorithm: 'scrypt',
    logCost: defaultLogCost,
    blockSize: defaultBlockSize,
    parallelization: defaultParallelization,
    salt: randomBytes(saltBytes),
    hash: randomBytes(hashBytes),
  };
}

function formatScryptHash(parts: ScryptHash): string {
  const encode = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${parts.logCost},r=${parts.blockSize},p=${parts.parallelization}$${encode(parts.salt)}$${encode(parts.hash)}`;
}

function checkParameter(name: keyof typeof limits, value: number, option: string): number {
  const { min, max } = limits[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function deriveKey(
  password: string,
  parameters: { readonly logCost: number; readonly blockSize: number; readonly parallelization: number; readonly salt: Buffer },
  keyLength: number,
): Promise<Buffer> {
  const cost = 2 ** parameters.logCost;
  const options: ScryptOptions = {
    N: cost,
    r: parameters.blockSize,
    p: parameters.parallelization,
    // scrypt needs about 128 * N * r bytes; Node's default maxmem (32 MiB) is exactly that for ln=15,r=8 and is
    // refused, so allow twice the requirement.
    maxmem: 2 * 128 * cost * parameters.blockSize + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), parameters.salt, keyLength, options, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}
