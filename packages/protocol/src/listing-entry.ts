/**
 * One entry of a directory listing, as LIST, NLST, MLSD and MLST format it. Structurally the same as
 * `FileEntry` of `@ftp/plugin-api`, so storage results can be passed in directly.
 */
export interface ListingEntry {
  /** The name as shown to the client; the last path segment. */
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink';
  /** Size in bytes. */
  readonly size: number;
  readonly modifiedAt: Date;
  /** POSIX permission bits including setuid/setgid/sticky (e.g. 0o644); defaults apply when missing. */
  readonly mode?: number;
  /** Value for the RFC 3659 §7.5.2 "unique" fact, where the storage has one. */
  readonly uniqueId?: string;
}

/** Mode shown when an entry has none: 0o755 for directories, 0o777 for symlinks (as Linux shows them), else 0o644. */
export function defaultMode(type: ListingEntry['type']): number {
  switch (type) {
    case 'directory':
      return 0o755;
    case 'symlink':
      return 0o777;
    case 'file':
      return 0o644;
  }
}
