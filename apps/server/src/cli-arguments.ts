import { parseArgs } from 'node:util';

/** What the command line asks for. */
export type CliCommand =
  | { readonly command: 'serve'; readonly configFile: string | undefined }
  | { readonly command: 'hash-password' }
  /** `ftp-server users ...`, parsed on by the users command itself: `argv` is the whole command line. */
  | { readonly command: 'users'; readonly argv: readonly string[] }
  | { readonly command: 'help' }
  | { readonly command: 'version' };

/** A command line the app does not understand; the app prints usage and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The text printed by `ftp-server --help`. */
export const usage = `Usage:
  ftp-server [--config FILE]    run the FTP server
  ftp-server hash-password      read a password from stdin (or prompt for it) and print its hash for a users file
  ftp-server users ACTION       add, change, disable or list the users of the configured authenticator
                                (see ftp-server users --help)
  ftp-server --help             show this text
  ftp-server --version          print the version of @ftp/cli

Options:
  -c, --config FILE   JSON config file (default: $FTP_CONFIG; without either, serve ./data on 127.0.0.1:2121
                      to user "ftp" with a random password printed at start)
  -h, --help          show this text
  -v, --version       print the version

Environment variables (FTP_PORT, FTP_ADDR, AUTHENTICATOR, LOG_LEVEL, ...) override config file values;
see the README of @ftp/cli for the full table. Exit codes: 0 after a clean shutdown, 1 on failure, 2 for
configuration or usage errors.
`;

/** The options and positionals of the command line, as `parseArgs` reads them. */
function parseCliOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    allowPositionals: true,
    strict: true,
  });
}

/** Parses `process.argv.slice(2)`. Throws `UsageError` for unknown options or arguments. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  // The users command has options of its own; it parses the whole line itself.
  if (firstArgument(argv) === 'users') return { command: 'users', argv };
  let parsed: ReturnType<typeof parseCliOptions>;
  try {
    parsed = parseCliOptions([...argv]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help === true) return { command: 'help' };
  if (parsed.values.version === true) return { command: 'version' };
  const [first, ...rest] = parsed.positionals;
  if (first === undefined) return { command: 'serve', configFile: parsed.values.config };
  if (first === 'hash-password' && rest.length === 0 && parsed.values.config === undefined) {
    return { command: 'hash-password' };
  }
  throw new UsageError(`unexpected argument "${first === 'hash-password' ? (rest[0] ?? '--config') : first}"`);
}

/** The first positional argument, options of the app (`--config FILE`) skipped; undefined when there is none. */
function firstArgument(argv: readonly string[]): string | undefined {
  const { positionals } = parseArgs({
    args: [...argv],
    options: { config: { type: 'string', short: 'c' } },
    allowPositionals: true,
    strict: false,
  });
  return positionals[0];
}
