import { silentLogger } from '@ftp/plugin-api';
import { runStorageConformance } from '@ftp/plugin-api/testing';
import type { StorageConnectorV1 } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage.ts';
import { chrootStorage } from './chroot-storage.ts';

const context = {
  sessionId: 's',
  remoteAddress: '127.0.0.1',
  localAddress: '127.0.0.1',
  secure: false,
  signal: new AbortController().signal,
  logger: silentLogger,
};
const options = { signal: context.signal };

describe('chrootStorage', () => {
  it('maps the user root to the directory and names it "/"', async () => {
    const inner = await createMemoryStorage({ files: { '/users/alice/a.txt': 'A', '/users/bob/b.txt': 'B', '/top.txt': 'T' } }).openSession(
      { username: 'x' },
      context,
    );
    const session = chrootStorage(inner, '/users/alice/');
    expect((await session.stat('/', options)).name).toBe('/');
    const names: string[] = [];
    for await (const entry of session.list('/', options)) names.push(entry.name);
    expect(names).toEqual(['a.txt']);
    await expect(session.stat('/top.txt', options)).rejects.toMatchObject({ storageCode: 'ENOENT' });
    expect(chrootStorage(inner, '/')).toBe(inner);
  });
});

/** The whole storage contract still holds inside a chroot (a fresh storage for every test, as the kit requires). */
function chrootedMemoryStorage(): StorageConnectorV1 {
  const inner = createMemoryStorage({ files: { '/jail/.keep': '', '/outside.txt': 'not for the jailed user' } });
  return {
    specificationVersion: 'v1',
    name: 'chrooted-memory',
    async openSession(user, pluginContext) {
      const session = await inner.openSession(user, pluginContext);
      await session.delete('/jail/.keep', options).catch(() => {});
      return chrootStorage(session, '/jail');
    },
  };
}
runStorageConformance('chroot over memory', async () => ({ connector: chrootedMemoryStorage() }));
