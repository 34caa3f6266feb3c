import { readFileSync } from 'node:fs';
import { access, constants, readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  AuthenticationUnavailableError,
  InvalidOptionError,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticatorFactory,
  type AuthenticatorV1,
  type PluginContext,
  type PluginLogger,
  type UserPermissions,
} from '@ftp/plugin-api';
import { parseHtpasswd, type ParsedHtpasswd } from './htpasswd-file.ts';
import { verifyPassword } from './verify-password.ts';

export { apr1Hash } from './apr1-md5.ts';
export { parseHtpasswd, type HtpasswdEntry, type HtpasswdProblem, type ParsedHtpasswd } from './htpasswd-file.ts';
export { verifyPassword, formatOf, type HashFormat } from './verify-password.ts';

/** Options of `createHtpasswdAuthenticator`. */
export interface HtpasswdAuthenticatorOptions {
  /** Path of the htpasswd file (`htpasswd -cB users.htpasswd alice` creates one). Required. */
  readonly file: string;
  /** Virtual directory every user starts in. Default "/". */
  readonly homeDirectory?: string;
  /** Permissions given to every user; each flag defaults to true (see `UserPermissions`). */
  readonly permissions?: UserPermissions;
  /** Authenticator name in the server's logs. Default "htpasswd". */
  readonly name?: string;
}

const optionKeys: ReadonlySet<string> = new Set(['file', 'homeDirectory', 'permissions', 'name']);

// Checked for unknown user names, so a login costs a bcrypt comparison whether or not the user exists. Cost 10 is
// what htpasswd -B uses by default. The password behind it is irrelevant: nothing is ever accepted through it.
const dummyHash = '$2b$10$L/s0NSawI/LOw1rMlVwCmuzE4aTu4eAxT1unZSHEYym4UFD.0rlqG';

function validate(options: HtpasswdAuthenticatorOptions): void {
  for (const key of Object.keys(options)) {
    if (!optionKeys.has(key)) throw new InvalidOptionError(key, `unknown option; expected one of ${[...optionKeys].join(', ')}`);
  }
  if (typeof options.file !== 'string' || options.file === '')
    throw new InvalidOptionError('file', 'is required: the path of an htpasswd file');
  if (options.homeDirectory !== undefined && (typeof options.homeDirectory !== 'string' || !options.homeDirectory.startsWith('/'))) {
    throw new InvalidOptionError('homeDirectory', 'must be a virtual path starting with "/"');
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new InvalidOptionError('name', 'must be a non-empty string');
  }
}

function readAtStart(file: string): ParsedHtpasswd {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidOptionError('file', `cannot read ${file}: ${(error as Error).message}`);
  }
  return parseHtpasswd(content);
}

function logProblems(logger: PluginLogger, file: string, parsed: ParsedHtpasswd): void {
  for (const problem of parsed.problems) logger.warn({ file, line: problem.line }, `htpasswd line skipped: ${problem.reason}`);
}

/**
 * An authenticator that checks USER/PASS against an Apache htpasswd file with bcrypt (`$2y$`, `htpasswd -B`),
 * apr1-MD5 (`$apr1$`, `htpasswd -m`) and SHA-1 (`{SHA}`, `htpasswd -s`) entries. Like Apache, it reads the file on
 * every login, so edits made with `htpasswd` take effect at once without a restart.
 *
 * Throws `InvalidOptionError` at creation when the file cannot be read. At login, a file that has become unreadable
 * throws `AuthenticationUnavailableError` (the client gets 421, not "wrong password").
 */
export function createHtpasswdAuthenticator(options: HtpasswdAuthenticatorOptions, logger?: PluginLogger): AuthenticatorV1 {
  validate(options);
  const file = resolve(options.file);
  const initial = readAtStart(file);
  if (logger !== undefined) logProblems(logger, file, initial);
  const homeDirectory = options.homeDirectory ?? '/';

  async function currentUsers(context: PluginContext): Promise<ParsedHtpasswd> {
    try {
      return parseHtpasswd(await readFile(file, { encoding: 'utf8', signal: context.signal }));
    } catch (error) {
      throw new AuthenticationUnavailableError(`cannot read the htpasswd file ${file}`, { cause: error });
    }
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name: options.name ?? 'htpasswd',
    async authenticate(request: AuthenticationRequest, context: PluginContext): Promise<AuthenticationResult> {
      const entry = (await currentUsers(context)).users.get(request.username);
      const matches = await verifyPassword(request.password, entry?.hash ?? dummyHash);
      if (entry === undefined || !matches) {
        return { outcome: 'rejected', reason: entry === undefined ? 'unknown user' : 'wrong password' };
      }
      const user = { username: entry.username, homeDirectory };
      return { outcome: 'accepted', user: options.permissions === undefined ? user : { ...user, permissions: options.permissions } };
    },
    /** Ready while the file can be read: the same condition as a login that can be answered. */
    async checkHealth(): Promise<void> {
      await access(file, constants.R_OK);
    },
  });
}

/**
 * The entry point `ftp-server` looks for when a config names this package as `authenticator`: it receives
 * `authenticatorConfig` as `config`. A relative `file` is resolved against the config file's directory.
 */
export const createAuthenticator: AuthenticatorFactory = (config, environment) => {
  const file = config.file;
  const directory = environment.configDirectory ?? process.cwd();
  const absolute = typeof file === 'string' && file !== '' && !isAbsolute(file) ? resolve(directory, file) : file;
  return createHtpasswdAuthenticator({ ...config, file: absolute } as HtpasswdAuthenticatorOptions, environment.logger);
};
