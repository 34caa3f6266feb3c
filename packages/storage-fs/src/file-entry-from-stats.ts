import type { Stats } from 'node:fs';
import type { FileEntry } from '@ftp/plugin-api';
import { fieldsPerEntry } from './list-worker.ts';

/**
 * A `FileEntry` from the stat of a file or directory (a symlink's target for a link: the link is shown as what it
 * leads to). `uniqueId` is device and inode, the RFC 3659 §7.5.2 "unique" fact, which stays the same across renames.
 */
export function fileEntryFromStats(name: string, stats: Stats): FileEntry {
  return entryOf(name, stats.isDirectory(), stats.size, stats.mtimeMs, stats.mode, stats.dev, stats.ino);
}

/** The same from the facts of a listed batch (`writeEntryFacts`), for a file or directory at `index`. */
export function fileEntryFromFacts(name: string, facts: Float64Array, index: number, isDirectory: boolean): FileEntry {
  const at = index * fieldsPerEntry;
  return entryOf(name, isDirectory, facts[at + 1]!, facts[at + 2]!, facts[at]!, facts[at + 3]!, facts[at + 4]!);
}

function entryOf(name: string, isDirectory: boolean, size: number, mtimeMs: number, mode: number, dev: number, ino: number): FileEntry {
  return {
    name,
    type: isDirectory ? 'directory' : 'file',
    size,
    modifiedAt: new Date(mtimeMs),
    mode: mode & 0o7777,
    uniqueId: `${dev.toString(16)}g${ino.toString(16)}`,
  };
}
