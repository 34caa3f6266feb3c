import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statInWorker } from './list-worker.ts';

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'storage-fs-list-worker-'));
  root = join(base, 'root');
  await mkdir(join(root, 'folder'), { recursive: true });
  await writeFile(join(root, 'file.txt'), '12345');
  await writeFile(join(base, 'outside.txt'), 'secret');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('statInWorker', () => {
  it('stats files and directories, in the order given', async () => {
    const entries = (await statInWorker(root, root, ['folder', 'file.txt']))();
    expect(entries.map((entry) => [entry.name, entry.type])).toEqual([
      ['folder', 'directory'],
      ['file.txt', 'file'],
    ]);
    expect(entries[1]).toMatchObject({ size: 5 });
    expect(entries[1]!.modifiedAt.getTime()).toBeGreaterThan(0);
  });

  it('leaves out what a client must not see: escaping and dangling links, vanished entries, FIFOs', async () => {
    await symlink(join(base, 'outside.txt'), join(root, 'escape'));
    await symlink('missing', join(root, 'dangling'));
    await symlink('file.txt', join(root, 'inside-link'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const entries = (await statInWorker(root, root, ['escape', 'dangling', 'gone', 'pipe', 'inside-link']))();
    expect(entries.map((entry) => [entry.name, entry.type, entry.size])).toEqual([['inside-link', 'file', 5]]);
  });

  it('returns nothing for no names (the directory itself is never an entry)', async () => {
    expect((await statInWorker(root, root, []))()).toEqual([]);
  });

  it('keeps names with spaces, unicode and backslashes intact across the thread boundary', async () => {
    const names = ['a b.txt', 'ünï cødé.txt', 'back\\slash.txt'];
    for (const name of names) await writeFile(join(root, name), name);
    const entries = (await statInWorker(root, root, names))();
    expect(entries.map((entry) => [entry.name, entry.size])).toEqual(names.map((name) => [name, Buffer.byteLength(name)]));
  });

  it('serves many listings at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => statInWorker(root, root, ['file.txt', 'folder'])));
    for (const entries of results) expect(entries().map((entry) => entry.name)).toEqual(['file.txt', 'folder']);
  });
});

describe('the listing workers', () => {
  it('do not keep the process alive once the listing is done', async () => {
    // The built package, as users run it (pnpm test builds before testing).
    const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { createFsStorage } = await import(${JSON.stringify(built)});
      const context = { signal: new AbortController().signal, logger: { debug() {}, info() {}, warn() {}, error() {} } };
      const session = await createFsStorage({ root: ${JSON.stringify(root)}, createRoot: false }).openSession({ username: 'u' }, context);
      let count = 0;
      for await (const entry of session.list('/', { signal: context.signal })) count++;
      console.log(count);`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, stdout) =>
        error === null ? resolve(stdout) : reject(error),
      );
    });
    expect(output.trim()).toBe('2');
  });
});
