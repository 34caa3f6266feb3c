import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InvalidOptionError } from '../errors/plugin-errors.ts';

/** Cost parameters of a scrypt password hash. */
export interface PasswordHashOptions {
  /** log2 of the CPU/memory cost N. Default 15 (N = 32768, about 32 MiB and tens of milliseconds per hash). */
  readonly logCost?: number;
  /** Block size r. Default 8. */
  readonly blockSize?: number;
  /** Parallelisation p. Default 1. */
  readonly parallelization?: number;
}

/** The parts of a `$scrypt$ln=..,r=..,p=..$salt$hash` string. */
export interface ParsedPasswordHash {
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

// Bounds keep a hostile or mistyped users file from asking for gigabytes of memory per login.
const limits = {
  logCost: { min: 1, max: 20 },
  blockSize: { min: 1, max: 32 },
  parallelization: { min: 1, max: 16 },
} as const;

const hashPattern = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

// The one password format of the project's authenticators (the server's users file, `ftp-server hash-password`, the
// PostgreSQL users table), here so that every authenticator verifies a hash the same way and a hash moves between
// them unchanged.

/**
 * Hashes a password with a random 16-byte salt using scrypt, returning a self-describing string
 * `$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>` suitable for a users file. Runs on the libuv thread pool, so
 * the event loop is not blocked. Throws `InvalidOptionError` for cost parameters out of range and for a password
 * that contains NUL (which `verifyPassword` never matches).
 */
export async function hashPassword(password: string, options: PasswordHashOptions = {}): Promise<string> {
  // verifyPassword never matches such a password (see there); refuse to make a hash nobody can log in with.
  if (password.includes('\0')) throw new InvalidOptionError('password', 'must not contain a NUL character (U+0000)');
  const logCost = checkParameter('logCost', options.logCost ?? defaultLogCost);
  const blockSize = checkParameter('blockSize', options.blockSize ?? defaultBlockSize);
  const parallelization = checkParameter('parallelization', options.parallelization ?? defaultParallelization);
  const salt = randomBytes(saltBytes);
  const hash = await deriveKey(password, { logCost, blockSize, parallelization, salt }, hashBytes);
  return formatPasswordHash({ logCost, blockSize, parallelization, salt, hash });
}

/**
 * True when `password` matches `hash` (a string made by `hashPassword`). The comparison is constant-time
 * (`crypto.timingSafeEqual`). Throws `InvalidOptionError` when `hash` is not a valid scrypt hash string, because
 * that is a configuration error, not a wrong password. A password that contains NUL never matches.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return verifyParsedPassword(password, parsePasswordHash(hash));
}

/** `verifyPassword` against a hash already parsed (by `parsePasswordHash`), as a users table or file keeps it. */
export async function verifyParsedPassword(password: string, parsed: ParsedPasswordHash): Promise<boolean> {
  const derived = await deriveKey(password, parsed, parsed.hash.length);
  // scrypt keys HMAC-SHA-256 with the password, and HMAC pads a key shorter than its 64-byte block with zero bytes,
  // so "secret" and "secret\0" derive the same hash. A password with a NUL never matches: no FTP line carries one
  // (the parser refuses it), and the comparison must be byte for byte. Still derived first, to take the same time.
  return timingSafeEqual(derived, parsed.hash) && !password.includes('\0');
}

/** Parses and range-checks a hash string; throws `InvalidOptionError` (option "passwordHash") naming the fault. */
export function parsePasswordHash(hash: string, option = 'passwordHash'): ParsedPasswordHash {
  const match = hashPattern.exec(hash);
  if (match === null) {
    throw new InvalidOptionError(option, 'must look like "$scrypt$ln=15,r=8,p=1$<salt base64>$<hash base64>"');
  }
  const [, logCost, blockSize, parallelization, salt, derived] = match as unknown as [string, string, string, string, string, string];
  const parsed: ParsedPasswordHash = {
    logCost: checkParameter('logCost', Number(logCost), option),
    blockSize: checkParameter('blockSize', Number(blockSize), option),
    parallelization: checkParameter('parallelization', Number(parallelization), option),
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(derived, 'base64'),
  };
  if (parsed.salt.length < 8) throw new InvalidOptionError(option, 'salt must be at least 8 bytes');
  if (parsed.hash.length < 16 || parsed.hash.length > 64) {
    throw new InvalidOptionError(option, 'hash must be 16 to 64 bytes');
  }
  return parsed;
}

/** Formats hash parts as `$scrypt$ln=..,r=..,p=..$salt$hash` (standard base64 without padding). */
export function formatPasswordHash(parts: ParsedPasswordHash): string {
  const encode = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${parts.logCost},r=${parts.blockSize},p=${parts.parallelization}$${encode(parts.salt)}$${encode(parts.hash)}`;
}

/**
 * A hash with the same cost as `like` (or the default cost) that no password matches: verifying against it takes
 * as long as verifying a real user's password, so unknown user names cannot be told apart by timing.
 */
export function createDummyPasswordHash(like?: ParsedPasswordHash): string {
  return formatPasswordHash({
    logCost: like?.logCost ?? defaultLogCost,
    blockSize: like?.blockSize ?? defaultBlockSize,
    parallelization: like?.parallelization ?? defaultParallelization,
    salt: randomBytes(saltBytes),
    hash: randomBytes(like?.hash.length ?? hashBytes),
  });
}

function checkParameter(name: keyof typeof limits, value: number, option?: string): number {
  const { min, max } = limits[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option ?? name, `${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function deriveKey(password: string, parameters: Omit<ParsedPasswordHash, 'hash'>, keyLength: number): Promise<Buffer> {
  const cost = 2 ** parameters.logCost;
  const options: ScryptOptions = {
    N: cost,
    r: parameters.blockSize,
    p: parameters.parallelization,
    // scrypt needs about 128 * N * r bytes; Node's default maxmem (32 MiB) is exactly that for ln=15,r=8 and is
    // rejected, so allow twice the requirement.
    maxmem: 2 * 128 * cost * parameters.blockSize + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), parameters.salt, keyLength, options, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}
