import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '@ftp/plugin-api';
import { createFsStorage } from './index.ts';

describe('createFsStorage checkHealth', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'storage-fs-health-'));
  });
  afterEach(async () => {
    await chmod(base, 0o700).catch(() => {});
    await rm(base, { recursive: true, force: true });
  });

  it('passes for a readable root and for the directory above {user}', async () => {
    await expect(createFsStorage({ root: base }).checkHealth!()).resolves.toBeUndefined();
    await expect(createFsStorage({ root: join(base, 'homes', '{user}') }).checkHealth!()).resolves.toBeUndefined();
  });

  it('fails with EUNAVAILABLE when the root is gone and may not be created', async () => {
    const missing = join(base, 'gone');
    const error = await createFsStorage({ root: missing, createRoot: false }).checkHealth!().catch((caught: unknown) => caught);
    expect(StorageError.isInstance(error) && error.storageCode).toBe('EUNAVAILABLE');
    await mkdir(missing);
    await expect(createFsStorage({ root: missing, createRoot: false }).checkHealth!()).resolves.toBeUndefined();
  });

  it.skipIf(process.getuid?.() === 0)('fails when the root cannot be read', async () => {
    await chmod(base, 0o000);
    await expect(createFsStorage({ root: base }).checkHealth!()).rejects.toThrow(/not usable/);
  });
});
