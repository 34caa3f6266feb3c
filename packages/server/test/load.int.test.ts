import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsStorage } from '@ftp/storage-fs';
import { eventually, tempDirectory, rawSession } from '@ftp/test-utils';
import { connectClient, downloadBuffer, sha256, startServer, uploadBuffer } from './support/index.ts';

/** Runs `task(0..count-1)` with at most `concurrency` running at once. */
async function inParallel(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('load', () => {
  it('survives 200 rapid connect/QUIT cycles and drains to zero sessions', { timeout: 60_000 }, async () => {
    const { server, port } = await startServer({ maxSessionsPerIp: 1_000 });
    let connects = 0;
    let disconnects = 0;
    server.on('connect', () => connects++);
    server.on('disconnect', () => disconnects++);
    const goodbyes: number[] = [];
    await inParallel(200, 20, async () => {
      const session = await rawSession(port);
      expect((await session.read()).code).toBe(220);
      goodbyes.push((await session.command('QUIT')).code);
      await session.closed;
    });
    expect(goodbyes).toEqual(Array.from({ length: 200 }, () => 221));
    await eventually(() => server.sessionCount === 0, 'every session to end');
    expect(connects).toBe(200);
    await eventually(() => disconnects === 200, 'every disconnect event');
    const client = await connectClient(port);
    expect(await client.pwd()).toBe('/');
  });

  it('serves 50 concurrent sessions each uploading and downloading a distinct 1 MiB file', { timeout: 120_000 }, async () => {
    const root = await tempDirectory();
    const { server, port } = await startServer({ storage: createFsStorage({ root, fsync: false }) });
    const files = Array.from({ length: 50 }, (_, index) => ({ name: `file-${index}.bin`, content: randomBytes(1024 * 1024) }));
    const downloaded = await Promise.all(
      files.map(async ({ name, content }) => {
        const client = await connectClient(port);
        await uploadBuffer(client, name, content);
        const back = await downloadBuffer(client, name);
        client.close();
        return sha256(back);
      }),
    );
    expect(downloaded).toEqual(files.map(({ content }) => sha256(content)));
    expect((await readdir(root)).sort()).toEqual(files.map(({ name }) => name).sort());
    for (const { name, content } of files) expect(sha256(await readFile(join(root, name)))).toBe(sha256(content));
    await eventually(() => server.sessionCount === 0, 'every session to end');
    expect(server.passivePortsInUse).toBe(0);
  });
});
