import type { Stats } from 'node:fs';
import type { FileEntry } from '@ftp/plugin-api';

/**
 * A `FileEntry` from the `stat` (not `lstat`) of a path: symlinks inside the root are reported as what they point
 * to. `uniqueId` is device and inode, the RFC 3659 §7.5.2 "unique" fact, which stays the same across renames.
 */
export function fileEntryFromStats(name: string, stats: Stats): FileEntry {
  return {
    name,
    type: stats.isDirectory() ? 'directory' : 'file',
    size: stats.size,
    modifiedAt: stats.mtime,
    mode: stats.mode & 0o7777,
    uniqueId: `${stats.dev.toString(16)}g${stats.ino.toString(16)}`,
  };
}
