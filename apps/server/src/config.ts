import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { nonEmptyVariable, valuesFromEnvironment, variableOf } from './config-environment.ts';
import { ConfigError, formatProblem } from './config-error.ts';
import {
  exFtpAuthenticatorOptionKeys,
  exFtpAuthenticators,
  exFtpStorageConnectors,
  exFtpTopLevelKeys,
  exFtpWarning,
  nativeNameOf,
  renameExFtpKeys,
} from './config-ex-ftp.ts';
import { builtInAuthenticatorSchemas, builtInStorageSchemas } from './config-plugin-schemas.ts';
import { checkWithSchema, formatPath, type ConfigPath, type ConfigProblem } from './config-problems.ts';
import { configSchema, type ConfigDocument } from './config-schema.ts';
import { completeWebhooksConfig, type WebhooksConfig } from './hooks-config.ts';
import { resolveTlsPaths, type TlsConfig } from './tls-config.ts';

/** The options of a plugin as the config gives them. */
type PluginConfig = Readonly<Record<string, unknown>>;

/**
 * The validated configuration of the app: the config file's keys (ex_ftp's spellings read as the native ones) with
 * the environment's values over them and the app's defaults filled in. Keys left out fall back to the `@ftp/server`
 * defaults. The type comes from the schema (config-schema.ts).
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
  /** Told each warning (a key in ex_ftp's spelling), as one line. Default: written to stderr. */
  readonly warn?: (warning: string) => void;
}

/** Where a document comes from, for `parseConfig`. */
export interface ParseConfigContext {
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly configDirectory: string;
  readonly configFile: string | undefined;
  /** Told each warning as one line. Default: none are reported. */
  readonly warn?: (warning: string) => void;
}

/**
 * Reads the config file named by `--config` or `FTP_CONFIG` (or takes the embedded default when neither is given),
 * applies environment overrides and validates everything. Throws `ConfigError` naming every key at fault and why.
 */
export function loadConfig(options: LoadConfigOptions): AppConfig {
  const warn = options.warn ?? ((warning: string) => process.stderr.write(`ftp-server: configuration warning: ${warning}\n`));
  const named = namedConfigFile(options.configFile, options.environment);
  if (named === undefined) {
    return parseConfig(withoutReplacedPluginConfigs(options.defaultDocument, options.environment), {
      environment: options.environment,
      configDirectory: options.cwd,
      configFile: undefined,
      warn,
    });
  }
  const configFile = resolve(options.cwd, named);
  return parseConfig(readConfigFile(configFile), {
    environment: options.environment,
    configDirectory: dirname(configFile),
    configFile,
    warn,
  });
}

/** The config file named by `--config`, else by `FTP_CONFIG`; undefined when neither names one (the embedded default). */
export function namedConfigFile(
  configFile: string | undefined,
  environment: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return configFile ?? nonEmptyVariable(environment, configFileVariable);
}

/** Where a top-level value came from, and how the document spelt its key. */
interface Origin {
  readonly source: string | undefined;
  /** ex_ftp's spelling of the key, or of keys below it (`authenticatorConfig.loginUrl` → `login_url`). */
  readonly spelling?: string;
  readonly nestedSpellings?: ReadonlyMap<string, string>;
}

/**
 * Validates a config document against the schema, with the environment's values over it: every problem of the
 * document and the environment is collected and thrown together as one `ConfigError`.
 */
export function parseConfig(document: unknown, context: ParseConfigContext): AppConfig {
  const fileSource = context.configFile === undefined ? undefined : `in ${context.configFile}`;
  if (!isPlainObject(document)) throw new ConfigError('config', 'the file must contain one JSON object', fileSource);
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const origins = new Map<string, Origin>();

  const topLevel = renameExFtpKeys(document, exFtpTopLevelKeys);
  for (const { exFtpKey, nativeKey } of topLevel.clashes) {
    problems.push({ key: exFtpKey, reason: `ex_ftp's name for "${nativeKey}", which is set too; keep one`, source: fileSource });
  }
  const merged = topLevel.object;
  for (const key of Object.keys(merged)) origins.set(key, { source: fileSource });
  for (const { exFtpKey, nativeKey } of topLevel.renamed) {
    origins.set(nativeKey, { source: fileSource, spelling: exFtpKey });
    warnings.push({ key: exFtpKey, reason: exFtpWarning(exFtpKey, nativeKey, 'key'), source: fileSource });
  }

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

  const spelt = (key: string) => origins.get(key)?.spelling ?? key;
  for (const [key, modules] of [
    ['authenticator', exFtpAuthenticators],
    ['storageConnector', exFtpStorageConnectors],
  ] as const) {
    const nativeName = nativeNameOf(merged[key], modules);
    if (nativeName === undefined) continue;
    warnings.push({
      key: spelt(key),
      reason: exFtpWarning(String(merged[key]), nativeName, 'module name'),
      source: origins.get(key)?.source,
    });
    merged[key] = nativeName;
  }
  renameExFtpOptionKeys(merged, origins, problems, warnings);

  const checked = checkWithSchema(configSchema, merged);
  const located = (path: ConfigPath, reason: string): ConfigProblem => ({
    key: formatPath(spelledPath(path, origins)),
    reason,
    source: typeof path[0] === 'string' ? origins.get(path[0])?.source : undefined,
  });
  if (!checked.ok) problems.push(...checked.problems.map((problem) => located(problem.path, problem.reason)));
  for (const [configKey, schema] of builtInPluginSchemas(merged)) {
    const pluginChecked = checkWithSchema(schema, merged[configKey] ?? {});
    if (!pluginChecked.ok) problems.push(...pluginChecked.problems.map((problem) => located([configKey, ...problem.path], problem.reason)));
  }
  problems.push(...relationProblems(merged).map((problem) => ({ ...problem, key: origins.get(problem.key)?.spelling ?? problem.key })));

  for (const warning of warnings) context.warn?.(formatProblem(warning));
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

/** ex_ftp's `authenticator_config` keys (`login_url`, …) read as the native ones of the authenticator named. */
function renameExFtpOptionKeys(
  merged: Record<string, unknown>,
  origins: Map<string, Origin>,
  problems: ConfigProblem[],
  warnings: ConfigProblem[],
): void {
  const authenticator = merged.authenticator;
  const config = merged.authenticatorConfig;
  if (typeof authenticator !== 'string' || !Object.hasOwn(exFtpAuthenticatorOptionKeys, authenticator) || !isPlainObject(config)) return;
  const renamed = renameExFtpKeys(config, exFtpAuthenticatorOptionKeys[authenticator]!);
  const origin = origins.get('authenticatorConfig');
  const prefix = origin?.spelling ?? 'authenticatorConfig';
  for (const { exFtpKey, nativeKey } of renamed.clashes) {
    problems.push({
      key: `${prefix}.${exFtpKey}`,
      reason: `ex_ftp's name for "${nativeKey}", which is set too; keep one`,
      source: origin?.source,
    });
  }
  if (renamed.renamed.length === 0) return;
  for (const { exFtpKey, nativeKey } of renamed.renamed) {
    warnings.push({ key: `${prefix}.${exFtpKey}`, reason: exFtpWarning(exFtpKey, nativeKey, 'key'), source: origin?.source });
  }
  merged.authenticatorConfig = renamed.object;
  origins.set('authenticatorConfig', {
    source: origin?.source,
    ...(origin?.spelling === undefined ? {} : { spelling: origin.spelling }),
    nestedSpellings: new Map(renamed.renamed.map(({ exFtpKey, nativeKey }) => [nativeKey, exFtpKey])),
  });
}

/** A problem's path in the document's own spelling, so `ftp_port` is reported as `ftp_port`, not `ftpPort`. */
function spelledPath(path: ConfigPath, origins: ReadonlyMap<string, Origin>): ConfigPath {
  const [top, next, ...rest] = path;
  const origin = typeof top === 'string' ? origins.get(top) : undefined;
  if (origin === undefined) return path;
  const nested = typeof next === 'string' ? (origin.nestedSpellings?.get(next) ?? next) : next;
  return [origin.spelling ?? top!, ...(next === undefined ? [] : [nested!]), ...rest];
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
  // Options of a shared state that is not used would leave instances counting apart while the operator meant them to share.
  if (merged.sharedStateConfig !== undefined && merged.sharedState !== 'postgres') {
    problems.push({ key: 'sharedStateConfig', reason: 'needs "sharedState": "postgres" (the memory shared state takes no options)' });
  }
  if (merged.sharedState === 'postgres' && merged.authenticator !== '@ftp/store-postgres') {
    const own = merged.sharedStateConfig;
    if (typeof own !== 'object' || own === null || (own as Record<string, unknown>).connectionString === undefined) {
      problems.push({
        key: 'sharedStateConfig.connectionString',
        reason: 'is required for the postgres shared state unless the authenticator is @ftp/store-postgres, whose database it then shares',
      });
    }
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
