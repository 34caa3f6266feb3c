import type { AuthenticatorFactory } from '@ftp/plugin-api';
import { configKeys, type PostgresAuthenticatorOptions, refuseUnknownKeys } from './options.ts';
import { createPostgresAuthenticator } from './postgres-authenticator.ts';

/**
 * The plugin factory the ftp-server app calls for `"authenticator": "@ftp/store-postgres"`, with `authenticatorConfig`
 * as the options (`connectionString`, `schema`, `maxConnections`, `connectTimeoutMs`, `queryTimeoutMs`,
 * `revalidateIntervalMs`, `migrate`). Throws `InvalidOptionError` naming the key; rejects with
 * `AuthenticationUnavailableError` when the database cannot be reached or migrated at start.
 */
export const createAuthenticator: AuthenticatorFactory = (config, environment) => {
  refuseUnknownKeys(config ?? {}, configKeys);
  return createPostgresAuthenticator(
    config as PostgresAuthenticatorOptions,
    environment?.logger === undefined ? {} : { logger: environment.logger },
  );
};
