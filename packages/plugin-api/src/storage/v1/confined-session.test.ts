import { describe, expect, it } from 'vitest';
import { confinedSession } from './confined-session.ts';
import type { QuotaFolder } from './quota-folder.ts';
import type { StorageSessionV1 } from './storage-connector-v1.ts';

/** A session that only names quota folders: the confinement maps them without calling anything else. */
function namingFolders(folders: readonly QuotaFolder[]): StorageSessionV1 {
  const unused = () => {
    throw new Error('not called');
  };
  return {
    stat: unused,
    list: unused,
    read: unused,
    write: unused,
    delete: unused,
    makeDirectory: unused,
    removeDirectory: unused,
    quotaFolders: () => folders,
  };
}

describe('confinedSession quota folders', () => {
  it('shows the folders as the jailed user sees them: the deepest one holding the root covers it all, those above are out of reach', () => {
    const inner = namingFolders([
      { name: 'everything', path: '/', maxBytes: 10 },
      { name: 'users', path: '/users', maxBytes: 5 },
      { name: 'alice-archive', path: '/users/alice/archive', maxFiles: 2 },
      { name: 'bob', path: '/users/bob', maxFiles: 1 },
      { name: 'alice-prefix-lookalike', path: '/users/alice2' },
    ]);
    expect(confinedSession(inner, '/users/alice').quotaFolders?.()).toEqual([
      { name: 'users', path: '/', maxBytes: 5 },
      { name: 'alice-archive', path: '/archive', maxFiles: 2 },
    ]);
  });

  it('keeps a session without folders without the method, and the root "/" as it is', () => {
    const inner = namingFolders([]);
    const { quotaFolders: _, ...withoutFolders } = inner;
    expect(confinedSession(withoutFolders, '/users/alice').quotaFolders).toBeUndefined();
    expect(confinedSession(inner, '/')).toBe(inner);
  });
});
