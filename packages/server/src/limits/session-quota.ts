import type { QuotaFolder, QuotaUsage, SharedStateV1, StorageCallOptions, StorageSessionV1, UserQuota } from '@ftp/plugin-api';
import { joinVirtualPath, resolveVirtualPath } from '@ftp/protocol';
import type { QuotaAccount } from './quota-accounts.ts';

/** The account that counts a file, and the limits it is held to. */
export interface QuotaScope {
  readonly account: QuotaAccount;
  readonly limits: UserQuota;
  /** The quota folder whose account it is; undefined for the user's own. */
  readonly folder: QuotaFolder | undefined;
}

/** How `SessionQuota` finds the accounts: the user's, and a quota folder's by name. */
export interface QuotaAccounts {
  userAccount(username: string): QuotaAccount;
  folderAccount(username: string, folder: string): QuotaAccount;
}

/**
 * The quota accounts of one logged-in session's tree: each quota folder the storage names (`quotaFolders`) counts the
 * files under its path, the deepest folder taking a file; every other file counts against the user's quota, or
 * against nothing for a user without one. Fixed at login, as the storage's folders are.
 */
export class SessionQuota {
  readonly #user: QuotaScope | undefined;
  /** Deepest path first, so the first that covers a path is the one that counts it. */
  readonly #folders: readonly QuotaScope[];
  /** What `scopes()` returns: the user's first, then the folders by path, each account once. */
  readonly #scopes: readonly QuotaScope[];

  constructor(username: string, userQuota: UserQuota | undefined, folders: readonly QuotaFolder[], accounts: QuotaAccounts) {
    this.#user = userQuota === undefined ? undefined : { account: accounts.userAccount(username), limits: userQuota, folder: undefined };
    this.#folders = [...folders]
      .sort((one, other) => other.path.length - one.path.length)
      .map((folder) => ({ account: accounts.folderAccount(username, folder.name), limits: limitsOf(folder), folder }));
    const scopes: QuotaScope[] = this.#user === undefined ? [] : [this.#user];
    const byPath = [...this.#folders].sort((one, other) => (one.folder!.path < other.folder!.path ? -1 : 1));
    for (const scope of byPath) if (!scopes.some((known) => known.account === scope.account)) scopes.push(scope);
    this.#scopes = scopes;
  }

  /** The scope that counts the file at `path`; undefined when nothing counts it. */
  scopeOf(path: string): QuotaScope | undefined {
    return this.#folderScopeOf(path) ?? this.#user;
  }

  /** Whether `one` and `other` count in the same account (both undefined: neither counts). */
  static sameAccount(one: QuotaScope | undefined, other: QuotaScope | undefined): boolean {
    return one?.account === other?.account;
  }

  /**
   * Every account of the tree, the user's first, then the folders by path, each once (a folder mounted in two places
   * is one account, shown at its first path).
   */
  scopes(): readonly QuotaScope[] {
    return this.#scopes;
  }

  /**
   * Login (`force` false: only accounts no server counted yet) and SITE QUOTA RESCAN (`force`): counts each account's
   * files in the storage. Throws `SharedStateUnavailableError`, and what the storage throws while listing.
   */
  async scan(storage: StorageSessionV1, options: StorageCallOptions, force = false): Promise<void> {
    for (const scope of this.scopes()) {
      await scope.account.scan(() => this.#measure(scope, storage, options), force);
    }
  }

  #folderScopeOf(path: string): QuotaScope | undefined {
    return this.#folders.find((scope) => covers(scope.folder!.path, path));
  }

  /**
   * Walks the directories the account counts, from its roots ("/" for the user's, each path of the folder's name),
   * one directory listed at a time, not entering a directory another account counts.
   */
  async #measure(scope: QuotaScope, storage: StorageSessionV1, options: StorageCallOptions): Promise<QuotaUsage> {
    const counts = (path: string) => this.scopeOf(path)?.account === scope.account;
    const roots =
      scope.folder === undefined
        ? ['/']
        : this.#folders.filter((other) => other.account === scope.account).map((other) => other.folder!.path);
    let bytes = 0;
    let files = 0;
    const pending = roots.filter(counts);
    while (pending.length > 0) {
      const directory = pending.pop()!;
      for await (const entry of storage.list(directory, options)) {
        if (entry.type !== 'directory') {
          bytes += entry.size;
          files++;
          continue;
        }
        const path = joinVirtualPath(directory, entry.name);
        if (counts(path)) pending.push(path);
      }
    }
    return { bytes, files };
  }
}

/** Why a storage's quota folders cannot be counted, and what the log names. */
export interface QuotaFoldersProblem {
  readonly reason: string;
  readonly details: Record<string, unknown>;
}

/**
 * Why `folders`, the quota folders a storage names, cannot be counted in `sharedState`: a shared state that does not
 * keep folders' accounts, or a folder the storage describes wrongly; undefined when they can. Whoever meets a problem
 * refuses (a login, a rescan) rather than count the folder's files against limits the operator did not set for them.
 */
export function quotaFoldersProblem(folders: readonly QuotaFolder[], sharedState: SharedStateV1): QuotaFoldersProblem | undefined {
  if (folders.length === 0) return undefined;
  if (sharedState.countsQuotaFolders !== true) {
    return {
      reason: 'the storage names quota folders, and the shared state does not count them (countsQuotaFolders)',
      details: { sharedState: sharedState.name, folders: folders.map((folder) => folder.name) },
    };
  }
  const wrong = folders.find((folder) => !isQuotaFolder(folder));
  if (wrong !== undefined) {
    return {
      reason: 'the storage names a quota folder it describes wrongly',
      details: { folder: String(wrong.name), path: String(wrong.path) },
    };
  }
  return undefined;
}

function isQuotaFolder(folder: QuotaFolder): boolean {
  const limit = (value: unknown) => value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
  return (
    typeof folder.name === 'string' &&
    folder.name !== '' &&
    typeof folder.path === 'string' &&
    resolveVirtualPath('/', folder.path) === folder.path &&
    limit(folder.maxBytes) &&
    limit(folder.maxFiles)
  );
}

/** Whether the directory `root` holds `path` (or is it). */
function covers(root: string, path: string): boolean {
  return root === '/' || path === root || path.startsWith(`${root}/`);
}

function limitsOf(folder: QuotaFolder): UserQuota {
  return {
    ...(folder.maxBytes === undefined ? {} : { maxBytes: folder.maxBytes }),
    ...(folder.maxFiles === undefined ? {} : { maxFiles: folder.maxFiles }),
  };
}
