import { FtpError } from '@ftp/plugin-api';
import type { ConfigProblem } from './config-problems.ts';

/**
 * A configuration problem found at start: bad values, unknown or missing keys, an unloadable plugin. Every problem of
 * a config is reported at once, one per line, each naming its key by its full path. The app prints `message` and
 * exits with code 2.
 */
export class ConfigError extends Error {
  /** The key at fault (of the first problem), dotted for nested keys (`storageConfig.root`). */
  readonly key: string;
  /** Every problem found, in the order of the document. */
  readonly problems: readonly ConfigProblem[];

  constructor(key: string, reason: string, source?: string);
  /** One error for all of `problems`. */
  constructor(problems: readonly [ConfigProblem, ...ConfigProblem[]]);
  constructor(keyOrProblems: string | readonly [ConfigProblem, ...ConfigProblem[]], reason = '', source?: string) {
    const problems: readonly [ConfigProblem, ...ConfigProblem[]] =
      typeof keyOrProblems === 'string' ? [{ key: keyOrProblems, reason, source }] : keyOrProblems;
    super(
      problems.length === 1
        ? formatProblem(problems[0])
        : `${problems.length} problems:\n${problems.map((problem) => `  ${formatProblem(problem)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.key = problems[0].key;
    this.problems = problems;
  }
}

/** `key (source): reason`, the one way a configuration problem is written. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.key}${problem.source === undefined ? '' : ` (${problem.source})`}: ${problem.reason}`;
}

/**
 * True for errors that mean "fix your configuration": our `ConfigError`, and the plugin API's
 * `InvalidOptionError` and `PluginVersionError` from any copy of `@ftp/plugin-api`.
 */
export function isConfigurationError(error: unknown): error is Error {
  if (error instanceof ConfigError) return true;
  return FtpError.isInstance(error) && (error.code === 'FTP_ERR_INVALID_OPTION' || error.code === 'FTP_ERR_PLUGIN_VERSION');
}

/**
 * Runs a plugin factory and turns its `InvalidOptionError` (option "root") into a `ConfigError` naming the config key
 * ("storageConfig.root"), so the user sees where to fix it.
 */
export async function withConfigKeyPrefix<T>(prefix: string, create: () => T | Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (FtpError.isInstance(error) && error.code === 'FTP_ERR_INVALID_OPTION') {
      const option = (error as FtpError & { option?: unknown }).option;
      const reason =
        typeof option === 'string' && error.message.startsWith(`${option}: `) ? error.message.slice(option.length + 2) : error.message;
      throw new ConfigError(typeof option === 'string' ? `${prefix}.${option}` : prefix, reason);
    }
    throw error;
  }
}
