import { constants } from 'node:fs';

/**
 * What a user may see of an entry, from its `lstat` mode: the one visibility rule of the connector, applied by the
 * listings (in the session or from a listing worker's numbers), by `stat` and by every command that looks at an entry.
 * Files and directories are shown; a symlink is shown as what it leads to inside the root (its target classified by
 * this same rule); devices, FIFOs and sockets are never shown and read as missing: a client could not transfer them,
 * and opening a FIFO would block. In-progress uploads are hidden by name (`isTemporaryName`).
 */
export type EntryKind = 'file' | 'directory' | 'link' | 'hidden';

/** The kind of an entry with the `lstat` mode `mode` (0 for an entry that vanished). */
export function entryKindOf(mode: number): EntryKind {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFREG:
      return 'file';
    case constants.S_IFDIR:
      return 'directory';
    case constants.S_IFLNK:
      return 'link';
    default:
      return 'hidden';
  }
}

/** True for the name of an in-progress upload's temporary file: hidden from listings and refused as a path. */
export function isTemporaryName(name: string, temporaryPrefix: string): boolean {
  return name.startsWith(temporaryPrefix);
}
