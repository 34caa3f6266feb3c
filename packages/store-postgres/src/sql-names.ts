import { InvalidOptionError } from '@ftp/plugin-api';

/** The schema the tables live in unless configured otherwise. */
export const defaultSchema = 'ftp';

/** Quoted, schema-qualified names of this package's tables. */
export interface SqlNames {
  readonly schema: string;
  /** The schema name, quoted for SQL. */
  readonly quotedSchema: string;
  readonly users: string;
  readonly migrations: string;
  /** The shared state's tables (see shared-state-statements.ts). */
  readonly instances: string;
  readonly sessionCounts: string;
  readonly instanceSessions: string;
  readonly sessionSlots: string;
  readonly loginFailures: string;
  readonly bans: string;
  readonly quotaUsage: string;
  readonly quotaReservations: string;
  /** The accounts of quota folders and their reservations: as the two above, keyed by the folder's name. */
  readonly quotaFolderUsage: string;
  readonly quotaFolderReservations: string;
  readonly uploadLocks: string;
}

/**
 * Checks a schema name and returns the quoted table names in it. Only plain identifiers are accepted (letters, digits,
 * underscores, at most 63 bytes, PostgreSQL's limit), so the name can be put into statements, which take no
 * parameters for identifiers, without any way to change their meaning.
 */
export function sqlNames(schema: string = defaultSchema, option = 'schema'): SqlNames {
  if (typeof schema !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new InvalidOptionError(
      option,
      'must be a plain identifier: a letter or underscore, then letters, digits or underscores (63 at most)',
    );
  }
  const quotedSchema = `"${schema}"`;
  return {
    schema,
    quotedSchema,
    users: `${quotedSchema}.users`,
    migrations: `${quotedSchema}.schema_migrations`,
    instances: `${quotedSchema}.instances`,
    sessionCounts: `${quotedSchema}.session_counts`,
    instanceSessions: `${quotedSchema}.instance_sessions`,
    sessionSlots: `${quotedSchema}.session_slots`,
    loginFailures: `${quotedSchema}.login_failures`,
    bans: `${quotedSchema}.bans`,
    quotaUsage: `${quotedSchema}.quota_usage`,
    quotaReservations: `${quotedSchema}.quota_reservations`,
    quotaFolderUsage: `${quotedSchema}.quota_folder_usage`,
    quotaFolderReservations: `${quotedSchema}.quota_folder_reservations`,
    uploadLocks: `${quotedSchema}.upload_locks`,
  };
}
