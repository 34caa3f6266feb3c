import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import type { StartedServer } from './start-server.ts';
import { readCertificatePair, type TlsConfig } from './tls-config.ts';

/** How often the certificate files are checked for a change (renewal tools replace them in place or by rename). */
const defaultPollIntervalMs = 5_000;

/**
 * Reloads the TLS certificate (of the FTP server, and of the admin listener when it runs) without a restart, on SIGHUP
 * and when either file changes: sessions that start from then on use the new pair, running ones keep theirs. A pair
 * that does not load is logged and the old one stays.
 */
export function watchCertificate(
  started: Pick<StartedServer, 'server'> & Partial<Pick<StartedServer, 'admin'>>,
  config: TlsConfig,
  logger: Logger,
  pollIntervalMs = defaultPollIntervalMs,
): () => void {
  let reloading = Promise.resolve();
  const reload = (reason: string) => {
    reloading = reloading.then(async () => {
      try {
        const pair = await readCertificatePair(config);
        started.server.setTlsCertificate(pair);
        // The admin listener speaks HTTPS with the same pair.
        started.admin?.setTlsCertificate(pair);
        logger.info({ reason, certFile: config.certFile }, 'TLS certificate reloaded');
      } catch (error) {
        logger.error({ reason, error: (error as Error).message }, 'TLS certificate reload failed; keeping the previous one');
      }
    });
  };
  const onSignal = () => reload('SIGHUP');
  process.on('SIGHUP', onSignal);
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs !== previous.mtimeMs) reload('file changed');
  };
  for (const file of [config.certFile, config.keyFile]) watchFile(file, { interval: pollIntervalMs, persistent: false }, onChange);
  return () => {
    process.off('SIGHUP', onSignal);
    for (const file of [config.certFile, config.keyFile]) unwatchFile(file, onChange);
  };
}
