import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesFrom, chunksOf, createDeferred, neverAbortedSignal } from '@ftp/plugin-api/testing';
import { writeAtomically, writeInPlace } from './atomic-write.ts';
import { DirectoryHandle, entryAddressing, selfOf } from './directory-handle.ts';
import { eventLoopCalls, threadPoolCalls, type FileCalls } from './file-calls.ts';
import { writeBatchBytes } from './write-all.ts';

const prefix = '.ftp-upload-';
let directory: string;
let target: string;

let calls: FileCalls;

const settings = (signal = neverAbortedSignal, exclusive = false) => ({
  signal,
  exclusive,
  fileMode: 0o644,
  temporaryPrefix: prefix,
  fsync: true,
  calls,
});

/** The test directory as the connector holds it: an open handle, entries named through its descriptor. */
function directoryHandle(): DirectoryHandle {
  const fd = openSync(directory, 'r');
  const handle = new DirectoryHandle(fd, [], selfOf(fd, entryAddressing(), directory), closeSync);
  handles.push(handle);
  return handle;
}
const handles: DirectoryHandle[] = [];

async function temporaryFiles(): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.startsWith(prefix));
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'storage-fs-atomic-'));
  target = join(directory, 'target.txt');
  await writeFile(target, 'old content');
});

afterEach(async () => {
  for (const handle of handles.splice(0)) handle.release();
  await rm(directory, { recursive: true, force: true });
});

// Both places the system calls can run (fileSystem "local" and "network") keep the same guarantees.
describe.each([
  ['on the event loop', eventLoopCalls],
  ['in the thread pool', threadPoolCalls],
])('%s', (_where, chosen) => {
  beforeEach(() => {
    calls = chosen;
  });

  describe('writeAtomically', () => {
    it('writes to a hidden temporary file, at most two batches behind the data, then renames it over the target', async () => {
      const sizesSeen: number[] = [];
      const chunkCount = 4;
      async function* data(): AsyncGenerator<Uint8Array> {
        for (let index = 0; index < chunkCount; index++) {
          const [temporary] = await temporaryFiles();
          sizesSeen.push(temporary === undefined ? -1 : (await stat(join(directory, temporary))).size);
          expect(await readFile(target, 'utf8')).toBe('old content');
          yield new Uint8Array(writeBatchBytes).fill(0x61 + index);
        }
      }
      expect(await writeAtomically(directoryHandle(), 'target.txt', data(), settings())).toBe(chunkCount * writeBatchBytes);
      // Bounded memory: when chunk k is pulled, every batch but the one being written is on disk.
      for (let index = 2; index < chunkCount; index++) {
        expect(sizesSeen[index]).toBeGreaterThanOrEqual((index - 1) * writeBatchBytes);
      }
      const stored = await readFile(target);
      expect(stored.byteLength).toBe(chunkCount * writeBatchBytes);
      expect([stored[0], stored[writeBatchBytes], stored.at(-1)]).toEqual([0x61, 0x62, 0x61 + chunkCount - 1]);
      expect(await temporaryFiles()).toEqual([]);
    });

    it('stores many small chunks in order', async () => {
      async function* data(): AsyncGenerator<Uint8Array> {
        for (const part of ['first ', 'second ', 'third']) yield bytesFrom(part);
      }
      expect(await writeAtomically(directoryHandle(), 'target.txt', data(), settings())).toBe(18);
      expect(await readFile(target, 'utf8')).toBe('first second third');
      expect(await temporaryFiles()).toEqual([]);
    });

    it('keeps the old content and removes the temporary file when the data throws midway', async () => {
      async function* data(): AsyncGenerator<Uint8Array> {
        yield bytesFrom('partial');
        throw new Error('connection reset');
      }
      await expect(writeAtomically(directoryHandle(), 'target.txt', data(), settings())).rejects.toThrow('connection reset');
      expect(await readFile(target, 'utf8')).toBe('old content');
      expect(await temporaryFiles()).toEqual([]);
    });

    it('stops at once when the signal aborts while the data is stalled', async () => {
      const controller = new AbortController();
      const firstConsumed = createDeferred();
      async function* data(): AsyncGenerator<Uint8Array> {
        yield bytesFrom('partial');
        firstConsumed.resolve();
        await new Promise(() => {});
      }
      const writing = writeAtomically(directoryHandle(), 'target.txt', data(), settings(controller.signal));
      await firstConsumed.promise;
      controller.abort(new Error('ABOR'));
      await expect(writing).rejects.toThrow('ABOR');
      expect(await readFile(target, 'utf8')).toBe('old content');
      expect(await temporaryFiles()).toEqual([]);
    });

    it('refuses an exclusive write over an existing file and leaves no temporary file', async () => {
      await expect(
        writeAtomically(directoryHandle(), 'target.txt', chunksOf(bytesFrom('new')), settings(neverAbortedSignal, true)),
      ).rejects.toMatchObject({ code: 'EEXIST' });
      expect(await readFile(target, 'utf8')).toBe('old content');
      const fresh = join(directory, 'fresh.txt');
      expect(await writeAtomically(directoryHandle(), 'fresh.txt', chunksOf(bytesFrom('new')), settings(neverAbortedSignal, true))).toBe(3);
      expect(await readFile(fresh, 'utf8')).toBe('new');
      expect(await temporaryFiles()).toEqual([]);
    });
  });

  describe('writeInPlace', () => {
    const options = () => ({ signal: neverAbortedSignal, fsync: false, calls });

    it('cuts the file at the offset and writes from there (REST+STOR)', async () => {
      const fd = openSync(target, 'r+');
      try {
        expect(await writeInPlace(fd, chunksOf(bytesFrom('NEW')), 4, options())).toBe(3);
      } finally {
        closeSync(fd);
      }
      expect(await readFile(target, 'utf8')).toBe('old NEW');
    });

    it('appends at the end of a file opened for appending (APPE)', async () => {
      const fd = openSync(target, 'a');
      try {
        await writeInPlace(fd, chunksOf(bytesFrom('!')), null, options());
      } finally {
        closeSync(fd);
      }
      expect(await readFile(target, 'utf8')).toBe('old content!');
    });
  });
});
