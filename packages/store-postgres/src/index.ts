export { createAuthenticator } from './create-authenticator.ts';
export { createPostgresAuthenticator, type PostgresAuthenticatorEnvironment } from './postgres-authenticator.ts';
export type { PostgresAuthenticatorOptions } from './options.ts';
export {
  createPostgresSharedState,
  sharedStateConfigKeys,
  type PostgresSharedStateOptions,
  type PostgresSharedStateEnvironment,
} from './shared-state.ts';
export { migrate, schemaVersion, type MigrateOptions, type MigrationReport } from './migrations.ts';
export {
  createPostgresPool,
  type PostgresPool,
  type PostgresPoolOptions,
  type PooledConnection,
  type Queryable,
  type SqlResult,
  type SqlStatement,
} from './postgres-pool.ts';
export {
  addUser,
  setPassword,
  disableUser,
  enableUser,
  deleteUser,
  listUsers,
  createPostgresUserStore,
  type NewUser,
  type UserAdminOptions,
  type UserSummary,
} from './user-admin.ts';
export { hashPassword, type PasswordHashOptions as ScryptHashOptions } from '@ftp/plugin-api/password';
