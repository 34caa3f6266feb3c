import { expect } from 'vitest';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { bytesFrom, chunksOf, collect, collectBytes, noAbort, storageCodeOf, textFrom } from './helpers.ts';

/**
 * A user's root directory is a jail (`AuthenticatedUser.rootDirectory`, `StorageConnectorV1.appliesRootDirectory`):
 * a session opened with one sees that directory as "/" and nothing above it, by any method. Connectors that leave
 * the root directory to the server (which prefixes paths) skip this.
 */
export function defineRootDirectoryChecks(fixture: ConformanceFixture): void {
  const { check } = fixture;

  check('root-directory', 'a session opened with a root directory sees it as "/" and nothing above it', async (skip) => {
    if (fixture.connector.appliesRootDirectory !== true) skip('the connector leaves rootDirectory to the server');
    await fixture.session.makeDirectory('/home', noAbort);
    await fixture.session.makeDirectory('/home/alice', noAbort);
    await fixture.session.makeDirectory('/home/bob', noAbort);
    await fixture.writeText('/home/alice/mine.txt', 'alice');
    await fixture.writeText('/home/bob/theirs.txt', 'bob');
    await fixture.writeText('/top.txt', 'top');

    const alice = await fixture.openSession({ ...fixture.user, rootDirectory: '/home/alice' });
    expect((await alice.stat('/', noAbort)).type).toBe('directory');
    expect((await collect(alice.list('/', noAbort))).map((entry) => entry.name)).toEqual(['mine.txt']);
    expect(textFrom(await collectBytes(await alice.read('/mine.txt', { ...noAbort, offset: 0 })))).toBe('alice');
    for (const path of ['/top.txt', '/bob/theirs.txt', '/home/bob/theirs.txt', '/alice/mine.txt']) {
      expect(await storageCodeOf(() => alice.stat(path, noAbort))).toBe('ENOENT');
      expect(await storageCodeOf(() => alice.read(path, { ...noAbort, offset: 0 }))).toBe('ENOENT');
      expect(await storageCodeOf(() => alice.delete(path, noAbort))).toBe('ENOENT');
    }
    await alice.write('/new.txt', chunksOf(bytesFrom('written by alice')), { ...noAbort, offset: 0 });
    await alice.makeDirectory('/made', noAbort);
    expect(await fixture.readText('/home/alice/new.txt')).toBe('written by alice');
    expect((await fixture.session.stat('/home/alice/made', noAbort)).type).toBe('directory');
    expect(await fixture.names('/')).toEqual(['home', 'top.txt']);
    expect(await fixture.names('/home/bob')).toEqual(['theirs.txt']);
  });
}
