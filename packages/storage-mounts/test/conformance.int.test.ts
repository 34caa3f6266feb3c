import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { StorageConnectorV1 } from '@ftp/plugin-api';
import { runStorageConformance } from '@ftp/plugin-api/testing';
import { createFsStorage } from '@ftp/storage-fs';
import { createS3Storage } from '@ftp/storage-s3';
import { deletePrefix, prefixOf, startTestS3, type TestS3 } from '@ftp/test-utils/s3';
import { openConfinedSession } from '../src/confined-session.ts';
import { createMountedStorage } from '../src/index.ts';

// The storage contract kit against the mounted tree. The kit owns "/" of the session it checks and lists it exactly,
// so with two mounts it checks the tree from the second mount's point down ("/archive" is the kit's "/"): every call
// goes through the mounted session's routing into that mount, while "/" stays on the other store. With "/" alone
// it also checks that the user's root directory jails the "/" mount.

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  await s3?.stop();
});

/** The connector seen from `mountPath` down, as the server sees a connector it must confine by a path prefix. */
function fromMountPoint(connector: StorageConnectorV1, mountPath: string): StorageConnectorV1 {
  const { appliesRootDirectory: _applied, ...unconfined } = connector;
  return {
    ...unconfined,
    openSession: (user, context) => openConfinedSession(unconfined, user, mountPath, context),
  };
}

async function fsDirectory(): Promise<{ readonly root: string; readonly remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'storage-mounts-conformance-'));
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

const checksums = ['SHA-256', 'CRC32'] as const;

runStorageConformance(
  'mounts: fs at "/" alone',
  async () => {
    const disk = await fsDirectory();
    return {
      connector: createMountedStorage({ mounts: { '/': createFsStorage({ root: disk.root, recordChecksums: checksums }) } }),
      user: { username: 'alice' },
      cleanup: disk.remove,
    };
  },
  { largeFileBytes: 8 * 1024 * 1024 },
);

runStorageConformance(
  'mounts: fs at "/", fs at "/archive" (checked from "/archive")',
  async () => {
    const [home, archive] = [await fsDirectory(), await fsDirectory()];
    const mounted = createMountedStorage({
      mounts: {
        '/': createFsStorage({ root: home.root }),
        '/archive': createFsStorage({ root: archive.root, recordChecksums: checksums }),
      },
    });
    return {
      connector: fromMountPoint(mounted, '/archive'),
      user: { username: 'alice' },
      cleanup: async () => {
        await home.remove();
        await archive.remove();
      },
    };
  },
  { largeFileBytes: 8 * 1024 * 1024 },
);

runStorageConformance(
  'mounts: fs at "/", S3 at "/archive" (checked from "/archive")',
  async () => {
    const home = await fsDirectory();
    const options = s3.options();
    const mounted = createMountedStorage({
      mounts: { '/': createFsStorage({ root: home.root }), '/archive': createS3Storage(options) },
    });
    return {
      connector: fromMountPoint(mounted, '/archive'),
      user: { username: 'alice' },
      cleanup: async () => {
        await home.remove();
        await deletePrefix(s3, prefixOf(options));
      },
    };
  },
  {
    // The tree offers MFMT, SITE CHMOD and AVBL because the fs mount has them; the S3 mount answers them 502, which
    // mounted-session.int.test.ts and the client tests check. The kit expects an offered method to work everywhere.
    skip: ['set-modified-time', 'set-mode', 'free-space'],
    largeFileBytes: 8 * 1024 * 1024,
    largeDirectoryEntries: 1100,
  },
);
