import {
  findPluginShapeProblem,
  InvalidOptionError,
  StorageError,
  type AuthenticatedUser,
  type MountQuota,
  type PluginContext,
  type QuotaFolder,
  type StorageConnectorV1,
  type StorageSessionV1,
  type UserMount,
} from '@ftp/plugin-api';
import { openConfinedSession } from './confined-session.ts';
import { normaliseMountPath } from './mount-paths.ts';
import { checkedMountQuota, isPathSegment, namesFolder, sameLimits } from './mount-quota.ts';
import { MountedSession, type OpenedMount } from './mounted-session.ts';

/**
 * One mount of the tree every user gets: a `UserMount` whose connector may also be given itself. At "/" the user's own
 * `rootDirectory` applies inside the mount's `rootDirectory`.
 */
export interface MountOptions extends Omit<UserMount, 'connector'> {
  /** The connector serving it, or the name of one in `connectors`. */
  readonly connector: StorageConnectorV1 | string;
}

export interface MountedStorageOptions {
  /**
   * The mounts of every user's tree: the path where each appears mapped to its connector, a connector's name in
   * `connectors`, or `MountOptions`. Must mount "/".
   */
  readonly mounts: Readonly<Record<string, StorageConnectorV1 | string | MountOptions>>;
  /**
   * Connectors by name, for `mounts` and for the mounts user records add (`UserMounts` in
   * `AuthenticatedUser.attributes.mounts`), which can name only these. Without it, a user record that names mounts is
   * refused its session.
   */
  readonly connectors?: Readonly<Record<string, StorageConnectorV1>>;
  /** The connector's name in logs. Default "mounts". */
  readonly name?: string;
}

/** A mount as a session opens it. */
interface MountDefinition {
  readonly path: string;
  readonly connector: StorageConnectorV1;
  readonly rootDirectory: string | undefined;
  readonly crossMountRename: boolean;
  /** Its quota folder, the name still a template ("{user}" not yet replaced). */
  readonly quota: MountQuota | undefined;
}

/**
 * A storage connector that mounts several stores into one user's tree (virtual folders): "/" on the local disk,
 * "/archive" on S3, "/shared" a directory several users see. Each path is served by the deepest mount containing it;
 * mount points are listed in their parent directory as directories. Each mount keeps its own capabilities: an
 * optional method (MFMT, SITE CHMOD, AVBL, APPE) is offered when one mount has it and answered 502 on a mount that
 * lacks it. A file moves between mounts by a copy that appears whole or not at all, then a delete of the source.
 *
 * Every mount's session opens with the user's session, so a mount whose store is down refuses the login as its
 * connector does (421).
 */
export function createMountedStorage(options: MountedStorageOptions): StorageConnectorV1 {
  const connectors = new Map<string, StorageConnectorV1>();
  for (const [name, connector] of Object.entries(options.connectors ?? {})) {
    connectors.set(name, checkedConnector(connector, `connectors.${name}`));
  }
  const defaults = new Map<string, MountDefinition>();
  for (const [path, value] of Object.entries(options.mounts)) {
    const mountPath = normaliseMountPath(path);
    if (mountPath === undefined) throw new InvalidOptionError(`mounts.${path}`, 'a mount point is an absolute path without "." or ".."');
    if (defaults.has(mountPath)) throw new InvalidOptionError(`mounts.${path}`, `mounts ${mountPath} twice`);
    defaults.set(mountPath, definitionOf(mountPath, value, connectors, `mounts.${path}`));
  }
  if (!defaults.has('/')) throw new InvalidOptionError('mounts', 'must mount "/", the root of every user\'s tree');
  checkOperatorQuotas(defaults);
  const every = [...new Set([...connectors.values(), ...[...defaults.values()].map((mount) => mount.connector)])];

  return {
    specificationVersion: 'v1',
    name: options.name ?? 'mounts',
    // The user's rootDirectory goes to the "/" mount's connector, which jails it (or is prefixed here).
    appliesRootDirectory: true,
    async openSession(user: AuthenticatedUser, context: PluginContext): Promise<StorageSessionV1> {
      const mounts = new Map(defaults);
      const added = userMounts(user, connectors);
      for (const mount of added) mounts.set(mount.path, mount);
      const quotaFolders = quotaFoldersOf([...mounts.values()], added, [...defaults.values()], user.username);
      const opening = [...mounts.values()].map(async (mount): Promise<OpenedMount> => {
        const session = await openConfinedSession(mount.connector, user, mountRootOf(mount, user), context);
        return { path: mount.path, session, crossMountRename: mount.crossMountRename };
      });
      const results = await Promise.allSettled(opening);
      const opened = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) {
        await Promise.allSettled(opened.map((mount) => mount.session.close?.()));
        throw failed.reason;
      }
      return new MountedSession(opened, quotaFolders);
    },
    async checkHealth(): Promise<void> {
      await Promise.all(every.map((connector) => connector.checkHealth?.()));
    },
    async close(): Promise<void> {
      const results = await Promise.allSettled(every.map((connector) => connector.close?.()));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}

function checkedConnector(value: unknown, option: string): StorageConnectorV1 {
  const problem = findPluginShapeProblem('storage', value, option);
  if (problem === undefined) return value as StorageConnectorV1;
  throw new InvalidOptionError(
    option,
    problem.problem === 'not-an-object' ? `a storage connector is an object, got ${problem.got}` : `has no ${problem.method}() method`,
  );
}

function definitionOf(
  path: string,
  value: StorageConnectorV1 | string | MountOptions,
  connectors: ReadonlyMap<string, StorageConnectorV1>,
  option: string,
): MountDefinition {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) {
    throw new InvalidOptionError(
      option,
      'a mount is a connector, the name of one, or { connector, rootDirectory, crossMountRename, quota }',
    );
  }
  const spec: MountOptions = typeof value === 'string' || 'openSession' in value ? { connector: value } : value;
  let connector: StorageConnectorV1;
  if (typeof spec.connector === 'string') {
    const named = connectors.get(spec.connector);
    if (named === undefined) throw new InvalidOptionError(option, `names the connector "${spec.connector}", which is not in connectors`);
    connector = named;
  } else {
    connector = checkedConnector(spec.connector, `${option}.connector`);
  }
  if (spec.rootDirectory !== undefined && typeof spec.rootDirectory !== 'string') {
    throw new InvalidOptionError(`${option}.rootDirectory`, 'must be a string');
  }
  if (spec.crossMountRename !== undefined && typeof spec.crossMountRename !== 'boolean') {
    throw new InvalidOptionError(`${option}.crossMountRename`, 'must be true or false');
  }
  const quota = checkedMountQuota(spec.quota, `${option}.quota`);
  return { path, connector, rootDirectory: spec.rootDirectory, crossMountRename: spec.crossMountRename ?? true, quota };
}

/**
 * One quota folder has one set of limits (the server checks each upload against the limits the session names, so
 * two would let one user fill what the other meant to bound): two of the operator's mounts that name one folder, for
 * any user, with other limits are a mistake at start.
 */
function checkOperatorQuotas(mounts: ReadonlyMap<string, MountDefinition>): void {
  const quotas = [...mounts.values()].flatMap((mount) => (mount.quota === undefined ? [] : [{ path: mount.path, quota: mount.quota }]));
  for (const [index, { path, quota }] of quotas.entries()) {
    const other = quotas
      .slice(0, index)
      .find(
        (earlier) =>
          !sameLimits(earlier.quota, quota) &&
          (namesFolder(earlier.quota.folder, quota.folder) || namesFolder(quota.folder, earlier.quota.folder)),
      );
    if (other !== undefined) {
      throw new InvalidOptionError(
        `mounts.${path}.quota`,
        `names the folder "${quota.folder}" of the mount ${other.path} with other limits; one folder has one set of limits`,
      );
    }
  }
}

/**
 * The quota folders of one user's tree: each mount with a quota at its mount point, "{user}" in the folder's name
 * replaced. A folder that the session's mounts, or a user record's mount and any of the operator's mounts, give two
 * sets of limits refuses the session (`EACCES`), as the user record's other mistakes do.
 */
function quotaFoldersOf(
  mounts: readonly MountDefinition[],
  added: readonly MountDefinition[],
  operatorMounts: readonly MountDefinition[],
  username: string,
): QuotaFolder[] {
  const refuse = (reason: string) => refuseMounts(username, reason);
  for (const { path, quota } of added) {
    if (quota === undefined) continue;
    const name = withUserName(quota.folder, username);
    const operator = operatorMounts.find(
      (candidate) => candidate.quota !== undefined && namesFolder(candidate.quota.folder, name) && !sameLimits(candidate.quota, quota),
    );
    if (operator !== undefined) refuse(`${path} gives the quota folder "${name}" other limits than the mount ${operator.path}`);
  }
  const folders: QuotaFolder[] = [];
  for (const mount of mounts) {
    if (mount.quota === undefined) continue;
    const { maxBytes, maxFiles } = mount.quota;
    const folder: QuotaFolder = {
      name: withUserName(mount.quota.folder, username),
      path: mount.path,
      ...(maxBytes === undefined ? {} : { maxBytes }),
      ...(maxFiles === undefined ? {} : { maxFiles }),
    };
    const other = folders.find((earlier) => earlier.name === folder.name && !sameLimits(earlier, folder));
    if (other !== undefined) refuse(`the quota folder "${folder.name}" has other limits at ${other.path} than at ${folder.path}`);
    folders.push(folder);
  }
  return folders;
}

/**
 * The mounts a user record adds (`attributes.mounts`), each naming a connector of `connectors`. Anything it cannot
 * read refuses the session (`EACCES`): a user record's mistake never opens more than the operator meant, nor is it
 * silently dropped.
 */
function userMounts(user: AuthenticatedUser, connectors: ReadonlyMap<string, StorageConnectorV1>): MountDefinition[] {
  const value = user.attributes?.mounts;
  if (value === undefined) return [];
  const refuse = (reason: string) => refuseMounts(user.username, reason);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('attributes.mounts is not an object');
  return Object.entries(value as Record<string, unknown>).map(([path, spec]) => {
    const mountPath = normaliseMountPath(path) ?? refuse(`${JSON.stringify(path)} is not an absolute path without "." or ".."`);
    const named = typeof spec === 'string' ? { connector: spec } : spec;
    if (typeof named !== 'object' || named === null || typeof (named as { connector?: unknown }).connector !== 'string') {
      return refuse(`${mountPath} names no connector`);
    }
    try {
      return definitionOf(mountPath, named as MountOptions, connectors, `attributes.mounts.${mountPath}`);
    } catch (error) {
      return refuse(error instanceof Error ? error.message : String(error));
    }
  });
}

/** Refuses the session of a user whose record's mounts are a mistake (`EACCES`, saying why). */
function refuseMounts(username: string, reason: string): never {
  throw new StorageError('EACCES', `the mounts of user ${JSON.stringify(username)}: ${reason}`, { path: '/' });
}

/** The directory of the mount's storage that is its root for `user`. */
function mountRootOf(mount: MountDefinition, user: AuthenticatedUser): string | undefined {
  const configured = mount.rootDirectory === undefined ? undefined : withUserName(mount.rootDirectory, user.username);
  if (mount.path !== '/' || user.rootDirectory === undefined) return configured;
  // At "/", the user's own jail lies inside the mount's: it can only narrow it.
  return configured === undefined ? user.rootDirectory : `${configured}/${user.rootDirectory}`;
}

/** `template` with "{user}" replaced; a user name that is not one path segment refuses the session. */
function withUserName(template: string, username: string): string {
  if (!template.includes('{user}')) return template;
  if (!isPathSegment(username)) {
    throw new StorageError('EACCES', `user name ${JSON.stringify(username)} cannot name a directory`, { path: '/' });
  }
  return template.replaceAll('{user}', username);
}
