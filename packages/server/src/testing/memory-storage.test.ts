import { describe, expect, it } from 'vitest';
import { runStorageConformance, createTestPluginContext, noAbort, collectBytes, textFrom } from '@ftp/plugin-api/testing';
import { createMemoryStorage } from './memory-storage.ts';

runStorageConformance('memory', async () => ({ connector: createMemoryStorage() }));

describe('createMemoryStorage', () => {
  it('shares one tree between the sessions of a connector and seeds initial files', async () => {
    const connector = createMemoryStorage({ files: { '/docs/readme.txt': 'hello' } });
    const first = await connector.openSession({ username: 'a' }, createTestPluginContext());
    const second = await connector.openSession({ username: 'b' }, createTestPluginContext());
    await first.makeDirectory('/shared', noAbort);
    expect(await second.stat('/shared', noAbort)).toMatchObject({ type: 'directory' });
    const content = await second.read('/docs/readme.txt', { ...noAbort, offset: 0 });
    expect(textFrom(await collectBytes(content))).toBe('hello');
  });

  it('leaves out the capabilities named in omit', async () => {
    const connector = createMemoryStorage({ omit: ['append', 'checksum'] });
    const session = await connector.openSession({ username: 'a' }, createTestPluginContext());
    expect(session.append).toBeUndefined();
    expect(session.checksum).toBeUndefined();
    expect(typeof session.rename).toBe('function');
    expect(await session.stat('/', noAbort)).toMatchObject({ name: '/', type: 'directory' });
  });
});
