import type { StorageConnectorV1, StorageSessionV1 } from '@ftp/plugin-api';
import { createMemoryStorage, type MemoryStorageOptions } from './memory-storage.ts';

/**
 * A memory storage whose sessions record the name of every storage call, in order, for tests that prove which calls a
 * command makes (none before a refusal, no `stat` before a RETR that the storage's `read` answers on its own).
 */
export function createCountingStorage(options: MemoryStorageOptions = {}): { connector: StorageConnectorV1; calls: string[] } {
  const inner = createMemoryStorage(options);
  const calls: string[] = [];
  const connector: StorageConnectorV1 = {
    specificationVersion: 'v1',
    name: 'counting',
    async openSession(user, context) {
      const session = await inner.openSession(user, context);
      return new Proxy(session, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(property));
            return (value as (...parameters: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as StorageSessionV1;
    },
  };
  return { connector, calls };
}
