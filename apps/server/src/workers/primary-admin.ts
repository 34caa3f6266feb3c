import type { AdminServer } from '@ftp/admin';
import type { Logger } from 'pino';
import { startAdminListener } from '../admin-listener.ts';
import type { AppConfig } from '../config.ts';
import { loadAuthenticator } from '../plugins.ts';
import { readCertificatePair } from '../tls-config.ts';
import type { RunningPrimary } from './primary.ts';
import { WorkersAdminTarget } from './workers-admin-target.ts';

/** The primary's admin listener, and what it opened for it. */
export interface PrimaryAdmin {
  readonly server: Pick<AdminServer, 'address' | 'port' | 'url'>;
  /**
   * Reads the `tls` certificate pair again for the admin listener (with a rolling restart, whose new workers load it
   * too); a pair that does not load is logged and the old one kept.
   */
  reloadCertificate(): Promise<void>;
  /** Closes the listener (its event streams too), then the user store. */
  close(): Promise<void>;
}

/**
 * Starts the admin API and web page in the primary, over every worker (`WorkersAdminTarget`): the user store is opened
 * here as a single process opens it (the users file, PostgreSQL), and `POST /api/server/restart` replaces the workers
 * one at a time as SIGHUP does.
 */
export async function startPrimaryAdmin(running: RunningPrimary, config: AppConfig, logger: Logger): Promise<PrimaryAdmin> {
  const authenticator = await loadAuthenticator(config.authenticator, config.authenticatorConfig, {
    logger: logger.child({ plugin: config.authenticator }),
    configDirectory: config.configDirectory,
  });
  const target = new WorkersAdminTarget(running, config, logger.child({ component: 'admin' }));
  let server: AdminServer | undefined;
  const reloadCertificate = async () => {
    if (config.tls === undefined || server === undefined) return;
    try {
      server.setTlsCertificate(await readCertificatePair(config.tls));
      logger.info({ component: 'admin' }, 'admin TLS certificate reloaded');
    } catch (error) {
      logger.error({ component: 'admin', error: (error as Error).message }, 'admin TLS certificate not reloaded; the old one stays');
    }
  };
  try {
    const certificate = config.tls === undefined ? undefined : await readCertificatePair(config.tls);
    server = await startAdminListener(config, target, logger, {
      certificate,
      users: authenticator.users,
      restart: async (reason) => {
        await reloadCertificate();
        return running.restart(reason);
      },
    });
  } catch (error) {
    target.close();
    await authenticator.close?.();
    throw error;
  }
  if (server === undefined) throw new Error('startPrimaryAdmin needs an admin section');
  const listening = server;
  return {
    server: { address: listening.address, port: listening.port, url: listening.url },
    reloadCertificate,
    async close() {
      await listening.close();
      target.close();
      await authenticator.close?.();
    },
  };
}
