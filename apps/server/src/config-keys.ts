import { configSchema, environmentVariables, type logLevels } from './config-schema.ts';

export { logLevels, type ConfigKey } from './config-schema.ts';

/** A pino log level accepted by `logLevel`. */
export type LogLevel = (typeof logLevels)[number];

/** One top-level key of the config file and the environment variable that overrides it. */
export interface ConfigKeyDefinition {
  readonly env: string;
  readonly description: string;
}

/** Every top-level key that an environment variable can set, with that variable, from the config schema. */
export const configKeys: Readonly<Record<string, ConfigKeyDefinition>> = Object.fromEntries(
  environmentVariables().map(({ key, variable }) => [key, { env: variable, description: configSchema.shape[key].description ?? '' }]),
);
