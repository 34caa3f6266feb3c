/** One file or directory as the storage sees it. Used for LIST, NLST, MLSD, MLST, SIZE, MDTM and STAT. */
export interface FileEntry {
  /** The last path segment, never containing "/". "/" itself is named "/". */
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink';
  /** Size in bytes; 0 for directories where the backend has no figure. */
  readonly size: number;
  readonly modifiedAt: Date;
  /**
   * POSIX permission bits (e.g. 0o644), where the backend has them; LIST shows defaults otherwise. The server offers
   * the MLST fact "UNIX.mode" once an entry of the session has it, and writes it for the entries that have it.
   */
  readonly mode?: number;
  /**
   * A value unique to this file within the storage (RFC 3659 "unique" fact), where the backend has one; offered and
   * written as `mode` is.
   */
  readonly uniqueId?: string;
}
