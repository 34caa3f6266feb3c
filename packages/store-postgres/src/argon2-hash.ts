import { InvalidOptionError } from '@ftp/plugin-api';

/** The parts of an argon2id hash in the PHC string format: `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`. */
export interface Argon2idHash {
  readonly algorithm: 'argon2id';
  /** Memory in KiB. */
  readonly memorySize: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const hashPattern = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

// One verification may use at most 256 MiB and 10 passes: enough for every published recommendation (RFC 9106's
// second choice is 64 MiB, t=3; OWASP's is 19 MiB, t=2), and a mistyped row cannot take the host's memory.
const limits = {
  memorySize: { min: 8, max: 256 * 1024 },
  iterations: { min: 1, max: 10 },
  parallelism: { min: 1, max: 16 },
} as const;

/** True when `hashString` is in the argon2id format (whether or not its parameters are valid). */
export function isArgon2idHash(hashString: string): boolean {
  return hashString.startsWith('$argon2id$');
}

/**
 * Parses an argon2id PHC string of version 19 (0x13, the version of RFC 9106); throws `InvalidOptionError` (for
 * `option`) naming the fault. Hashes made with a secret key (a pepper) cannot be verified and are refused by their
 * extra parameters.
 */
export function parseArgon2idHash(hashString: string, option: string): Argon2idHash {
  const match = hashPattern.exec(hashString);
  if (match === null) {
    throw new InvalidOptionError(option, 'must look like "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt base64>$<hash base64>"');
  }
  const [, version, memorySize, iterations, parallelism, salt, hash] = match as unknown as string[];
  if (version !== '19') throw new InvalidOptionError(option, `only argon2 version 19 is supported, got v=${version}`);
  const parsed: Argon2idHash = {
    algorithm: 'argon2id',
    memorySize: checkParameter('memorySize', Number(memorySize), option),
    iterations: checkParameter('iterations', Number(iterations), option),
    parallelism: checkParameter('parallelism', Number(parallelism), option),
    salt: Buffer.from(salt!, 'base64'),
    hash: Buffer.from(hash!, 'base64'),
  };
  if (parsed.memorySize < 8 * parsed.parallelism) throw new InvalidOptionError(option, 'argon2 memory must be at least 8 KiB per lane');
  if (parsed.salt.length < 8) throw new InvalidOptionError(option, 'the argon2 salt must be at least 8 bytes');
  if (parsed.hash.length < 16 || parsed.hash.length > 64) throw new InvalidOptionError(option, 'the argon2 hash must be 16 to 64 bytes');
  return parsed;
}

function checkParameter(name: keyof typeof limits, value: number, option: string): number {
  const { min, max } = limits[name];
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `argon2 ${name} must be from ${min} to ${max}, got ${value}`);
  }
  return value;
}
