import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ChecksumAlgorithm } from './storage-connector-v1.ts';

/** Every algorithm `checksum` may be asked for, in the order FEAT lists them (draft-bryan-ftpext-hash §3.1). */
export const checksumAlgorithms: readonly ChecksumAlgorithm[] = Object.freeze(['SHA-1', 'SHA-256', 'SHA-512', 'MD5', 'CRC32']);

/** A digest fed chunk by chunk, so content of any size is hashed in bounded memory. */
export interface ChecksumDigest {
  update(chunk: Uint8Array): void;
  /** The digest in the form `checksum` returns: lower-case hex; CRC32 as 8 digits, big-endian. Call once. */
  digest(): string;
}

const nodeHashNames = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512', MD5: 'md5' } as const satisfies Record<
  Exclude<ChecksumAlgorithm, 'CRC32'>,
  string
>;

class HashDigest implements ChecksumDigest {
  readonly #hash: Hash;
  constructor(name: string) {
    this.#hash = createHash(name);
  }
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  digest(): string {
    return this.#hash.digest('hex');
  }
}

class Crc32Digest implements ChecksumDigest {
  #value = 0;
  update(chunk: Uint8Array): void {
    this.#value = crc32(chunk, this.#value);
  }
  digest(): string {
    return (this.#value >>> 0).toString(16).padStart(8, '0');
  }
}

/**
 * A streaming digest of `algorithm` in exactly the form `StorageSessionV1.checksum` must return, for a connector that
 * records checksums as uploads pass through it and for the server, which hashes through `read` otherwise.
 */
export function createChecksumDigest(algorithm: ChecksumAlgorithm): ChecksumDigest {
  return algorithm === 'CRC32' ? new Crc32Digest() : new HashDigest(nodeHashNames[algorithm]);
}

/** True when `value` names an algorithm of `checksumAlgorithms` exactly (as HASH and OPTS HASH spell them). */
export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(value);
}
