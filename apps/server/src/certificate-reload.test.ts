import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import type { FtpServer } from '@ftp/server';
import { generateCertificate, tempDirectory } from '@ftp/test-utils';
import { expect, it } from 'vitest';
import { watchCertificate } from './certificate-reload.ts';

it('hands the new pair to the server when the certificate files are replaced (no signal needed)', async () => {
  const directory = await tempDirectory('ftp-cert-watch-');
  await generateCertificate({ directory });
  const received: string[] = [];
  // The watcher's only dependency on the server is setTlsCertificate; the SIGHUP path runs the real app (test/ftps.int.test.ts).
  const server = { setTlsCertificate: (pair: { cert: Buffer }) => void received.push(pair.cert.toString()) } as unknown as FtpServer;
  const config = { certFile: join(directory, 'cert.pem'), keyFile: join(directory, 'key.pem') };
  const stop = watchCertificate({ server }, config, pino({ level: 'silent' }), 20);
  try {
    await generateCertificate({ directory, prefix: 'new-' });
    await rename(join(directory, 'new-key.pem'), join(directory, 'key.pem'));
    await rename(join(directory, 'new-cert.pem'), join(directory, 'cert.pem'));
    const expected = await readFile(join(directory, 'cert.pem'), 'utf8');
    for (let waited = 0; !received.includes(expected) && waited < 5_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toContain(expected);
  } finally {
    stop();
  }
});
