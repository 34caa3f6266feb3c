/**
 * One store mounted into a user's tree, as a user record names it (SFTPGo's virtual folders): the storage that mounts
 * stores into one tree (`@ftp/storage-mounts`) knows its connectors by name, and a user record picks among them.
 */
export interface UserMount {
  /** The name of a connector the mounting storage was given (its `connectors` option). */
  readonly connector: string;
  /**
   * The directory of that connector's storage that appears at the mount point, as a jail (like `rootDirectory`):
   * "{user}" in it stands for the user name. Default: the connector's own root.
   */
  readonly rootDirectory?: string;
  /** Whether RNFR/RNTO may move a file between this mount and another by copying it (default true); 553 otherwise. */
  readonly crossMountRename?: boolean;
  /**
   * A quota of the mount's own: its files count against these limits, in the account `folder`, and not against the
   * user's quota. Without it, the mount's files count against the user's quota like the rest of the tree.
   */
  readonly quota?: MountQuota;
}

/** The quota of a mount (a quota folder, see `QuotaFolder`). */
export interface MountQuota {
  /**
   * The account's name: mounts with the same name share usage and limits, whichever users mount them (a folder
   * several users see); "{user}" in it stands for the user name (one account per user, for a per-user prefix).
   */
  readonly folder: string;
  /** Bytes the mount's files may take together; no limit when undefined. */
  readonly maxBytes?: number;
  /** Files the mount may hold; no limit when undefined. */
  readonly maxFiles?: number;
}

/**
 * The mounts of one user's tree: the path where each appears ("/archive") mapped to the mount, or to just the
 * connector's name. A user record carries them in `AuthenticatedUser.attributes.mounts`; they add to (or, at the same
 * path, replace) the mounts the operator gave every user.
 */
export type UserMounts = Readonly<Record<string, UserMount | string>>;
