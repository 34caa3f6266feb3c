import { InvalidOptionError } from '@ftp/plugin-api';
import { bytesFrom, chunksOf, createTestPluginContext, noAbort, storageCodeOf } from '@ftp/plugin-api/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, createStorageConnector } from '../src/index.ts';

const context = createTestPluginContext();
const write = (text: string) => chunksOf(bytesFrom(text));

describe('memory storage example', () => {
  it('refuses an upload beyond maxBytes with EDQUOT and keeps the previous content', async () => {
    const session = await createMemoryStorage({ maxBytes: 10 }).openSession({ username: 'alice' }, context);
    await session.write('/a.txt', write('12345'), { ...noAbort, offset: 0 });
    expect(await storageCodeOf(() => session.write('/b.txt', write('123456'), { ...noAbort, offset: 0 }))).toBe('EDQUOT');
    // Replacing a file counts only the difference.
    await session.write('/a.txt', write('1234567890'), { ...noAbort, offset: 0 });
    expect((await session.stat('/a.txt', noAbort)).size).toBe(10);
    await session.delete('/a.txt', noAbort);
    await session.write('/b.txt', write('123456'), { ...noAbort, offset: 0 });
  });

  it('shares one tree between users by default and separates them with perUser', async () => {
    for (const [perUser, bobSees] of [
      [false, ['shared.txt']],
      [true, []],
    ] as const) {
      const storage = createMemoryStorage({ perUser });
      const alice = await storage.openSession({ username: 'alice' }, context);
      const bob = await storage.openSession({ username: 'bob' }, context);
      await alice.write('/shared.txt', write('x'), { ...noAbort, offset: 0 });
      const names: string[] = [];
      for await (const entry of bob.list('/', noAbort)) names.push(entry.name);
      expect(names).toEqual(bobSees);
    }
  });

  it('refuses a directory moved into itself with EACCES', async () => {
    const session = await createMemoryStorage().openSession({ username: 'alice' }, context);
    await session.makeDirectory('/outer', noAbort);
    expect(await storageCodeOf(() => session.rename!('/outer', '/outer/inner', noAbort))).toBe('EACCES');
  });

  it('names the faulty option in InvalidOptionError, as ftp-server reports it under storageConfig', () => {
    expect(() => createStorageConnector({ maxBytes: -1 })).toThrow(InvalidOptionError);
    expect(() => createStorageConnector({ maxbytes: 5 })).toThrow(/maxbytes: unknown option/);
    expect(createStorageConnector({ name: 'ram' })).toMatchObject({ specificationVersion: 'v1', name: 'ram' });
  });
});
