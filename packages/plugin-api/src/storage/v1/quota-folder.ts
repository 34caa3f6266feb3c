/**
 * A part of one user's tree whose files count against a quota of their own rather than the user's: a mount with a
 * quota (`@ftp/storage-mounts`), as SFTPGo's virtual folders have. Every file under `path` counts there, deeper
 * mounts included, unless a deeper quota folder of the same tree takes them.
 */
export interface QuotaFolder {
  /**
   * The folder's account in the shared state. Every user whose tree has a quota folder of this name shares its usage
   * and limits (a folder several users see); a name with the user's name in it is one account per user.
   */
  readonly name: string;
  /** Where the folder appears in this user's tree: an absolute, normalised virtual path. */
  readonly path: string;
  /** Bytes the folder's files may take together; no limit when undefined. */
  readonly maxBytes?: number;
  /** Files the folder may hold; no limit when undefined. */
  readonly maxFiles?: number;
}
