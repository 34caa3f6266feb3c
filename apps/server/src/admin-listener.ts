import { readFile } from 'node:fs/promises';
import { startAdminServer, type AdminServer } from '@ftp/admin';
import type { FtpServer } from '@ftp/server';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';

/**
 * Starts the admin API and web page (`@ftp/admin`) over `server` when the config has an `admin` section: HTTPS with
 * the FTPS certificate when `tls` is set, plain HTTP otherwise. Its lines (logins, every change with the admin's name)
 * carry component "admin".
 */
export async function startAdminListener(
  config: AppConfig,
  server: FtpServer,
  logger: Logger,
  certificate: { readonly cert: Buffer; readonly key: Buffer } | undefined,
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
    ...(admin.tokenTtlMs === undefined ? {} : { tokenTtlMs: admin.tokenTtlMs }),
    ...(certificate === undefined ? {} : { tls: certificate }),
  });
}

/** The version of the installed CLI: the manifest is one level above `dist/` (and `src/`). */
async function cliVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
