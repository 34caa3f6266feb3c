import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { nonEmptyVariable, valuesFromEnvironment, variableOf } from './config-environment.ts';
import { ConfigError } from './config-error.ts';
import { builtInAuthenticatorSchemas, builtInStorageSchemas } from './config-plugin-schemas.ts';
import { checkWithSchema, formatPath, type ConfigPath, type ConfigProblem } from './config-problems.ts';
import { configSchema, type ConfigDocument } from './config-schema.ts';
import { completeWebhooksConfig, type WebhooksConfig } from './hooks-config.ts';
import { resolveTlsPaths, type TlsConfig } from './tls-config.ts';

/** The options of a plugin as the config gives them. */
type PluginConfig = Readonly<Record<string, unknown>>;

/**
 * The validated configuration of the app: the config file's keys with the environment's values over them and the
 * app's defaults filled in. Keys left out fall back to the `@ftp/server` defaults. The type comes from the schema
 * (config-schema.ts).
 */
export type AppConfig = Readonly<
  Omit<ConfigDocument, '$schema' | '$comment' | 'authenticatorConfig' | 'storageConfig' | 'tls' | 'webhooks'>
> & {
  /** The options of the authenticator, checked against its schema when it is a built-in; the object the document holds. */
  readonly authenticatorConfig: PluginConfig;
  /** The options of the storage connector, likewise. */
  readonly storageConfig: PluginConfig;
  /** FTPS; absent means plain FTP only. */
  readonly tls?: TlsConfig;
  readonly webhooks?: WebhooksConfig;
  /** Relative paths in plugin configs are resolved against this: the config file's directory, else the cwd. */
  readonly configDirectory: string;
  /** The config file read; undefined when the embedded default was used. */
  readonly configFile: string | undefined;
};

/** The environment variable naming the config file when `--config` is not given. */
export const configFileVariable = 'FTP_CONFIG';

/** Inputs of `loadConfig`, passed in so tests need no real process state. */
export interface LoadConfigOptions {
  /** The `--config` argument, if given. */
  readonly configFile?: string | undefined;
  /** Usually `process.env`. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Directory a relative `--config` path and the default config are resolved against. */
  readonly cwd: string;
  /** The document used when no config file is named at all. */
  readonly defaultDocument: Readonly<Record<string, unknown>>;
}

/** Where a document comes from, for `parseConfig`. */
export interface ParseConfigContext {
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly configDirectory: string;
  readonly configFile: string | undefined;
}

/**
 * Reads the config file named by `--config` or `FTP_CONFIG` (or takes the embedded default when neither is given),
 * applies environment overrides and validates everything. Throws `ConfigError` naming every key at fault and why.
 */
export function loadConfig(options: LoadConfigOptions): AppConfig {
  const named = options.configFile ?? nonEmptyVariable(options.environment, configFileVariable);
  if (named === undefined) {
    return parseConfig(withoutReplacedPluginConfigs(options.defaultDocument, options.environment), {
      environment: options.environment,
      configDirectory: options.cwd,
      configFile: undefined,
    });
  }
  const configFile = resolve(options.cwd, named);
  return parseConfig(readConfigFile(configFile), {
    environment: options.environment,
    configDirectory: dirname(configFile),
    configFile,
  });
}

/** Where a top-level value came from. */
interface Origin {
  readonly source: string | undefined;
}

/**
 * Validates a config document against the schema, with the environment's values over it: every problem of the
 * document and the environment is collected and thrown together as one `ConfigError`.
 */
export function parseConfig(document: unknown, context: ParseConfigContext): AppConfig {
  const fileSource = context.configFile === undefined ? undefined : `in ${context.configFile}`;
  if (!isPlainObject(document)) throw new ConfigError('config', 'the file must contain one JSON object', fileSource);
  const problems: ConfigProblem[] = [];
  const origins = new Map<string, Origin>();

  const merged: Record<string, unknown> = { ...document };
  for (const key of Object.keys(merged)) origins.set(key, { source: fileSource });

  for (const entry of valuesFromEnvironment(context.environment)) {
    const source = `from environment variable ${entry.variable}`;
    if ('problem' in entry) {
      problems.push({ key: entry.key, reason: entry.problem, source });
      delete merged[entry.key];
    } else {
      merged[entry.key] = entry.value;
    }
    origins.set(entry.key, { source });
  }

  const checked = checkWithSchema(configSchema, merged);
  const located = (path: ConfigPath, reason: string): ConfigProblem => ({
    key: formatPath(path),
    reason,
    source: typeof path[0] === 'string' ? origins.get(path[0])?.source : undefined,
  });
  if (!checked.ok) problems.push(...checked.problems.map((problem) => located(problem.path, problem.reason)));
  for (const [configKey, schema] of builtInPluginSchemas(merged)) {
    const pluginChecked = checkWithSchema(schema, merged[configKey] ?? {});
    if (!pluginChecked.ok) problems.push(...pluginChecked.problems.map((problem) => located([configKey, ...problem.path], problem.reason)));
  }
  problems.push(...relationProblems(merged));

  const [first, ...rest] = problems;
  if (first !== undefined) throw new ConfigError([first, ...rest]);
  if (!checked.ok) throw new Error('a failed schema check reported no problem');

  const { $schema: _schema, $comment: _comment, tls, webhooks, ...values } = checked.value;
  return {
    ...values,
    // The objects of the document itself: main.ts tells by identity whether the embedded default's are still in force.
    authenticatorConfig: (merged.authenticatorConfig as PluginConfig | undefined) ?? values.authenticatorConfig,
    storageConfig: (merged.storageConfig as PluginConfig | undefined) ?? values.storageConfig,
    ...(tls === undefined ? {} : { tls: resolveTlsPaths(tls, context.configDirectory) }),
    ...(webhooks === undefined ? {} : { webhooks: completeWebhooksConfig(webhooks) }),
    configDirectory: context.configDirectory,
    configFile: context.configFile,
  };
}

/** The schemas of the plugin configs to check: those of the built-in authenticator and storage connector named. */
function builtInPluginSchemas(merged: Readonly<Record<string, unknown>>): [string, z.ZodType][] {
  const found: [string, z.ZodType][] = [];
  const authenticator = merged.authenticator;
  if (typeof authenticator === 'string' && Object.hasOwn(builtInAuthenticatorSchemas, authenticator)) {
    found.push(['authenticatorConfig', builtInAuthenticatorSchemas[authenticator as keyof typeof builtInAuthenticatorSchemas]]);
  }
  const storageConnector = merged.storageConnector ?? 'fs';
  if (typeof storageConnector === 'string' && Object.hasOwn(builtInStorageSchemas, storageConnector)) {
    found.push(['storageConfig', builtInStorageSchemas[storageConnector as keyof typeof builtInStorageSchemas]]);
  }
  // A plugin config that is not an object at all is reported once, by the top-level schema.
  return found.filter(([configKey]) => merged[configKey] === undefined || isPlainObject(merged[configKey]));
}

/** Problems that involve two keys: none has a single source. */
function relationProblems(merged: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { minPassivePort, maxPassivePort } = merged;
  if ((minPassivePort === undefined) !== (maxPassivePort === undefined)) {
    const missing = minPassivePort === undefined ? 'minPassivePort' : 'maxPassivePort';
    problems.push({ key: missing, reason: 'is required when the other end of the passive port range is set' });
  }
  if (typeof minPassivePort === 'number' && typeof maxPassivePort === 'number' && minPassivePort > maxPassivePort) {
    problems.push({ key: 'minPassivePort', reason: `must not be greater than maxPassivePort (${minPassivePort} > ${maxPassivePort})` });
  }
  if (merged.metricsAddr !== undefined && merged.metricsPort === undefined) {
    problems.push({ key: 'metricsAddr', reason: 'needs metricsPort (the metrics listener is off without it)' });
  }
  if (merged.implicitFtpsPort !== undefined && merged.tls === undefined) {
    problems.push({ key: 'implicitFtpsPort', reason: 'needs a tls section with certFile and keyFile' });
  }
  return problems;
}

/**
 * The embedded default's plugin configs belong to its plugins: when the environment names another authenticator or
 * storage connector, its config is dropped (`AUTHENTICATOR=passthrough` must not receive the default user list).
 */
function withoutReplacedPluginConfigs(
  document: Readonly<Record<string, unknown>>,
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> {
  const result = { ...document };
  const pairs = [
    ['authenticator', 'authenticatorConfig'],
    ['storageConnector', 'storageConfig'],
  ] as const;
  for (const [nameKey, configKey] of pairs) {
    const replacement = nonEmptyVariable(environment, variableOf(nameKey));
    if (replacement !== undefined && replacement !== document[nameKey]) delete result[configKey];
  }
  return result;
}

function readConfigFile(configFile: string): unknown {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new ConfigError('config', `cannot read ${configFile}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError('config', `${configFile} is not valid JSON: ${(error as Error).message}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
