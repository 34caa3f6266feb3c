import type { PluginContext } from '../../plugin-context.ts';

/** What the client sent with USER and PASS. */
export interface AuthenticationRequest {
  /** The USER argument, byte-exact. */
  readonly username: string;
  /** The PASS argument, byte-exact. Never log it. */
  readonly password: string;
}

/**
 * Per-user permissions. Every flag but `chmod` defaults to true when left out; the server checks them before any
 * storage call and before any data moves, and answers 550 naming the missing permission.
 */
export interface UserPermissions {
  /** LIST, NLST, MLSD, MLST, STAT <path>. */
  readonly list?: boolean;
  /** RETR. */
  readonly download?: boolean;
  /** STOR, STOU, APPE to a new file. */
  readonly upload?: boolean;
  /** STOR, APPE or REST+STOR over an existing file, and RNTO onto one (it replaces the file just as well). */
  readonly overwrite?: boolean;
  /** DELE and RMD. */
  readonly delete?: boolean;
  /**
   * RNFR/RNTO, at both paths. Moving an entry out of where `download` (or `list`) is denied also needs it there, and
   * a directory inside which `directoryPermissions` are set cannot be renamed (they would not follow it).
   */
  readonly rename?: boolean;
  /** MKD. */
  readonly makeDirectory?: boolean;
  /** MFMT. */
  readonly setModifiedTime?: boolean;
  /**
   * SITE CHMOD. Denied unless granted (here, in the server's `userDefaults` or in a directory's overrides), unlike
   * every other flag: a mode change can open a user's files to other accounts of the host, so it is given on purpose.
   */
  readonly chmod?: boolean;
}

/** Storage limits of one user, counted over all of that user's sessions on one server. */
export interface UserQuota {
  /** Most bytes the user's files may take in total; an upload that would pass it fails with 552. */
  readonly maxBytes?: number;
  /** Most files the user may have; a new file beyond it is refused with 552. */
  readonly maxFiles?: number;
}

/** Transfer speed limits of one user, shared fairly by that user's concurrent transfers. */
export interface UserBandwidth {
  readonly uploadBytesPerSecond?: number;
  readonly downloadBytesPerSecond?: number;
}

/** A user the authenticator accepted. Handed to `StorageConnector.openSession`. */
export interface AuthenticatedUser {
  /** The user name to log and to show in listings; usually the USER argument. */
  readonly username: string;
  /**
   * The virtual directory the session starts in, relative to the user's root (default "/"). Storage connectors
   * may also use it, or `attributes`, to choose a per-user root.
   */
  readonly homeDirectory?: string;
  /**
   * A directory of the storage that becomes this user's "/", as a chroot (e.g. "/users/alice"): nothing above it can
   * be reached, by any command or symlink. A connector that declares `appliesRootDirectory` enforces it itself (the fs
   * connector walks every path from that directory's handle; a key-value store narrows its key prefix); for any other
   * the server prefixes every path with it. Default: the storage session's own root.
   */
  readonly rootDirectory?: string;
  /** What the user may do everywhere; server defaults apply to flags left out, then true. */
  readonly permissions?: UserPermissions;
  /**
   * Overrides per directory, keyed by the directory's path as the user sees it ("/incoming"). For a path, the
   * overrides of every directory containing it apply from the shortest to the longest, so the longest match wins.
   */
  readonly directoryPermissions?: Readonly<Record<string, UserPermissions>>;
  readonly quota?: UserQuota;
  readonly bandwidth?: UserBandwidth;
  /** Most concurrent sessions of this user on one server (421 beyond). */
  readonly maxSessions?: number;
  /** Opaque facts for the storage connector (for example a bucket prefix). */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/**
 * A re-check of one session's login while it lasts, for backends that can revoke access (an identity service, a
 * token that expires). Returned with an accepted result, so whatever it remembers (credentials, tokens) belongs to
 * that session alone.
 */
export interface SessionRevalidation {
  /** Re-check once this long has passed since the last successful check (the login counts as one). */
  readonly intervalMs: number;
  /**
   * Called by the server before a command that needs login runs, once `intervalMs` has passed; never concurrently for
   * one session. Resolve true to keep the session, false to end it (530, then the connection is closed). Throw
   * `AuthenticationUnavailableError` when the backend cannot answer (421, then closed): an outage is never a revocation.
   */
  check(context: PluginContext): Promise<boolean>;
}

export type AuthenticationResult =
  | { readonly outcome: 'accepted'; readonly user: AuthenticatedUser; readonly revalidation?: SessionRevalidation }
  /** `reason` goes to the log only; the client always sees the same 530 reply. */
  | { readonly outcome: 'rejected'; readonly reason?: string };

/** One user as a user store shows it: never a password or its hash. */
export interface StoredUser {
  readonly username: string;
  /** False once `setEnabled(username, false)` was called: the user cannot log in until enabled again. */
  readonly enabled: boolean;
  readonly homeDirectory?: string;
  readonly rootDirectory?: string;
  /** The flags the store sets for the user; a flag left out follows the server's `userDefaults`, then its default. */
  readonly permissions?: UserPermissions;
  readonly directoryPermissions?: Readonly<Record<string, UserPermissions>>;
  readonly quota?: UserQuota;
  readonly bandwidth?: UserBandwidth;
  /**
   * The user's facts for the storage connector, as a login hands them over (`AuthenticatedUser.attributes`): the mounts
   * storage reads the mounts a user record adds from `attributes.mounts`. A tool that opens the user's storage outside
   * a login (the admin's quota rescan) passes them on, so it sees the tree the user's logins see.
   */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /**
   * An opaque token of the user's record as stored, which changes whenever the record changes (any fact, the password,
   * the enabled flag): read it with the user, then pass it as `updateUser`'s `ifRevision` so that the change is
   * refused ("conflict") if another writer changed the user in between (optimistic concurrency, as HTTP's ETag and
   * If-Match). Visible ASCII without `"` or spaces, so it can be quoted as an entity tag. Left out by a store that
   * keeps no revisions.
   */
  readonly revision?: string;
  /**
   * False for a user the store shows but cannot change (the `local` authenticator's users written inline in the
   * server config rather than in its users file). Default true.
   */
  readonly writable?: boolean;
}

/** A user to add: a name, a password in clear (the store keeps only its hash) and the facts of `AuthenticatedUser`. */
export interface NewStoredUser extends Omit<AuthenticatedUser, 'username'> {
  /** The USER name, compared exactly (case-sensitive); non-empty, without control characters. */
  readonly username: string;
  /** Never stored or logged as given: the store keeps a hash of it. Non-empty. */
  readonly password: string;
  /** Default true. */
  readonly enabled?: boolean;
}

/**
 * A change of a user's profile (`UserStoreV1.updateUser`). Each key given replaces that fact whole (a `quota` of
 * `{ maxBytes: 5 }` also removes a `maxFiles` set before); null removes it, so the server's defaults apply; a key left
 * out keeps what the user has. Checked with `parseUserChanges` (user-profile.ts).
 */
export interface UserChanges {
  readonly homeDirectory?: string | null;
  readonly rootDirectory?: string | null;
  readonly permissions?: UserPermissions | null;
  readonly directoryPermissions?: Readonly<Record<string, UserPermissions>> | null;
  readonly quota?: UserQuota | null;
  readonly bandwidth?: UserBandwidth | null;
  /**
   * The facts for the storage connector (`AuthenticatedUser.attributes`), replaced whole: a JSON object, as the store
   * writes it (the mounts storage reads the user's own mounts from `attributes.mounts`).
   */
  readonly attributes?: Readonly<Record<string, unknown>> | null;
}

/** Options of `UserStoreV1.updateUser`. */
export interface UpdateUserOptions {
  /**
   * Write only if the user's `revision` is still this one, checked in the same atomic step as the write (no other
   * change can land between the check and the write); otherwise throw `UserStoreError` "conflict" and change nothing.
   * A read-modify-write (read the user, change a fact from what was read, write it whole) passes the revision it read,
   * and on "conflict" reads again and re-applies its change, so a concurrent change is never lost. A store that keeps
   * no revisions refuses every `ifRevision` with "conflict" (it cannot tell that nothing changed, so it fails closed);
   * callers pass one only when the user they read carried a `revision`.
   */
  readonly ifRevision?: string;
}

/**
 * The users of an authenticator that keeps its own (a users file, a users table), for the `ftp-server users`
 * command and the admin API. An optional capability: an authenticator that can write its users offers it as
 * `AuthenticatorV1.users`; one that asks another service (HTTP, LDAP) does not.
 *
 * Guarantees every implementation gives:
 * - A change is durable when the returned promise resolves, and every server using the same store (the same users
 *   file, the same database) applies it at that user's next login, without a restart.
 * - Concurrent calls, from this process or another, never lose one another's change.
 * - Passwords are hashed before they are stored, and never logged nor returned.
 *
 * Expected refusals throw `UserStoreError` (user-store-error.ts) with its `reason`; a store that cannot be reached or written throws
 * `UserStoreError` with reason "unavailable" (the command exits 1), naming the cause.
 */
export interface UserStoreV1 {
  /** `users list`: every user, sorted by name (byte order). */
  listUsers(): Promise<StoredUser[]>;
  /** One user, or undefined when there is no such user. */
  getUser(username: string): Promise<StoredUser | undefined>;
  /** `users add`: throws reason "user-exists" when the name is taken, "invalid-user" for a bad name or profile. */
  addUser(user: NewStoredUser): Promise<void>;
  /**
   * `users passwd`: replaces the password. Logins with the old one fail from then on; a store whose authenticator
   * re-validates sessions ends the user's open sessions at their next re-validation. Throws "no-such-user",
   * "read-only-user" or "invalid-user" (an empty password).
   */
  setPassword(username: string, password: string): Promise<void>;
  /**
   * `users disable` / `users enable`: a disabled user's logins are refused (530) as if the password were wrong.
   * Setting the state a user already has is not an error. Throws "no-such-user" or "read-only-user".
   */
  setEnabled(username: string, enabled: boolean): Promise<void>;
  /**
   * Optional (a store without it keeps profiles as they were added; the admin API then answers 501 to a profile
   * change): the admin API's `PATCH /api/users/{name}` with any of `UserChanges`. The store checks `changes` with
   * `parseUserChanges` before anything is written, so a refused change leaves the user as it was; it applies at the
   * user's next login, while sessions already open keep the profile they logged in with. Throws "invalid-user" naming
   * the field (an unknown key, a bad value), "no-such-user", "read-only-user", or "conflict" when
   * `options.ifRevision` is given and the user's revision is another (see `UpdateUserOptions`).
   */
  updateUser?(username: string, changes: UserChanges, options?: UpdateUserOptions): Promise<void>;
  /** Removes a user. Throws "no-such-user" or "read-only-user". */
  deleteUser(username: string): Promise<void>;
}

/**
 * Decides whether a USER/PASS pair may log in.
 *
 * Guarantees from the server:
 * - `authenticate` is called once per PASS, only after a USER in the same session, with that session's context. A
 *   result is used for that session only: nothing an authenticator returns is shared with another session.
 * - Calls for different sessions may run concurrently; calls for one session never do.
 *
 * Expected outcomes are return values: a wrong password returns `{ outcome: 'rejected' }` (the client gets 530).
 * Throw `AuthenticationUnavailableError` when the backend cannot answer (the client gets 421 and the connection is
 * closed, so an outage never looks like a wrong password). Any other thrown error is treated as unavailable too.
 */
export interface AuthenticatorV1 {
  readonly specificationVersion: 'v1';
  /** A short name for logs, for example "local" or "http-basic". */
  readonly name: string;
  /** Called on PASS. Must not throw for wrong credentials. */
  authenticate(request: AuthenticationRequest, context: PluginContext): Promise<AuthenticationResult>;
  /**
   * Optional readiness probe (the app's `/readyz`): resolve when the backend can answer logins right now (the users
   * file is loaded, the identity service responds), reject with the reason otherwise. Must be cheap, must not log in
   * anybody, and should give up by itself within a few seconds; may be called at any time, concurrently with logins.
   */
  checkHealth?(): Promise<void>;
  /**
   * Optional: the users this authenticator keeps, to list, add and change them (`ftp-server users`, the admin API).
   * Left out by an authenticator whose users live elsewhere (an identity service).
   */
  readonly users?: UserStoreV1;
  /** Called once when the server shuts down. */
  close?(): Promise<void>;
}
