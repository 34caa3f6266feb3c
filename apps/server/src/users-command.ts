import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  type Authenticator,
  type StoredUser,
  type UserChanges,
  type UserPermissions,
  UserStoreError,
  type UserStoreV1,
  userPermissionKeys,
} from '@ftp/plugin-api';
import { UsageError } from './cli-arguments.ts';
import { loadConfig, namedConfigFile } from './config.ts';
import { isConfigurationError } from './config-error.ts';
import { type CommandStreams, promptHidden, readAll } from './hash-password-command.ts';
import { createLogger } from './logging.ts';
import { loadAuthenticator } from './plugins.ts';

/** The text printed by `ftp-server users --help`. */
export const usersUsage = `Usage:
  ftp-server users add <name> [--home DIR] [--root DIR] [--password-stdin]   add a user
  ftp-server users passwd <name> [--password-stdin]                         set a user's password
  ftp-server users disable <name>                                           refuse the user's logins
  ftp-server users enable <name>                                            allow them again
  ftp-server users set <name> [--quota-bytes N] [--quota-files N] [--upload-bps N] [--download-bps N]
                              [--allow FLAGS] [--deny FLAGS] [--default FLAGS]  change limits and permissions
  ftp-server users delete <name>                                            remove a user
  ftp-server users list [--json]                                            list the users (never a password)

Works on the users of the authenticator the server's config names (the "local" authenticator's usersFile, or the
users table of @ftp/store-postgres); a running server applies a change at that user's next login, without a restart.

Options:
  -c, --config FILE    the server's JSON config file (default: $FTP_CONFIG)
  --home DIR           the directory the user's sessions start in, a virtual absolute path ("/incoming")
  --root DIR           the storage directory that becomes the user's "/" (a chroot)
  --password-stdin     read the password from stdin (all of it, without its final line break); without it the
                       password is asked for twice without echo, which needs a terminal
  --json               list as a JSON array
  --quota-bytes N      most bytes the user's files may take ("none": no limit); likewise --quota-files N
  --upload-bps N       upload speed limit in bytes per second ("none": no limit); likewise --download-bps N
  --allow FLAGS        permission flags to grant, comma-separated (${userPermissionKeys.join(', ')});
  --deny FLAGS         to refuse; --default FLAGS to leave to the server's userDefaults again
                       (\`users set\` keeps every limit and flag it is not given)
  -h, --help           show this text

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
  | { readonly action: 'disable' | 'enable' | 'delete'; readonly username: string };

/**
 * What `users set` changes: a limit as a number, or null to remove it; permission flags to grant (true), refuse
 * (false) or leave to the server's defaults (null). What is not named stays as the user has it.
 */
export interface ProfileSettings {
  readonly quota?: Readonly<Record<'maxBytes' | 'maxFiles', number | null>>;
  readonly bandwidth?: Readonly<Record<'uploadBytesPerSecond' | 'downloadBytesPerSecond', number | null>>;
  readonly permissions?: Readonly<Record<string, boolean | null>>;
}

/** The `users set` options of limits, and where each goes. */
const limitOptions = [
  ['quota-bytes', 'quota', 'maxBytes'],
  ['quota-files', 'quota', 'maxFiles'],
  ['upload-bps', 'bandwidth', 'uploadBytesPerSecond'],
  ['download-bps', 'bandwidth', 'downloadBytesPerSecond'],
] as const;

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
    },
    allowPositionals: true,
    strict: true,
  });
}

/** Parses the whole command line (`users` and options before it included). Throws `UsageError`. */
export function parseUsersArguments(argv: readonly string[]): UsersArguments {
  let parsed: ReturnType<typeof parseUsersOptions>;
  try {
    parsed = parseUsersOptions([...argv]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const [users, action, username, ...extra] = parsed.positionals;
  if (users !== 'users') throw new UsageError('expected the "users" command');
  const configFile = values.config;
  if (values.help === true) return { configFile, request: { action: 'help' } };
  if (action === undefined) throw new UsageError('missing the action: add, passwd, set, disable, enable, delete or list');
  const allowed: Record<string, readonly string[]> = {
    add: ['home', 'root', 'password-stdin'],
    passwd: ['password-stdin'],
    disable: [],
    enable: [],
    delete: [],
    list: ['json'],
    set: [...limitOptions.map(([option]) => option), 'allow', 'deny', 'default'],
  };
  const options = allowed[action];
  if (options === undefined) throw new UsageError(`unknown action "${action}" (known: ${Object.keys(allowed).join(', ')})`);
  const misplaced = Object.keys(values).find((key) => key !== 'config' && !options.includes(key));
  if (misplaced !== undefined) throw new UsageError(`--${misplaced} does not apply to "users ${action}"`);
  if (action === 'list') {
    if (username !== undefined) throw new UsageError(`unexpected argument "${username}"`);
    return { configFile, request: { action, json: values.json === true } };
  }
  if (username === undefined || username === '') throw new UsageError(`"users ${action}" needs a user name`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const passwordStdin = values['password-stdin'] === true;
  if (action === 'add') {
    for (const [option, value] of [
      ['home', values.home],
      ['root', values.root],
    ] as const) {
      if (value !== undefined && !value.startsWith('/')) throw new UsageError(`--${option} must be an absolute path such as "/incoming"`);
    }
    return {
      configFile,
      request: {
        action,
        username,
        passwordStdin,
        ...(values.home === undefined ? {} : { homeDirectory: values.home }),
        ...(values.root === undefined ? {} : { rootDirectory: values.root }),
      },
    };
  }
  if (action === 'passwd') return { configFile, request: { action, username, passwordStdin } };
  if (action === 'set') return { configFile, request: { action, username, settings: parseSettings(values) } };
  return { configFile, request: { action: action as 'disable' | 'enable' | 'delete', username } };
}

function parseSettings(values: Record<string, string | boolean | undefined>): ProfileSettings {
  const limits: Record<string, Record<string, number | null>> = {};
  for (const [option, group, key] of limitOptions) {
    const value = values[option];
    if (typeof value !== 'string') continue;
    if (value !== 'none' && !/^[0-9]+$/.test(value)) throw new UsageError(`--${option} must be a whole number or "none"`);
    limits[group] = { ...limits[group], [key]: value === 'none' ? null : Number(value) };
  }
  const permissions: Record<string, boolean | null> = {};
  for (const [option, setting] of [
    ['allow', true],
    ['deny', false],
    ['default', null],
  ] as const) {
    const value = values[option];
    if (typeof value !== 'string') continue;
    for (const flag of value.split(',').map((item) => item.trim())) {
      if (!(userPermissionKeys as readonly string[]).includes(flag)) {
        throw new UsageError(`--${option}: unknown permission "${flag}" (known: ${userPermissionKeys.join(', ')})`);
      }
      if (flag in permissions) throw new UsageError(`the permission "${flag}" is named twice`);
      permissions[flag] = setting;
    }
  }
  const settings = { ...limits, ...(Object.keys(permissions).length === 0 ? {} : { permissions }) };
  if (Object.keys(settings).length === 0) {
    throw new UsageError(
      '"users set" needs something to change: --quota-bytes, --quota-files, --upload-bps, --download-bps, --allow, --deny or --default',
    );
  }
  return settings;
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
  try {
    const config = loadConfig({ configFile: parsed.configFile, environment: where.environment, cwd: where.cwd, defaultDocument: {} });
    authenticatorName = config.authenticator;
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
    return await runAction(parsed.request, store, where.streams);
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

async function runAction(request: Exclude<UsersAction, { action: 'help' }>, store: UserStoreV1, streams: CommandStreams): Promise<number> {
  const { output } = streams;
  switch (request.action) {
    case 'list': {
      const users = await store.listUsers();
      output.write(request.json ? `${JSON.stringify(users)}\n` : formatTable(users));
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
      if (store.updateUser === undefined) {
        throw new UsageError('the configured authenticator cannot change limits or permissions of its users');
      }
      const user = await store.getUser(request.username);
      if (user === undefined) throw new UserStoreError('no-such-user', `no user ${JSON.stringify(request.username)}`);
      // updateUser replaces a fact whole, so what is not named is carried over from the user as read just now.
      const changes: Record<string, unknown> = {};
      const { quota, bandwidth, permissions } = request.settings;
      if (quota !== undefined) changes.quota = merged(user.quota, quota);
      if (bandwidth !== undefined) changes.bandwidth = merged(user.bandwidth, bandwidth);
      if (permissions !== undefined) changes.permissions = merged(user.permissions, permissions) as UserPermissions | null;
      await store.updateUser(request.username, changes as UserChanges);
      output.write(`changed ${Object.keys(changes).sort().join(', ')} of ${JSON.stringify(request.username)}\n`);
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
    ['USER', 'STATE', 'HOME', 'ROOT'],
    ...users.map((user) => [
      user.username,
      (user.enabled ? 'enabled' : 'disabled') + (user.writable === false ? ' (config)' : ''),
      user.homeDirectory ?? '/',
      user.rootDirectory ?? '-',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
