import type { QuotaFolder, QuotaUsage, StorageCallOptions, StorageSessionV1, UserQuota } from '@ftp/plugin-api';
import { joinVirtualPath } from '@ftp/protocol';
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
