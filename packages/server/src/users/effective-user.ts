import type { AuthenticatedUser, UserBandwidth, UserPermissions, UserQuota } from '@ftp/plugin-api';
import { resolveVirtualPath } from '@ftp/protocol';
import type { UserDefaults } from '../server-options.ts';

/** A logged-in user with the server's defaults applied and the permission lookup prepared. */
export interface EffectiveUser {
  readonly user: AuthenticatedUser;
  readonly quota: UserQuota | undefined;
  readonly bandwidth: UserBandwidth | undefined;
  readonly maxSessions: number | undefined;
  /** Whether the user may do `permission` at `path` (a path as the user sees it). */
  allows(permission: keyof UserPermissions, path: string): boolean;
  /** True when a directory override lies strictly below `path`: its children may then differ in permissions. */
  hasOverridesBelow(path: string): boolean;
}

/** Applies the defaults to what the authenticator returned. */
export function resolveEffectiveUser(user: AuthenticatedUser, defaults: UserDefaults): EffectiveUser {
  return new ResolvedUser(user, defaults);
}

const noPermissions: UserPermissions = Object.freeze({});

/**
 * What a flag left out everywhere means: allowed, but for `chmod`, which is denied unless granted (a mode change can
 * open a user's files to other accounts of the host, so an operator grants it on purpose).
 */
function allowedByDefault(permission: keyof UserPermissions): boolean {
  return permission !== 'chmod';
}
const noOverrides: ReadonlyArray<readonly [string, UserPermissions]> = Object.freeze([]);

/** A class, not an object of closures: its methods are shared by every session, so an idle session holds less. */
class ResolvedUser implements EffectiveUser {
  readonly user: AuthenticatedUser;
  readonly quota: UserQuota | undefined;
  readonly bandwidth: UserBandwidth | undefined;
  readonly maxSessions: number | undefined;
  readonly #base: UserPermissions;
  /** Directory overrides, shortest path first, so applying them in order lets the longest match win. */
  readonly #overrides: ReadonlyArray<readonly [string, UserPermissions]>;

  constructor(user: AuthenticatedUser, defaults: UserDefaults) {
    this.user = user;
    this.quota = user.quota ?? defaults.quota;
    this.bandwidth = user.bandwidth ?? defaults.bandwidth;
    this.maxSessions = user.maxSessions ?? defaults.maxSessions;
    // Without defaults to merge (the usual case at login), the user's own object serves as is.
    this.#base =
      defaults.permissions === undefined ? (user.permissions ?? noPermissions) : { ...defaults.permissions, ...user.permissions };
    this.#overrides =
      user.directoryPermissions === undefined
        ? noOverrides
        : Object.entries(user.directoryPermissions)
            .map(([directory, permissions]) => [resolveVirtualPath('/', directory), permissions] as const)
            .sort(([left], [right]) => left.length - right.length);
  }

  allows(permission: keyof UserPermissions, path: string): boolean {
    let allowed = this.#base[permission] ?? allowedByDefault(permission);
    for (const [directory, permissions] of this.#overrides) {
      if (directory !== '/' && path !== directory && !path.startsWith(`${directory}/`)) continue;
      allowed = permissions[permission] ?? allowed;
    }
    return allowed;
  }

  hasOverridesBelow(path: string): boolean {
    const prefix = path === '/' ? '/' : `${path}/`;
    return this.#overrides.some(([directory]) => directory !== '/' && directory.startsWith(prefix));
  }
}

/** The permissions of an anonymous user (RFC 1635): read-only unless the operator made it writable. */
export function anonymousPermissions(writable: boolean): UserPermissions {
  return writable ? writableAnonymous : readOnlyAnonymous;
}

/** Frozen, so every anonymous login can share them. */
const writableAnonymous: UserPermissions = Object.freeze({
  list: true,
  download: true,
  upload: true,
  overwrite: false,
  delete: false,
  rename: false,
  makeDirectory: true,
  setModifiedTime: false,
  chmod: false,
});
const readOnlyAnonymous: UserPermissions = Object.freeze({
  list: true,
  download: true,
  upload: false,
  overwrite: false,
  delete: false,
  rename: false,
  makeDirectory: false,
  setModifiedTime: false,
  chmod: false,
});
