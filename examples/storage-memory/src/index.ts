import { InvalidOptionError, type AuthenticatedUser, type StorageConnectorV1 } from '@ftp/plugin-api';
import { createMemorySession, createVolume, type MemoryVolume } from './memory-session.ts';

/** Options of `createMemoryStorage`. All are optional. */
export interface MemoryStorageOptions {
  /** Connector name in the server's logs. Default "memory". */
  readonly name?: string;
  /** Give each user name a tree of its own instead of one tree shared by every user. Default false. */
  readonly perUser?: boolean;
  /** Most bytes the files of one tree may hold; an upload beyond it fails with 552 (EDQUOT). Default 64 MiB. */
  readonly maxBytes?: number;
}

const optionKeys: ReadonlySet<string> = new Set(['name', 'perUser', 'maxBytes']);

function validate(options: MemoryStorageOptions): Required<MemoryStorageOptions> {
  for (const key of Object.keys(options)) {
    if (!optionKeys.has(key)) throw new InvalidOptionError(key, `unknown option; expected one of ${[...optionKeys].join(', ')}`);
  }
  const { name = 'memory', perUser = false, maxBytes = 64 * 1024 * 1024 } = options;
  if (typeof name !== 'string' || name === '') throw new InvalidOptionError('name', 'must be a non-empty string');
  if (typeof perUser !== 'boolean') throw new InvalidOptionError('perUser', 'must be true or false');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new InvalidOptionError('maxBytes', 'must be a whole number of bytes, 0 or more');
  return { name, perUser, maxBytes };
}

/**
 * A storage connector that keeps every file in memory: for tests, demos and throw-away drop boxes. Content is lost
 * when the process ends. Implements the required `StorageSessionV1` methods plus `append`, `rename` and
 * `setModifiedTime`; it leaves out `checksum`, so the server answers HASH by reading the file through `read`.
 *
 * @example
 * ```ts
 * import { createFtpServer, createNoAuthAuthenticator } from '@ftp/server';
 * import { createMemoryStorage } from 'ftp-storage-memory-example';
 *
 * const server = createFtpServer({ authenticator: createNoAuthAuthenticator(), storage: createMemoryStorage() });
 * ```
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): StorageConnectorV1 {
  const { name, perUser, maxBytes } = validate(options);
  const volumes = new Map<string, MemoryVolume>();
  const volumeFor = (user: AuthenticatedUser): MemoryVolume => {
    const key = perUser ? user.username : '';
    let volume = volumes.get(key);
    if (volume === undefined) {
      volume = createVolume(maxBytes);
      volumes.set(key, volume);
    }
    return volume;
  };
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name,
    async openSession(user: AuthenticatedUser) {
      return createMemorySession(volumeFor(user));
    },
    /** Memory is always there: ready whenever the process runs. */
    async checkHealth() {},
    async close() {
      volumes.clear();
    },
  });
}

/**
 * The entry point `ftp-server` looks for when a config names this package as `storageConnector`: it receives
 * `storageConfig` as `config`.
 */
export function createStorageConnector(config: Readonly<Record<string, unknown>>): StorageConnectorV1 {
  return createMemoryStorage(config as MemoryStorageOptions);
}
