import { execFile, execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryKindOf } from './entry-visibility.ts';
import { fieldsPerEntry, lstatInWorker, type ListedBatch } from './list-worker.ts';

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

/** The kind and size the worker reported for each name, read back by the connector's visibility rule. */
function kindsOf(batch: ListedBatch): Array<[string, string, number]> {
  return batch.names.map((name, index) => [
    name,
    entryKindOf(batch.facts[index * fieldsPerEntry]!),
    batch.facts[index * fieldsPerEntry + 1]!,
  ]);
}

describe('lstatInWorker', () => {
  it('reports the lstat facts of each name, in the order given', async () => {
    const batch = await lstatInWorker(root, ['folder', 'file.txt']);
    expect(kindsOf(batch).map(([name, kind]) => [name, kind])).toEqual([
      ['folder', 'directory'],
      ['file.txt', 'file'],
    ]);
    expect(kindsOf(batch)[1]![2]).toBe(5);
    expect(batch.facts[1 * fieldsPerEntry + 2]).toBeGreaterThan(0); // mtime
  });

  it('reports links as links, never following them, and what vanished or is no file as such', async () => {
    await symlink(join(base, 'outside.txt'), join(root, 'escape'));
    await symlink('file.txt', join(root, 'inside-link'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const batch = await lstatInWorker(root, ['escape', 'gone', 'pipe', 'inside-link']);
    expect(kindsOf(batch).map(([name, kind]) => [name, kind])).toEqual([
      ['escape', 'link'],
      ['gone', 'hidden'],
      ['pipe', 'hidden'],
      ['inside-link', 'link'],
    ]);
  });

  it('reads names through a directory descriptor, as the sessions name directories', async () => {
    const fd = openSync(root, 'r');
    try {
      const batch = await lstatInWorker(`/proc/${process.pid}/fd/${fd}`, ['file.txt']);
      expect(kindsOf(batch)).toEqual([['file.txt', 'file', 5]]);
    } finally {
      closeSync(fd);
    }
  });

  it('returns nothing for no names (the directory itself is never an entry)', async () => {
    expect((await lstatInWorker(root, [])).names).toEqual([]);
  });

  it('keeps names with spaces, unicode and backslashes intact across the thread boundary', async () => {
    const names = ['a b.txt', 'ünï cødé.txt', 'back\\slash.txt'];
    for (const name of names) await writeFile(join(root, name), name);
    const batch = await lstatInWorker(root, names);
    expect(kindsOf(batch).map(([name, , size]) => [name, size])).toEqual(names.map((name) => [name, Buffer.byteLength(name)]));
  });

  it('serves many listings at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => lstatInWorker(root, ['file.txt', 'folder'])));
    for (const batch of results) expect(kindsOf(batch).map(([name]) => name)).toEqual(['file.txt', 'folder']);
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
