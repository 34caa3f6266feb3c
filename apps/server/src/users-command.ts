import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  type Authenticator,
  type StoredUser,
  type UserChanges,
  type MountQuota,
  type UserMount,
  type UserPermissions,
  UserStoreError,
  type UserStoreV1,
  userPermissionKeys,
} from '@ftp/plugin-api';
import { UsageError } from './cli-arguments.ts';
import { loadConfig, namedConfigFile } from './config.ts';
import { isConfigurationError } from './config-error.ts';
import { type CommandStreams, promptHidden, readAll } from './hash-password-command.ts';
import { checkWithSchema } from './config-problems.ts';
import { createLogger } from './logging.ts';
import { mountSchema } from './mounts-storage.ts';
import { loadAuthenticator } from './plugins.ts';

/**
 * How many times `users set`, `mount` and `unmount` read the user and try to write their change, while other writers
 * keep changing the user in between: each try loses only to a change that was written, so as many concurrent writers
 * of one user as this all get their change in.
 */
const changeAttempts = 5;

/** The text printed by `ftp-server users --help`. */
export const usersUsage = `Usage:
  ftp-server users add <name> [--home DIR] [--root DIR] [--password-stdin]   add a user
  ftp-server users passwd <name> [--password-stdin]                         set a user's password
  ftp-server users disable <name>                                           refuse the user's logins
  ftp-server users enable <name>                                            allow them again
  ftp-server users set <name> [--home DIR] [--root DIR] [--quota-bytes N] [--quota-files N]
                              [--upload-bps N] [--download-bps N] [--allow FLAGS] [--deny FLAGS] [--default FLAGS]
                              [--dir-allow PATH=FLAGS] [--dir-deny PATH=FLAGS] [--dir-default PATH=FLAGS]
                              [--attributes-json FILE|-]                    change the user's profile
  ftp-server users mount <name> <path> <connector> [--root DIR] [--no-cross-mount-rename]
                              [--quota-folder NAME [--quota-bytes N] [--quota-files N]]
                                                                            mount a connector into the user's tree
  ftp-server users unmount <name> <path>                                    remove that mount
  ftp-server users delete <name>                                            remove a user
  ftp-server users list [--json]                                            list the users (never a password)

Works on the users of the authenticator the server's config names (the "local" authenticator's usersFile, or the
users table of @ftp/store-postgres); a running server applies a change at that user's next login, without a restart.

Options:
  -c, --config FILE    the server's JSON config file (default: $FTP_CONFIG)
  --home DIR           the directory the user's sessions start in, a virtual absolute path ("/incoming");
                       with \`users set\`, "none" starts them at "/" again
  --root DIR           the storage directory that becomes the user's "/" (a chroot); with \`users set\`, "none"
                       removes it; with \`users mount\`, the directory of the connector's storage the mount shows
                       ("{user}" stands for the user name)
  --password-stdin     read the password from stdin (all of it, without its final line break); without it the
                       password is asked for twice without echo, which needs a terminal
  --json               list as a JSON array, each user with its attributes (mounts included)
  --quota-bytes N      most bytes the user's files may take ("none": no limit); likewise --quota-files N; with
                       \`users mount\`, the limits of the mount's quota folder
  --upload-bps N       upload speed limit in bytes per second ("none": no limit); likewise --download-bps N
  --allow FLAGS        permission flags to grant, comma-separated (${userPermissionKeys.join(', ')});
  --deny FLAGS         to refuse; --default FLAGS to leave to the server's userDefaults again
  --dir-allow PATH=FLAGS  the same for one directory and all below it (directoryPermissions); repeatable, as
  --dir-deny PATH=FLAGS   are --dir-deny /archive=upload,delete and --dir-default PATH=FLAGS, which removes
                       the directory's setting of those flags (a directory left with none is removed)
  --attributes-json FILE  replace the user's attributes (the facts for the storage, its mounts included) with
                       the JSON object in FILE, or on stdin for "-"; "none" removes them
                       (\`users set\` keeps every fact it is not given)
  --quota-folder NAME  \`users mount\`: the mount's files count in the quota account NAME ("{user}": one per user)
                       instead of the user's quota
  --no-cross-mount-rename  \`users mount\`: RNFR/RNTO between this mount and another is refused (553)
  -h, --help           show this text

Paths (DIR, PATH, <path>) are absolute virtual paths without "." or ".." segments. \`users mount\` sets the mount at
<path> whole, replacing one there; mounts live in the user's attributes.mounts and apply with the "mounts" storage,
whose storageConfig.connectors the connector must be one of. \`users set\`, \`mount\` and \`unmount\` read the user,
then write the changed facts whole (all its mounts, for \`mount\`) only if the user is still as read (its revision);
when another writer (the admin API, another command) changed the user in between, they read it again and apply
their change to what it is now, up to ${changeAttempts} times, so concurrent changes are merged and none is lost.

Exit codes: 0 done, 1 the store refused or failed (user exists, no such user, database down), 2 usage or
configuration error.
`;

/** Where the command runs: its streams, environment and working directory (the process's in the app). */
export interface UsersCommandEnvironment {
  readonly streams: CommandStreams;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

type UsersAction =
  | { readonly action: 'help' }
  | { readonly action: 'list'; readonly json: boolean }
  | {
      readonly action: 'add';
      readonly username: string;
      readonly homeDirectory?: string;
      readonly rootDirectory?: string;
      readonly passwordStdin: boolean;
    }
  | { readonly action: 'passwd'; readonly username: string; readonly passwordStdin: boolean }
  | { readonly action: 'set'; readonly username: string; readonly settings: ProfileSettings }
  | { readonly action: 'mount'; readonly username: string; readonly path: string; readonly mount: UserMount | string }
  | { readonly action: 'unmount'; readonly username: string; readonly path: string }
  | { readonly action: 'disable' | 'enable' | 'delete'; readonly username: string };

/** Permission flags to grant (true), refuse (false) or leave to the defaults (null). */
type FlagSettings = Readonly<Record<string, boolean | null>>;

/**
 * What `users set` changes: a limit as a number, or null to remove it; permission flags to grant (true), refuse
 * (false) or leave to the server's defaults (null), for the user or per directory; the home or root directory, null to
 * remove it; the attributes from a JSON file ("-": stdin), null to remove them. What is not named stays as the user
 * has it.
 */
export interface ProfileSettings {
  readonly homeDirectory?: string | null;
  readonly rootDirectory?: string | null;
  readonly quota?: Readonly<Record<'maxBytes' | 'maxFiles', number | null>>;
  readonly bandwidth?: Readonly<Record<'uploadBytesPerSecond' | 'downloadBytesPerSecond', number | null>>;
  readonly permissions?: FlagSettings;
  /** Keyed by the directory's normalised path. */
  readonly directoryPermissions?: Readonly<Record<string, FlagSettings>>;
  readonly attributesFrom?: string | null;
}

/** The `users set` options of limits, and where each goes. */
const limitOptions = [
  ['quota-bytes', 'quota', 'maxBytes'],
  ['quota-files', 'quota', 'maxFiles'],
  ['upload-bps', 'bandwidth', 'uploadBytesPerSecond'],
  ['download-bps', 'bandwidth', 'downloadBytesPerSecond'],
] as const;

/** The permission options, for the user and per directory, and the setting each gives a flag. */
const permissionOptions = [
  ['allow', true],
  ['deny', false],
  ['default', null],
] as const;

/** The options of `users set` (the limits and permission options above besides). */
const profileOptions = ['home', 'root', 'attributes-json'];

interface UsersArguments {
  readonly configFile: string | undefined;
  readonly request: UsersAction;
}

/** Exit codes, as the app's: 1 for a store that refused or failed, 2 for usage and configuration. */
const ExitCode = { Success: 0, Failure: 1, Configuration: 2 } as const;

function parseUsersOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      home: { type: 'string' },
      root: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
      'quota-bytes': { type: 'string' },
      'quota-files': { type: 'string' },
      'upload-bps': { type: 'string' },
      'download-bps': { type: 'string' },
      allow: { type: 'string' },
      deny: { type: 'string' },
      default: { type: 'string' },
      'dir-allow': { type: 'string', multiple: true },
      'dir-deny': { type: 'string', multiple: true },
      'dir-default': { type: 'string', multiple: true },
      'attributes-json': { type: 'string' },
      'quota-folder': { type: 'string' },
      'no-cross-mount-rename': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
}

type OptionValues = ReturnType<typeof parseUsersOptions>['values'];

/** Each action: the positional arguments it takes after its name (for the usage errors) and the options it takes. */
const actions: Readonly<Record<string, { readonly operands: readonly string[]; readonly options: readonly string[] }>> = {
  add: { operands: ['<name>'], options: ['home', 'root', 'password-stdin'] },
  passwd: { operands: ['<name>'], options: ['password-stdin'] },
  disable: { operands: ['<name>'], options: [] },
  enable: { operands: ['<name>'], options: [] },
  delete: { operands: ['<name>'], options: [] },
  list: { operands: [], options: ['json'] },
  set: {
    operands: ['<name>'],
    options: [
      ...limitOptions.map(([option]) => option),
      ...permissionOptions.flatMap(([option]) => [option, `dir-${option}`]),
      ...profileOptions,
    ],
  },
  mount: {
    operands: ['<name>', '<path>', '<connector>'],
    options: ['root', 'no-cross-mount-rename', 'quota-folder', 'quota-bytes', 'quota-files'],
  },
  unmount: { operands: ['<name>', '<path>'], options: [] },
};

/** Parses the whole command line (`users` and options before it included). Throws `UsageError`. */
export function parseUsersArguments(argv: readonly string[]): UsersArguments {
  let parsed: ReturnType<typeof parseUsersOptions>;
  try {
    parsed = parseUsersOptions([...argv]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const [users, action, ...operands] = parsed.positionals;
  if (users !== 'users') throw new UsageError('expected the "users" command');
  const configFile = values.config;
  if (values.help === true) return { configFile, request: { action: 'help' } };
  if (action === undefined) {
    throw new UsageError('missing the action: add, passwd, set, mount, unmount, disable, enable, delete or list');
  }
  // Own keys only: "constructor" or "__proto__" is an unknown action, not one of Object's.
  const known = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (known === undefined) throw new UsageError(`unknown action "${action}" (known: ${Object.keys(actions).join(', ')})`);
  const { operands: expected, options } = known;
  const misplaced = Object.keys(values).find((key) => key !== 'config' && !options.includes(key));
  if (misplaced !== undefined) throw new UsageError(`--${misplaced} does not apply to "users ${action}"`);
  if (action !== 'list' && (operands[0] === undefined || operands[0] === '')) throw new UsageError(`"users ${action}" needs a user name`);
  if (operands.length < expected.length) {
    throw new UsageError(`"users ${action}" needs ${expected.join(' ')} (missing ${expected.slice(operands.length).join(' ')})`);
  }
  if (operands.length > expected.length) throw new UsageError(`unexpected argument "${operands[expected.length]}"`);
  if (action === 'list') return { configFile, request: { action, json: values.json === true } };
  const username = operands[0] as string;
  const passwordStdin = values['password-stdin'] === true;
  if (action === 'add') {
    const homeDirectory = values.home === undefined ? undefined : virtualPathOption('--home', values.home);
    const rootDirectory = values.root === undefined ? undefined : virtualPathOption('--root', values.root);
    return {
      configFile,
      request: {
        action,
        username,
        passwordStdin,
        ...(homeDirectory === undefined ? {} : { homeDirectory }),
        ...(rootDirectory === undefined ? {} : { rootDirectory }),
      },
    };
  }
  if (action === 'passwd') return { configFile, request: { action, username, passwordStdin } };
  if (action === 'set') return { configFile, request: { action, username, settings: parseSettings(values) } };
  if (action === 'mount') {
    const [, path, connector] = operands as [string, string, string];
    return {
      configFile,
      request: { action, username, path: virtualPathOption('<path>', path), mount: parseMount(connector, values) },
    };
  }
  if (action === 'unmount') return { configFile, request: { action, username, path: virtualPathOption('<path>', operands[1] as string) } };
  return { configFile, request: { action: action as 'disable' | 'enable' | 'delete', username } };
}

/**
 * An absolute virtual path as the server names paths: "/" and segments that are neither empty, "." nor ".." (a
 * trailing "/" is dropped), so a path is never resolved otherwise than the operator wrote it. Undefined otherwise.
 */
export function normalisedVirtualPath(path: string): string | undefined {
  if (!path.startsWith('/') || path.includes('\0')) return undefined;
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop();
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return `/${segments.join('/')}`;
}

function virtualPathOption(option: string, value: string): string {
  const path = normalisedVirtualPath(value);
  if (path === undefined) {
    throw new UsageError(`${option} must be an absolute path without "." or ".." such as "/incoming" (got ${JSON.stringify(value)})`);
  }
  return path;
}

/** A whole number, or null for "none" where `none` allows it. */
function wholeNumberOption(option: string, value: string, none: boolean): number | null {
  if (none && value === 'none') return null;
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${option} must be a whole number${none ? ' or "none"' : ''}`);
  }
  return Number(value);
}

function permissionFlags(option: string, list: string, into: Record<string, boolean | null>, setting: boolean | null, where: string): void {
  for (const flag of list.split(',').map((item) => item.trim())) {
    if (!(userPermissionKeys as readonly string[]).includes(flag)) {
      throw new UsageError(`${option}: unknown permission "${flag}" (known: ${userPermissionKeys.join(', ')})`);
    }
    if (flag in into) throw new UsageError(`the permission "${flag}"${where} is named twice`);
    into[flag] = setting;
  }
}

function parseSettings(values: OptionValues): ProfileSettings {
  const settings: Record<string, unknown> = {};
  for (const [option, key] of [
    ['home', 'homeDirectory'],
    ['root', 'rootDirectory'],
  ] as const) {
    const value = values[option];
    if (value !== undefined) settings[key] = value === 'none' ? null : virtualPathOption(`--${option}`, value);
  }
  const limits: Record<string, Record<string, number | null>> = {};
  for (const [option, group, key] of limitOptions) {
    const value = values[option];
    if (typeof value !== 'string') continue;
    limits[group] = { ...limits[group], [key]: wholeNumberOption(option, value, true) };
  }
  Object.assign(settings, limits);
  const permissions: Record<string, boolean | null> = {};
  const directoryPermissions: Record<string, Record<string, boolean | null>> = {};
  for (const [option, setting] of permissionOptions) {
    const value = values[option];
    if (typeof value === 'string') permissionFlags(`--${option}`, value, permissions, setting, '');
    for (const item of values[`dir-${option}`] ?? []) {
      // Flags never hold "=", a path may: the last one separates them.
      const at = item.lastIndexOf('=');
      if (at < 0) throw new UsageError(`--dir-${option} takes PATH=FLAGS, such as /archive=upload,delete (got ${JSON.stringify(item)})`);
      const directory = virtualPathOption(`--dir-${option}`, item.slice(0, at));
      directoryPermissions[directory] ??= {};
      permissionFlags(`--dir-${option}`, item.slice(at + 1), directoryPermissions[directory], setting, ` of ${directory}`);
    }
  }
  if (Object.keys(permissions).length > 0) settings.permissions = permissions;
  if (Object.keys(directoryPermissions).length > 0) settings.directoryPermissions = directoryPermissions;
  const attributes = values['attributes-json'];
  if (attributes !== undefined) {
    if (attributes === '') throw new UsageError('--attributes-json needs a file, "-" for stdin or "none"');
    settings.attributesFrom = attributes === 'none' ? null : attributes;
  }
  if (Object.keys(settings).length === 0) {
    throw new UsageError(
      '"users set" needs something to change: --home, --root, --quota-bytes, --quota-files, --upload-bps, --download-bps, --allow, --deny, --default, --dir-allow, --dir-deny, --dir-default or --attributes-json',
    );
  }
  return settings as ProfileSettings;
}

/** The mount `users mount` sets: the connector's name alone when no option is given, as a user record writes it. */
function parseMount(connector: string, values: OptionValues): UserMount | string {
  if (connector === '') throw new UsageError('<connector> must be the name of a connector of storageConfig.connectors');
  const rootDirectory = values.root === undefined ? undefined : virtualPathOption('--root', values.root);
  const folder = values['quota-folder'];
  const limits: Record<string, number> = {};
  for (const [option, key] of [
    ['quota-bytes', 'maxBytes'],
    ['quota-files', 'maxFiles'],
  ] as const) {
    const value = values[option];
    if (value === undefined) continue;
    if (folder === undefined) throw new UsageError(`--${option} of a mount needs --quota-folder NAME, the account its files count in`);
    limits[key] = wholeNumberOption(option, value, false) as number;
  }
  if (folder === '') throw new UsageError("--quota-folder must be a non-empty name, the quota's account");
  const mount: UserMount = {
    connector,
    ...(rootDirectory === undefined ? {} : { rootDirectory }),
    ...(values['no-cross-mount-rename'] === true ? { crossMountRename: false } : {}),
    ...(folder === undefined ? {} : { quota: { folder, ...limits } }),
  };
  return Object.keys(mount).length === 1 ? connector : mount;
}

/** What the server's config says of the mounts a user record may add, to check a mount before it is written. */
interface StorageFacts {
  /** The configured storage connector; a user's mounts apply only with "mounts". */
  readonly storageConnector: string;
  /** The connectors a user record may name (the mounts storage's `connectors`). */
  readonly connectors: readonly string[];
  /** The quota folders of the operator's mounts, which a user's mount must give the same limits. */
  readonly quotas: readonly { readonly path: string; readonly quota: Readonly<Record<string, unknown>> }[];
}

function storageFactsOf(storageConnector: string | undefined, storageConfig: Readonly<Record<string, unknown>>): StorageFacts {
  const connector = storageConnector ?? 'fs';
  if (connector !== 'mounts') return { storageConnector: connector, connectors: [], quotas: [] };
  const connectors = isObject(storageConfig.connectors) ? Object.keys(storageConfig.connectors) : [];
  const mounts = isObject(storageConfig.mounts) ? storageConfig.mounts : {};
  const quotas = Object.entries(mounts).flatMap(([path, mount]) =>
    isObject(mount) && isObject(mount.quota) ? [{ path, quota: mount.quota }] : [],
  );
  return { storageConnector: connector, connectors, quotas };
}

/**
 * Checks `attributes.mounts` as the mounts storage reads it at login, where a mistake refuses the user's session: an
 * object of normalisable paths, each a connector of the config's `connectors` or `{ connector, rootDirectory?,
 * crossMountRename?, quota? }` without other keys (a misspelt `rootDirectory` would show the connector's whole
 * storage), a quota folder the operator's mounts give other limits. Throws `UsageError` naming the key.
 */
function checkUserMounts(mounts: unknown, storage: StorageFacts): void {
  const at = 'attributes.mounts';
  if (!isObject(mounts)) throw new UsageError(`${at} must be an object of mount paths`);
  for (const [path, value] of Object.entries(mounts)) {
    const key = `${at}.${path}`;
    if (normalisedVirtualPath(path) === undefined) throw new UsageError(`${key}: the path must be absolute, without "." or ".."`);
    // The shape is the one the config's mounts have (`mountSchema`); what depends on the config is checked below.
    const checked = checkWithSchema(mountSchema, value);
    if (!checked.ok) {
      throw new UsageError(
        checked.problems.map((problem) => `${[key, ...problem.path.map(String)].join('.')}: ${problem.reason}`).join('; '),
      );
    }
    const { connector, rootDirectory, quota } = checked.value;
    if (storage.storageConnector === 'mounts' && !storage.connectors.includes(connector)) {
      throw new UsageError(
        `${key}: the connector "${connector}" is not in the config's storageConfig.connectors (known: ${storage.connectors.join(', ') || 'none'})`,
      );
    }
    if (rootDirectory !== undefined && normalisedVirtualPath(rootDirectory) === undefined) {
      throw new UsageError(`${key}.rootDirectory must be an absolute path without "." or ".."`);
    }
    if (quota !== undefined) checkQuotaFolderLimits(quota, `${key}.quota`, storage);
  }
}

/** One quota folder has one set of limits: those of the operator's mounts that name it, if any do. */
function checkQuotaFolderLimits(quota: MountQuota, key: string, storage: StorageFacts): void {
  const other = storage.quotas.find(
    (mount) => mount.quota.folder === quota.folder && (mount.quota.maxBytes !== quota.maxBytes || mount.quota.maxFiles !== quota.maxFiles),
  );
  if (other !== undefined) {
    throw new UsageError(
      `${key}: the quota folder "${quota.folder}" has other limits in the config's mount ${other.path} (${limitsText(other.quota)}); one folder has one set of limits`,
    );
  }
}

function limitsText(quota: Readonly<Record<string, unknown>>): string {
  const limits = ['maxBytes', 'maxFiles'].filter((key) => quota[key] !== undefined).map((key) => `${key} ${String(quota[key])}`);
  return limits.length === 0 ? 'no limits' : limits.join(', ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `ftp-server users ...`: loads the server's config and authenticator as `ftp-server` does, and changes or lists
 * its users through the authenticator's user store (`AuthenticatorV1.users`). Never prints or logs a password.
 * Returns the exit code.
 */
export async function runUsersCommand(argv: readonly string[], where: UsersCommandEnvironment): Promise<number> {
  const { errorOutput } = where.streams;
  const fail = (code: number, message: string) => {
    errorOutput.write(`ftp-server: ${message}\n`);
    return code;
  };
  let parsed: UsersArguments;
  try {
    parsed = parseUsersArguments(argv);
  } catch (error) {
    errorOutput.write(`ftp-server: ${(error as Error).message}\n\n${usersUsage}`);
    return ExitCode.Configuration;
  }
  if (parsed.request.action === 'help') {
    where.streams.output.write(usersUsage);
    return ExitCode.Success;
  }
  if (namedConfigFile(parsed.configFile, where.environment) === undefined) {
    return fail(ExitCode.Configuration, "users: give the server's config file with --config FILE or FTP_CONFIG");
  }

  let authenticator: Authenticator;
  let authenticatorName: string;
  let storage: StorageFacts;
  try {
    const config = loadConfig({ configFile: parsed.configFile, environment: where.environment, cwd: where.cwd, defaultDocument: {} });
    authenticatorName = config.authenticator;
    storage = storageFactsOf(config.storageConnector, config.storageConfig);
    // Plugin warnings go to stderr, so stdout holds the listing alone.
    const logger = createLogger('warn', pino.destination({ dest: 2, sync: true })).child({ plugin: config.authenticator });
    authenticator = await loadAuthenticator(config.authenticator, config.authenticatorConfig, {
      logger,
      configDirectory: config.configDirectory,
    });
  } catch (error) {
    if (isConfigurationError(error)) return fail(ExitCode.Configuration, `configuration error: ${(error as Error).message}`);
    // An authentication service that cannot be reached (AuthenticationUnavailableError) is a failure like any other.
    return fail(ExitCode.Failure, messageOf(error));
  }

  try {
    const store = authenticator.users;
    if (store === undefined) {
      const hint = authenticatorName === 'local' ? ' (its users are inline: give authenticatorConfig.usersFile to write them there)' : '';
      return fail(ExitCode.Configuration, `the configured authenticator (${authenticatorName}) cannot write users${hint}`);
    }
    return await runAction(parsed.request, store, { ...where, storage });
  } catch (error) {
    if (UserStoreError.isInstance(error)) {
      return fail(error.reason === 'invalid-user' ? ExitCode.Configuration : ExitCode.Failure, error.message);
    }
    if (error instanceof UsageError) return fail(ExitCode.Configuration, error.message);
    return fail(ExitCode.Failure, messageOf(error));
  } finally {
    await authenticator.close?.().catch(() => undefined);
  }
}

/** What an action works with besides the store: the command's streams and directory, the config's storage. */
interface ActionContext {
  readonly streams: CommandStreams;
  readonly cwd: string;
  readonly storage: StorageFacts;
}

async function runAction(request: Exclude<UsersAction, { action: 'help' }>, store: UserStoreV1, context: ActionContext): Promise<number> {
  const { streams } = context;
  const { output } = streams;
  switch (request.action) {
    case 'list': {
      const users = await store.listUsers();
      // The revisions are the store's tokens for conditional changes, not facts of the users.
      const listed = users.map(({ revision: _revision, ...user }) => user);
      output.write(request.json ? `${JSON.stringify(listed)}\n` : formatTable(listed));
      return ExitCode.Success;
    }
    case 'add': {
      const password = await readPassword(streams, request.passwordStdin);
      const { action: _action, passwordStdin: _passwordStdin, ...user } = request;
      await store.addUser({ ...user, password });
      output.write(`added user ${JSON.stringify(request.username)}\n`);
      return ExitCode.Success;
    }
    case 'passwd': {
      const password = await readPassword(streams, request.passwordStdin);
      await store.setPassword(request.username, password);
      output.write(`changed the password of ${JSON.stringify(request.username)}\n`);
      return ExitCode.Success;
    }
    case 'set': {
      const { attributesFrom, ...settings } = request.settings;
      // Read once, before the user is: stdin cannot be read again for another try.
      const attributes = attributesFrom === undefined ? undefined : await readAttributes(attributesFrom, context);
      const changes = await changeUser(store, request.username, (user) => {
        // updateUser replaces a fact whole, so what is not named is carried over from the user as read just now.
        const changes: Record<string, unknown> = {};
        const { homeDirectory, rootDirectory, quota, bandwidth, permissions, directoryPermissions } = settings;
        if (homeDirectory !== undefined) changes.homeDirectory = homeDirectory;
        if (rootDirectory !== undefined) changes.rootDirectory = rootDirectory;
        if (quota !== undefined) changes.quota = merged(user.quota, quota);
        if (bandwidth !== undefined) changes.bandwidth = merged(user.bandwidth, bandwidth);
        if (permissions !== undefined) changes.permissions = merged(user.permissions, permissions) as UserPermissions | null;
        if (directoryPermissions !== undefined)
          changes.directoryPermissions = mergedDirectories(user.directoryPermissions, directoryPermissions);
        if (attributes !== undefined) changes.attributes = attributes;
        return changes as UserChanges;
      });
      output.write(`changed ${Object.keys(changes).sort().join(', ')} of ${JSON.stringify(request.username)}\n`);
      return ExitCode.Success;
    }
    case 'mount':
    case 'unmount': {
      if (request.action === 'mount') {
        checkUserMounts({ [request.path]: request.mount }, context.storage);
        noteUnreadMounts(context);
      }
      await changeUser(store, request.username, (user) => {
        const current = user.attributes?.mounts ?? {};
        if (!isObject(current)) {
          throw new Error(
            `the attributes.mounts of ${JSON.stringify(request.username)} are not an object: replace them with --attributes-json`,
          );
        }
        // A key written otherwise ("/team/") names the same mount as its normalised path: it is replaced or removed too.
        const mounts = Object.fromEntries(Object.entries(current).filter(([path]) => normalisedVirtualPath(path) !== request.path));
        if (request.action === 'unmount' && Object.keys(mounts).length === Object.keys(current).length) {
          throw new Error(`user ${JSON.stringify(request.username)} has no mount at ${request.path}`);
        }
        if (request.action === 'mount') mounts[request.path] = request.mount;
        // The other attributes are written back as read: the store replaces the attributes whole.
        const { mounts: _mounts, ...others } = user.attributes ?? {};
        const attributes = Object.keys(mounts).length === 0 ? others : { ...others, mounts };
        return { attributes: Object.keys(attributes).length === 0 ? null : attributes };
      });
      output.write(
        request.action === 'mount'
          ? `mounted ${JSON.stringify(typeof request.mount === 'string' ? request.mount : request.mount.connector)} at ${request.path} for ${JSON.stringify(request.username)}\n`
          : `removed the mount at ${request.path} of ${JSON.stringify(request.username)}\n`,
      );
      return ExitCode.Success;
    }
    case 'disable':
    case 'enable':
      await store.setEnabled(request.username, request.action === 'enable');
      output.write(`${request.action}d user ${JSON.stringify(request.username)}\n`);
      return ExitCode.Success;
    case 'delete':
      await store.deleteUser(request.username);
      output.write(`deleted user ${JSON.stringify(request.username)}\n`);
      return ExitCode.Success;
  }
}

/** The store's `updateUser`, which `users set`, `mount` and `unmount` need. */
function updaterOf(store: UserStoreV1): NonNullable<UserStoreV1['updateUser']> {
  const { updateUser } = store;
  if (updateUser === undefined) throw new UsageError('the configured authenticator cannot change the profiles of its users');
  return updateUser.bind(store);
}

/**
 * A read-modify-write of one user: reads the user, computes the changes from it (`change`, which may throw to refuse)
 * and writes them only if the user is still as read (`ifRevision`); when another writer changed the user in between
 * ("conflict"), reads it again and computes the changes afresh, up to `changeAttempts` times. Returns the changes
 * written. A store that shows no revision cannot check; its user is written as read, as before revisions existed.
 */
async function changeUser(store: UserStoreV1, username: string, change: (user: StoredUser) => UserChanges): Promise<UserChanges> {
  const update = updaterOf(store);
  for (let attempt = 1; ; attempt += 1) {
    const user = await existingUser(store, username);
    const changes = change(user);
    try {
      await update(username, changes, ...(user.revision === undefined ? [] : [{ ifRevision: user.revision }]));
      return changes;
    } catch (error) {
      if (!(UserStoreError.isInstance(error) && error.reason === 'conflict')) throw error;
      if (attempt >= changeAttempts) {
        throw new UserStoreError(
          'conflict',
          `user ${JSON.stringify(username)} was changed by other writers each of the ${changeAttempts} times it was read; nothing was written: try again`,
          { cause: error },
        );
      }
    }
  }
}

async function existingUser(store: UserStoreV1, username: string): Promise<StoredUser> {
  const user = await store.getUser(username);
  if (user === undefined) throw new UserStoreError('no-such-user', `no user ${JSON.stringify(username)}`);
  return user;
}

/**
 * The attributes of `--attributes-json`: null for "none", else the JSON object in the file (relative to the working
 * directory) or on stdin ("-"), its mounts checked as the mounts storage reads them. The store checks the rest.
 */
async function readAttributes(from: string | null, context: ActionContext): Promise<Readonly<Record<string, unknown>> | null> {
  if (from === null) return null;
  const source = from === '-' ? 'stdin' : from;
  let text: string;
  try {
    text = from === '-' ? await readAll(context.streams.input) : await readFile(resolve(context.cwd, from), 'utf8');
  } catch (error) {
    throw new UsageError(`--attributes-json: cannot read ${source}: ${messageOf(error)}`);
  }
  let attributes: unknown;
  try {
    attributes = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--attributes-json: ${source} is not JSON: ${messageOf(error)}`);
  }
  if (!isObject(attributes)) {
    throw new UsageError(`--attributes-json: ${source} must hold a JSON object (such as {"mounts": {}}), not ${describeJson(attributes)}`);
  }
  if (attributes.mounts !== undefined) {
    checkUserMounts(attributes.mounts, context.storage);
    noteUnreadMounts(context);
  }
  return attributes;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** A user's mounts do nothing unless the storage is "mounts": said on stderr, the change is still written. */
function noteUnreadMounts(context: ActionContext): void {
  if (context.storage.storageConnector === 'mounts') return;
  context.streams.errorOutput.write(
    `ftp-server: note: the configured storage (${context.storage.storageConnector}) does not read attributes.mounts; they apply with storageConnector "mounts"\n`,
  );
}

/** The directory overrides with `settings` applied per directory; a directory left with no flag is removed. */
function mergedDirectories(
  current: Readonly<Record<string, UserPermissions>> | undefined,
  settings: Readonly<Record<string, FlagSettings>>,
): Record<string, UserPermissions> | null {
  const result: Record<string, UserPermissions> = { ...current };
  for (const [directory, flags] of Object.entries(settings)) {
    // The store may hold the directory written otherwise ("/in/"): its flags are merged under the normalised path.
    const same = Object.keys(result).filter((key) => normalisedVirtualPath(key) === directory);
    const existing = Object.assign({}, ...same.map((key) => result[key]));
    for (const key of same) delete result[key];
    const permissions = merged<UserPermissions>(existing, flags);
    if (permissions !== null) result[directory] = permissions;
  }
  return Object.keys(result).length === 0 ? null : result;
}

/** The new password: from stdin with --password-stdin, else asked twice at the terminal without echo. */
async function readPassword(streams: CommandStreams, fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(streams.input)).replace(/\r?\n$/, '');
  } else if (streams.input.isTTY === true && streams.input.setRawMode !== undefined) {
    password = await promptHidden('Password: ', streams);
    if ((await promptHidden('Repeat password: ', streams)) !== password) throw new UsageError('the passwords differ');
  } else {
    throw new UsageError('stdin is not a terminal to ask for the password: give --password-stdin and pipe the password in');
  }
  if (password === '') throw new UsageError('refusing an empty password');
  return password;
}

/** `current` with `settings` applied (null removes a key); null when nothing is left. */
function merged<T extends object>(current: T | undefined, settings: Readonly<Record<string, unknown>>): T | null {
  const result: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(settings)) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return Object.keys(result).length === 0 ? null : (result as T);
}

function formatTable(users: readonly StoredUser[]): string {
  const rows = [
    ['USER', 'STATE', 'HOME', 'ROOT', 'MOUNTS'],
    ...users.map((user) => [
      user.username,
      (user.enabled ? 'enabled' : 'disabled') + (user.writable === false ? ' (config)' : ''),
      user.homeDirectory ?? '/',
      user.rootDirectory ?? '-',
      mountsText(user.attributes?.mounts),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** The user's own mounts, short: "/archive=archive,/team=teams"; "-" for none, the full form is in `list --json`. */
function mountsText(mounts: unknown): string {
  if (mounts === undefined) return '-';
  if (!isObject(mounts)) return '(not an object)';
  const entries = Object.entries(mounts).map(([path, mount]) => {
    const connector = typeof mount === 'string' ? mount : isObject(mount) ? mount.connector : undefined;
    return `${path}=${typeof connector === 'string' ? connector : '?'}`;
  });
  return entries.length === 0 ? '-' : entries.join(',');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
