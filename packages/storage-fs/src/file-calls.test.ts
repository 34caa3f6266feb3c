import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callsForRoot, eventLoopCalls, memoryFileSystemCalls, threadPoolCalls } from './file-calls.ts';

const tmpfsType = 0x01021994;
const shm = '/dev/shm';
const shmIsTmpfs = (() => {
  try {
    return statfsSync(shm).type === tmpfsType;
  } catch {
    return false;
  }
})();

describe('callsForRoot', () => {
  it.skipIf(!shmIsTmpfs)('marks a root on tmpfs as one where fsync has nothing to flush', async () => {
    const root = await mkdtemp(join(shm, 'storage-fs-calls-'));
    try {
      expect(callsForRoot(eventLoopCalls, root)).toBe(memoryFileSystemCalls);
      expect(memoryFileSystemCalls.fsyncFlushes).toBe(false);
      const fd = await memoryFileSystemCalls.open(join(root, 'file'), 'w', 0o644);
      await memoryFileSystemCalls.writev(fd, [Buffer.from('data')], 4, 0);
      await memoryFileSystemCalls.fsync(fd);
      await memoryFileSystemCalls.close(fd);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps the thread pool for fsync on any other file system, and every call for network mode', async () => {
    const root = await mkdtemp(join(tmpdir(), 'storage-fs-calls-'));
    try {
      const expected = statfsSync(root).type === tmpfsType ? memoryFileSystemCalls : eventLoopCalls;
      expect(callsForRoot(eventLoopCalls, root)).toBe(expected);
      expect(callsForRoot(threadPoolCalls, root)).toBe(threadPoolCalls);
      expect(callsForRoot(eventLoopCalls, join(root, 'missing'))).toBe(eventLoopCalls);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
