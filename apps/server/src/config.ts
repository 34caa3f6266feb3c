import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FtpServerOptions } from '@ftp/server';
import { ConfigError } from './config-error.ts';
import { commentKeys, configKeys, type ConfigKey, type LogLevel } from './config-keys.ts';
import { checkValue, valueFromEnvironment } from './config-values.ts';
import { closestMatch } from './did-you-mean.ts';
import { parseTlsConfig, type TlsConfig } from './tls-config.ts';
import { parsePreUploadHookConfig, parseWebhooksConfig, type PreUploadHookConfig, type WebhooksConfig } from './hooks-config.ts';

/** The validated configuration of the app. Keys left out fall back to the `@ftp/server` defaults. */
export interface AppConfig {
  readonly ftpAddr: string;
  readonly ftpPort: number;
  readonly minPassivePort?: number;
  readonly maxPassivePort?: number;
  readonly pasvAddress?: string;
  /** Client CIDR → IPv4 address or host name for PASV; the most specific range wins, `pasvAddress` serves the rest. */
  readonly pasvAddressMap?: Readonly<Record<string, string>>;
  /** PROXY protocol options of `@ftp/server` (`trustedSources`, `versions`, …), checked by the engine at start. */
  readonly proxyProtocol?: Readonly<Record<string, unknown>>;
  /** Port of the metrics/health HTTP listener; no listener when unset. */
  readonly metricsPort?: number;
  /** Address of the metrics listener. Default 127.0.0.1. */
  readonly metricsAddr?: string;
  readonly webhooks?: WebhooksConfig;
  readonly preUploadHook?: PreUploadHookConfig;
  readonly serverName?: string;
  readonly authenticator: string;
  readonly authenticatorConfig: Readonly<Record<string, unknown>>;
  readonly storageConnector: string;
  readonly storageConfig: Readonly<Record<string, unknown>>;
  readonly maxSessions?: number;
  readonly maxSessionsPerIp?: number;
  readonly maxBadCommands?: number;
  readonly maxLoginAttempts?: number;
  readonly loginTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly dataTimeoutMs?: number;
  readonly tlsHandshakeTimeoutMs?: number;
  readonly maxLineLength?: number;
  readonly shutdownTimeoutMs?: number;
  readonly requireDataPeerMatch?: boolean;
  readonly allowActiveMode?: boolean;
  /** Per-user limit defaults, server bandwidth, defender and anonymous access, passed to the engine as they are. */
  readonly userDefaults?: FtpServerOptions['userDefaults'];
  readonly bandwidth?: FtpServerOptions['bandwidth'];
  readonly defender?: FtpServerOptions['defender'];
  readonly anonymous?: FtpServerOptions['anonymous'];
  /** FTPS; absent means plain FTP only. */
  readonly tls?: TlsConfig;
  readonly implicitFtpsPort?: number;
  readonly logLevel: LogLevel;
  /** Relative paths in plugin configs are resolved against this: the config file's directory, else the cwd. */
  readonly configDirectory: string;
  /** The config file read; undefined when the embedded default was used. */
  readonly configFile: string | undefined;
}

/** Values used for keys that neither the file nor the environment sets. */
export const appDefaults = {
  ftpAddr: '127.0.0.1',
  ftpPort: 2121,
  storageConnector: 'fs',
  authenticatorConfig: {},
  storageConfig: {},
  logLevel: 'info',
} as const;

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

/**
 * Reads the config file named by `--config` or `FTP_CONFIG` (or takes the embedded default when neither is given),
 * applies environment overrides and validates everything. Throws `ConfigError` naming the key and why.
 */
export function loadConfig(options: LoadConfigOptions): AppConfig {
  const named = options.configFile ?? nonEmpty(options.environment[configFileVariable]);
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

/** Validates a config document, applies environment overrides and cross-checks keys. */
export function parseConfig(
  document: unknown,
  context: { environment: Readonly<Record<string, string | undefined>>; configDirectory: string; configFile: string | undefined },
): AppConfig {
  const source = context.configFile === undefined ? undefined : `in ${context.configFile}`;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigError('config', 'the file must contain one JSON object', source);
  }
  const merged: Record<string, unknown> = { ...appDefaults };
  for (const [key, value] of Object.entries(document)) {
    if (commentKeys.includes(key)) continue;
    merged[key] = checkValue(knownKey(key, source), configKeys[key as ConfigKey].kind, value, source);
  }
  for (const [key, definition] of Object.entries(configKeys)) {
    const text = nonEmpty(context.environment[definition.env]);
    if (text !== undefined) merged[key] = valueFromEnvironment(key, definition.kind, text, definition.env);
  }
  checkRelations(merged);
  if (merged.tls !== undefined) merged.tls = parseTlsConfig(merged.tls as Record<string, unknown>, context.configDirectory);
  if (merged.webhooks !== undefined) merged.webhooks = parseWebhooksConfig(merged.webhooks as Record<string, unknown>);
  if (merged.preUploadHook !== undefined) merged.preUploadHook = parsePreUploadHookConfig(merged.preUploadHook as Record<string, unknown>);
  return { ...merged, configDirectory: context.configDirectory, configFile: context.configFile } as unknown as AppConfig;
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
    const replacement = nonEmpty(environment[configKeys[nameKey].env]);
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

function knownKey(key: string, source: string | undefined): string {
  if (Object.hasOwn(configKeys, key)) return key;
  const suggestion = closestMatch(key, Object.keys(configKeys));
  throw new ConfigError(key, `unknown key${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`, source);
}

function checkRelations(merged: Record<string, unknown>): void {
  if (merged.authenticator === undefined) {
    throw new ConfigError('authenticator', 'is required: no-auth, passthrough, local, or a package name');
  }
  const { minPassivePort, maxPassivePort } = merged;
  if ((minPassivePort === undefined) !== (maxPassivePort === undefined)) {
    const missing = minPassivePort === undefined ? 'minPassivePort' : 'maxPassivePort';
    throw new ConfigError(missing, 'is required when the other end of the passive port range is set');
  }
  if (merged.metricsAddr !== undefined && merged.metricsPort === undefined) {
    throw new ConfigError('metricsAddr', 'needs metricsPort (the metrics listener is off without it)');
  }
  if (merged.implicitFtpsPort !== undefined && merged.tls === undefined) {
    throw new ConfigError('implicitFtpsPort', 'needs a tls section with certFile and keyFile');
  }
  if (typeof minPassivePort === 'number' && typeof maxPassivePort === 'number' && minPassivePort > maxPassivePort) {
    throw new ConfigError('minPassivePort', `must not be greater than maxPassivePort (${minPassivePort} > ${maxPassivePort})`);
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}
