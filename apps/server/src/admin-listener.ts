import { readFile } from 'node:fs/promises';
import { startAdminServer, type AdminServer, type AdminTarget, type RestartOutcome } from '@ftp/admin';
import type { UserStoreV1 } from '@ftp/plugin-api';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';

/** What the admin listener takes from the rest of the app. */
export interface AdminParts {
  /** The FTPS certificate, when `tls` is set: the admin listener then speaks HTTPS with it. */
  readonly certificate: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  /** The authenticator's user store, when it keeps one (`local` with a users file, PostgreSQL). */
  readonly users: UserStoreV1 | undefined;
  /** The rolling restart of the worker processes (`POST /api/server/restart`); none for one process. */
  readonly restart?: (reason: string) => Promise<RestartOutcome>;
}

/**
 * Starts the admin API and web page (`@ftp/admin`) over `server` (the engine, or the primary's view of every worker)
 * when the config has an `admin` section: HTTPS with the FTPS certificate when `tls` is set, plain HTTP otherwise. Its
 * lines (logins, every change with the admin's name) carry component "admin".
 */
export async function startAdminListener(
  config: AppConfig,
  server: AdminTarget,
  logger: Logger,
  { certificate, users, restart }: AdminParts,
): Promise<AdminServer | undefined> {
  const admin = config.admin;
  if (admin === undefined) return undefined;
  return startAdminServer({
    server,
    accounts: admin.accounts,
    logger: logger.child({ component: 'admin' }),
    host: admin.address ?? '127.0.0.1',
    port: admin.port,
    version: await cliVersion(),
    users,
    ...(restart === undefined ? {} : { restart }),
    ...(admin.tokenTtlMs === undefined ? {} : { tokenTtlMs: admin.tokenTtlMs }),
    ...(certificate === undefined ? {} : { tls: certificate }),
  });
}

/** The version of the installed CLI: the manifest is one level above `dist/` (and `src/`). */
async function cliVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
